import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { anAuditEventInput } from '@hub/audit/testing';
import { SERVICE_TOKEN_HEADER } from '@hub/auth';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carriesNoData, pathVariants, type RawResponse, rawRequest } from './attack-paths.ts';
import { auditEventsOf, demoUser, startHub, type TestHub } from './hub.ts';

/**
 * Route guards attacked over real HTTP, as an outsider would: every protected route of every
 * service, spelled every way a router and a guard might read differently (percent-encoding,
 * slashes, case, `;`, dot segments). Each spelling must be either not found (404) or refused
 * exactly like the plain path — never answered with data. On the gateway, every spelling that
 * reaches /graphql must be authenticated and recorded in the audit log.
 *
 * On 6c390e8 this failed: `/%69nternal/access-facts` on the record service returned access
 * facts with no credential, and `/%67raphql` on the gateway answered anonymously, unaudited.
 */

const INTROSPECTION = '{ __schema { queryType { name } } }';
// Not introspection: the gateway may refuse that on its own (limits), and this must reach the guard.
const TYPENAME = '{ __typename }';
const gqlGet = (query: string) => `/graphql?query=${encodeURIComponent(query)}`;

interface ProtectedRoute {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Attempt {
  variant: string;
  path: string;
  status: number;
  body: string;
}

/** Sends every variant and returns those answered neither 404 nor exactly like the plain path. */
async function attack(
  base: string,
  route: ProtectedRoute,
  options: {
    markers?: readonly string[];
    /** The plain path answers with data (an authenticated caller): served spellings may too. */
    allowData?: boolean;
    /** Extra checks for a variant the route served (status equal to the plain path's). */
    onServed?: (variant: string, response: RawResponse, requestId: string) => Promise<string | null>;
    requestId?: () => string;
  } = {},
): Promise<{ plain: RawResponse; failures: Attempt[]; served: number }> {
  const send = (path: string, requestId: string) =>
    rawRequest(base, {
      method: route.method,
      path,
      headers: { ...route.headers, 'x-request-id': requestId },
      ...(route.body !== undefined ? { body: JSON.stringify(route.body) } : {}),
    });
  const nextId = options.requestId ?? (() => `attack-${Math.random().toString(36).slice(2)}`);
  const plainId = nextId();
  const plain = await send(route.path, plainId);
  const failures: Attempt[] = [];
  let served = 0;
  for (const { name, path } of pathVariants(route.path)) {
    const requestId = nextId();
    const response = await send(path, requestId);
    const fail = (why: string) =>
      failures.push({
        variant: `${name}: ${why}`,
        path,
        status: response.status,
        body: response.body.slice(0, 200),
      });
    if (!options.allowData && !carriesNoData(response.body, options.markers)) {
      fail('answered with data');
      continue;
    }
    if (response.status === 404) continue;
    if (response.status !== plain.status || response.body !== plain.body) {
      fail(`not refused like the plain path (${plain.status})`);
      continue;
    }
    served++;
    const problem = await options.onServed?.(name, response, requestId);
    if (problem) fail(problem);
  }
  return { plain, failures, served };
}

describe('route guards under attack, over real HTTP', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let gatewayUrl: string;
  let portalHtml: string;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-portal-stub-'));
    portalHtml = '<!doctype html><title>portal stub</title>';
    writeFileSync(join(dir, 'index.html'), portalHtml);
    // The portal and the demo sign-in are on: their routes and the SPA fallback are attacked too.
    hub = await startHub({ children: 12, portal: { dir } });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    gatewayUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    child = hub.dataset.children[0]!;
  });
  afterAll(() => hub?.close());

  const baseOf = (url: string) => url.replace(/\/graphql$/, '');
  /** What a leak of this child's record would contain. */
  const markers = () => [child.dateOfBirth, child.givenName, child.familyName].filter(Boolean) as string[];

  const eventsOf = (requestId: string) => auditEventsOf(hub, requestId);

  describe('subgraphs: every route needs a gateway-signed context, however it is spelled', () => {
    const subgraphRoutes = (): Array<{ service: string; base: string; route: ProtectedRoute }> => {
      const graphqlRoutes = (service: string, base: string) => [
        {
          service,
          base,
          route: { method: 'POST' as const, path: '/graphql', body: { query: INTROSPECTION } },
        },
        { service, base, route: { method: 'GET' as const, path: gqlGet(INTROSPECTION) } },
      ];
      const record = baseOf(hub.subgraphs.record.url);
      const audit = hub.audit.url;
      return [
        ...graphqlRoutes('record', record),
        ...graphqlRoutes('education', baseOf(hub.subgraphs.education.url)),
        ...graphqlRoutes('health', baseOf(hub.subgraphs.health.url)),
        ...graphqlRoutes('social-care', baseOf(hub.subgraphs['social-care'].url)),
        ...graphqlRoutes('audit', audit),
        ...['/internal/access-facts', '/internal/ehc-assessments'].map((path) => ({
          service: 'record',
          base: record,
          route: { method: 'POST' as const, path, body: { childIds: [child.id] } },
        })),
        {
          service: 'record',
          base: record,
          route: {
            method: 'POST' as const,
            path: '/internal/ehc-advice-received',
            body: { assessmentId: '00000000-0000-4000-8000-000000000000' },
          },
        },
        { service: 'audit', base: audit, route: { method: 'GET' as const, path: '/audit/export' } },
        {
          service: 'audit',
          base: audit,
          route: {
            method: 'POST' as const,
            path: '/internal/audit-events',
            body: anAuditEventInput({ requestId: 'attack-forged-event' }),
          },
        },
        {
          service: 'audit',
          base: audit,
          route: {
            method: 'POST' as const,
            path: '/internal/audit-batches',
            body: { events: [anAuditEventInput({ requestId: 'attack-forged-batch' })] },
          },
        },
      ];
    };

    it('each protected subgraph route refuses a caller without a context on its plain path', async () => {
      for (const { service, base, route } of subgraphRoutes()) {
        const response = await rawRequest(base, {
          method: route.method,
          path: route.path,
          ...(route.body !== undefined ? { body: JSON.stringify(route.body) } : {}),
        });
        expect(response.status, `${service} ${route.method} ${route.path}`).toBe(401);
        expect(response.body, `${service} ${route.method} ${route.path}`).toContain('UNAUTHENTICATED');
      }
    });

    it('no spelling of a protected subgraph route answers without a context', async () => {
      const failures: string[] = [];
      let variants = 0;
      for (const { service, base, route } of subgraphRoutes()) {
        const result = await attack(base, route, { markers: [...markers(), '"seq"', '"facts"'] });
        variants += pathVariants(route.path).length;
        for (const f of result.failures)
          failures.push(`${service} ${route.method} ${f.path} [${f.variant}] → ${f.status} ${f.body}`);
      }
      expect(failures).toEqual([]);
      expect(variants).toBeGreaterThan(400);
      // No forged audit event got in through any spelling.
      expect(await eventsOf('attack-forged-event')).toEqual([]);
    });
  });

  describe('gateway: whatever reaches /graphql is authenticated and audited', () => {
    let n = 0;
    const nextId = () => `attack-gw-${++n}`;

    const expectAudited =
      (actorSub: string | null) =>
      async (_variant: string, _response: RawResponse, requestId: string): Promise<string | null> => {
        const events = await eventsOf(requestId);
        if (events.length === 0) return 'served without an audit event';
        if (events.some((e) => e.actor.sub !== actorSub))
          return `audited as ${JSON.stringify(events.map((e) => e.actor.sub))}, expected ${actorSub}`;
        return null;
      };

    for (const method of ['POST', 'GET'] as const) {
      const route = (query: string, headers: Record<string, string> = {}): ProtectedRoute =>
        method === 'POST'
          ? { method, path: '/graphql', body: { query }, headers }
          : { method, path: gqlGet(query), headers };

      it(`${method} /graphql without a token: every spelling that is served is refused and audited`, async () => {
        const { plain, failures, served } = await attack(gatewayUrl, route(TYPENAME), {
          // A JSON fragment, not a word: a 404 message repeats the (encoded) URL.
          markers: ['"__typename":"Query"'],
          requestId: nextId,
          onServed: expectAudited(null),
        });
        expect(plain.status).toBe(401);
        expect(JSON.parse(plain.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
        expect(failures).toEqual([]);
        expect(served).toBeGreaterThan(0);
      });

      it(`${method} /graphql with a token: every spelling that is served is audited as the caller`, async () => {
        const senco = demoUser(hub.dataset, 'demo-senco-1');
        const token = await hub.token(senco);
        const { plain, failures, served } = await attack(
          gatewayUrl,
          route(TYPENAME, { authorization: `Bearer ${token}` }),
          { allowData: true, requestId: nextId, onServed: expectAudited(senco.sub) },
        );
        expect(plain.status).toBe(200);
        expect(JSON.parse(plain.body)).toEqual({ data: { __typename: 'Query' } });
        expect(failures).toEqual([]);
        expect(served).toBeGreaterThan(0);
      });
    }

    it('GET /audit/export without a token: every spelling is 404 or the same audited refusal', async () => {
      const { plain, failures } = await attack(
        gatewayUrl,
        { method: 'GET', path: '/audit/export' },
        { requestId: nextId, onServed: expectAudited(null) },
      );
      expect(plain.status).toBe(401);
      expect(failures).toEqual([]);
    });

    it('the portal fallback never answers an API path with data or with the page', async () => {
      const failures: string[] = [];
      for (const { name, path } of pathVariants(gqlGet(INTROSPECTION))) {
        const response = await rawRequest(gatewayUrl, {
          method: 'GET',
          path,
          headers: { accept: 'text/html,application/xhtml+xml' },
        });
        if (!carriesNoData(response.body, ['"queryType":{']) || response.body === portalHtml)
          failures.push(`${name} ${path} → ${response.status} ${response.body.slice(0, 80)}`);
      }
      expect(failures).toEqual([]);
      // A page of the portal still falls back to index.html.
      const page = await rawRequest(gatewayUrl, {
        method: 'GET',
        path: '/records/123',
        headers: { accept: 'text/html' },
      });
      expect(page.body).toBe(portalHtml);
    });
  });

  it('public routes stay public: /health everywhere, the gateway SDL fetch, the demo sign-in', async () => {
    for (const base of [
      gatewayUrl,
      hub.audit.url,
      ...Object.values(hub.subgraphs).map((s) => baseOf(s.url)),
    ]) {
      const health = await rawRequest(base, { method: 'GET', path: '/health' });
      expect(health.status, base).toBe(200);
    }
    const sdl = await rawRequest(baseOf(hub.subgraphs.record.url), {
      method: 'POST',
      path: '/graphql',
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(sdl.status).toBe(200);
    expect(JSON.parse(sdl.body).data._service.sdl).toContain('type Child');
    const users = await rawRequest(gatewayUrl, { method: 'GET', path: '/demo-idp/users' });
    expect(users.status).toBe(200);
  });

  it('a service token gets no further than its own route', async () => {
    // The gateway's audit-writer token is not a user context: it opens no other route.
    const { signServiceToken } = await import('@hub/auth');
    const token = await signServiceToken(hub.secret, 'audit-writer', 'attack-svc');
    const facts = await rawRequest(baseOf(hub.subgraphs.record.url), {
      method: 'POST',
      path: '/internal/access-facts',
      headers: { [SERVICE_TOKEN_HEADER]: token, 'x-hub-context': token },
      body: JSON.stringify({ childIds: [child.id] }),
    });
    expect(facts.status).toBe(401);
    expect(carriesNoData(facts.body, markers())).toBe(true);
  });
});
