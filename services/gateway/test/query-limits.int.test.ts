import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { EVENT_COLUMNS, type EventRow, rowToEvent, type StoredAuditEvent } from '@hub/audit';
import { GATEWAY_LIMIT_DEFAULTS } from '@hub/config';
import type { Principal } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../src/index.ts';
import { checkDocument } from '../src/limits.ts';
import { demoUser, startHub, type TestHub } from './hub.ts';

/**
 * The gateway's limits, attacked as an outsider would: over HTTP (inject, and a real socket for
 * the concurrency test), each refusal checked for its code AND its audit event.
 */

const RATE_LIMIT = 40;
const TIME_BUDGET_MS = 8_000;

/** A proxy in front of a subgraph that, when `hold` is on, keeps GraphQL queries waiting. */
class SlowProxy {
  hold = false;
  held = 0;
  /** Held requests whose caller (the gateway) gave up and closed the connection. */
  abandoned = 0;
  readonly #server: Server;
  readonly #release = new Set<() => void>();
  constructor(private readonly target: string) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    return `http://127.0.0.1:${port}${new URL(this.target).pathname}`;
  }
  async #handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (this.hold && !body.toString().includes('_service')) {
      this.held++;
      await new Promise<void>((resolve) => {
        this.#release.add(resolve);
        res.once('close', () => {
          if (!res.writableEnded) this.abandoned++;
          resolve();
        });
      });
      if (res.destroyed) return;
    }
    const upstream = httpRequest(this.target, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }
  async close() {
    for (const release of this.#release) release();
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

describe('query limits: shape, size, rate, time, load', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let proxy: SlowProxy;
  let sent = 0;

  beforeAll(async () => {
    hub = await startHub({
      children: 10,
      limits: { GATEWAY_RATE_LIMIT_MAX: RATE_LIMIT, GATEWAY_REQUEST_TIMEOUT_MS: TIME_BUDGET_MS },
      serviceUrl: async (name, url) => {
        if (name !== 'education') return url;
        proxy = new SlowProxy(url);
        return proxy.start();
      },
    });
    child = hub.dataset.children[0]!;
  });
  afterAll(async () => {
    await hub?.close();
    await proxy?.close();
  });

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  let listening: string | undefined;
  /** The gateway on a real socket (for the tests that need one). */
  async function baseUrl(): Promise<string> {
    if (!listening) {
      await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
      const address = hub.gateway.server.address();
      listening = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    }
    return listening;
  }
  /** A principal of its own, so rate-limit counts of one test do not spill into another. */
  const caller = (sub: string): Principal => ({ ...la(), sub });

  async function send(query: string, as: Principal = la(), variables: Record<string, unknown> = {}) {
    const requestId = `limits-test-${++sent}`;
    const response = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: `Bearer ${await hub.token(as)}`,
      },
      payload: JSON.stringify({ query, variables }),
    });
    return {
      requestId,
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.json() as {
        data?: unknown;
        errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
      },
    };
  }

  async function eventOf(requestId: string): Promise<StoredAuditEvent> {
    const rows = await hub.audit.db.query<EventRow>(
      `select ${EVENT_COLUMNS} from audit.event e where e.request_id = $1 order by e.seq`,
      [requestId],
    );
    expect(rows, `audit events of ${requestId}`).toHaveLength(1);
    return rowToEvent(rows[0]!);
  }

  /** The request was refused with `code`, nothing else, and its audit event says so. */
  async function expectRefused(result: Awaited<ReturnType<typeof send>>, code: string, status: number) {
    expect(result.statusCode, JSON.stringify(result.body).slice(0, 300)).toBe(status);
    expect(result.body.data ?? null).toBeNull();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors?.[0]?.extensions?.code).toBe(code);
    const event = await eventOf(result.requestId);
    expect(event).toMatchObject({ outcome: 'error', errorCodes: [code], actor: { sub: expect.any(String) } });
    return result.body.errors![0]!;
  }

  it('a real query still works', async () => {
    const result = await send('query ($id: ID!) { child(id: $id) { id givenName } }', la(), { id: child.id });
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data).toEqual({ child: { id: child.id, givenName: child.givenName } });
  });

  it('1,000 aliases: refused by the token limit while parsing, and audited', async () => {
    const aliases = Array.from(
      { length: 1000 },
      (_, i) => `a${i}: child(id: "${child.id}") { id givenName }`,
    );
    const error = await expectRefused(await send(`{ ${aliases.join(' ')} }`), 'QUERY_TOO_COMPLEX', 400);
    expect(error.message).toMatch(/too large: more than 2000 tokens/);
    expect(error.extensions).toMatchObject({
      limit: 'tokens',
      max: GATEWAY_LIMIT_DEFAULTS.GATEWAY_MAX_TOKENS,
    });
  });

  it('aliases within the token limit: refused by the alias limit', async () => {
    const aliases = Array.from({ length: 40 }, (_, i) => `a${i}: child(id: "${child.id}") { id }`);
    const error = await expectRefused(await send(`{ ${aliases.join(' ')} }`), 'QUERY_TOO_COMPLEX', 400);
    expect(error.message).toMatch(/too many aliases.*found 40/);
    expect(error.extensions).toMatchObject({ limit: 'aliases', max: 30 });
  });

  it('10,000 duplicated fields: refused by the token limit', async () => {
    const query = `{ child(id: "${child.id}") { ${'givenName '.repeat(10_000)} } }`;
    const error = await expectRefused(await send(query), 'QUERY_TOO_COMPLEX', 400);
    expect(error.extensions).toMatchObject({ limit: 'tokens' });
  });

  it('duplicated fields within the token limit: refused by the repeated-field limit', async () => {
    const query = `{ child(id: "${child.id}") { ${'givenName '.repeat(1500)} } }`;
    const error = await expectRefused(await send(query), 'QUERY_TOO_COMPLEX', 400);
    expect(error.message).toMatch(/"givenName" selected 1500 times, at most 10/);
    expect(error.extensions).toMatchObject({ limit: 'repeatedFields', max: 10 });
    // Through inline fragments too (graphql merges those the same way).
    const inline = `{ child(id: "${child.id}") { ${'... on Child { givenName } '.repeat(200)} } }`;
    const again = await expectRefused(await send(inline), 'QUERY_TOO_COMPLEX', 400);
    expect(again.extensions).toMatchObject({ limit: 'repeatedFields' });
  });

  it('a costly query: refused by the cost limit', async () => {
    const query = '{ children(search: { name: "a" }, first: 5000) { id givenName familyName } }';
    const error = await expectRefused(await send(query), 'QUERY_TOO_COMPLEX', 400);
    expect(error.extensions).toMatchObject({ limit: 'cost', max: GATEWAY_LIMIT_DEFAULTS.GATEWAY_MAX_COST });
  });

  it('deep nesting: refused by the depth limit before the schema is even consulted', async () => {
    const query = `${'{ a '.repeat(30)}${'} '.repeat(30)}`;
    const error = await expectRefused(await send(query), 'QUERY_TOO_COMPLEX', 400);
    expect(error.message).toMatch(/nested too deeply/);
    expect(error.extensions).toMatchObject({ limit: 'depth', max: GATEWAY_LIMIT_DEFAULTS.GATEWAY_MAX_DEPTH });
  });

  it('many directives: refused by the directive limit', async () => {
    const query = `{ child(id: "${child.id}") { id ${'@include(if: true) '.repeat(25)} } }`;
    const error = await expectRefused(await send(query), 'QUERY_TOO_COMPLEX', 400);
    expect(error.extensions).toMatchObject({ limit: 'directives' });
  });

  it('a huge body: 413 PAYLOAD_TOO_LARGE, audited', async () => {
    const query = `{ child(id: "${child.id}") { id } } ${'#'.repeat(GATEWAY_LIMIT_DEFAULTS.GATEWAY_BODY_LIMIT_BYTES)}`;
    const error = await expectRefused(await send(query), 'PAYLOAD_TOO_LARGE', 413);
    expect(error.message).toMatch(/too large/);
  });

  it('introspection is off: __schema and __type are refused, __typename still answers', async () => {
    for (const query of [
      '{ __schema { types { name } } }',
      '{ __type(name: "Child") { fields { name } } }',
    ]) {
      const error = await expectRefused(await send(query), 'INTROSPECTION_DISABLED', 400);
      expect(error.message).toMatch(/introspection .* is disabled/i);
    }
    const typename = await send('{ __typename }');
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('a misspelt field: refused without a "did you mean" hint naming the real field', async () => {
    const result = await send(`{ child(id: "${child.id}") { givenNam } }`);
    expect(result.statusCode).toBe(400);
    const [error] = result.body.errors ?? [];
    expect(error?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error?.message).toMatch(/Cannot query field "givenNam" on type "Child"/);
    expect(error?.message).not.toMatch(/did you mean|givenName/i);
    const argument = await send(`{ child(idd: "${child.id}") { id } }`);
    expect(JSON.stringify(argument.body.errors)).not.toMatch(/did you mean/i);
  });

  it('rate limit: per principal; one caller over the limit does not slow down another', async () => {
    const greedy = caller('rate-test-greedy');
    const other = caller('rate-test-other');
    for (let i = 0; i < RATE_LIMIT; i++) {
      const ok = await send('{ __typename }', greedy);
      expect(ok.statusCode, `request ${i + 1}`).toBe(200);
    }
    const refused = await send('{ __typename }', greedy);
    const error = await expectRefused(refused, 'RATE_LIMITED', 429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(error.message).toMatch(/Too many requests: at most 40/);
    expect((await eventOf(refused.requestId)).actor.sub).toBe('rate-test-greedy');
    // Another principal from the same IP is unaffected.
    expect((await send('{ __typename }', other)).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('time budget: a request waiting on a slow subgraph ends with TIMEOUT, and the subgraph call is aborted', async () => {
    proxy.hold = true;
    try {
      // Over a real socket: the budget must hold on a kept-alive HTTP connection, not only in inject.
      const requestId = `limits-test-${++sent}`;
      const response = await fetch(`${await baseUrl()}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': requestId,
          authorization: `Bearer ${await hub.token(la())}`,
        },
        body: JSON.stringify({
          query: 'query ($id: ID!) { child(id: $id) { id education { senStatus } } }',
          variables: { id: child.id },
        }),
      });
      const result = {
        requestId,
        statusCode: response.status,
        headers: {},
        body: (await response.json()) as Awaited<ReturnType<typeof send>>['body'],
      };
      const error = await expectRefused(result, 'TIMEOUT', 504);
      expect(error.message).toMatch(/took too long/);
      expect(proxy.held).toBeGreaterThan(0);
      // The gateway gave up on the subgraph call rather than leaving it to the pool's 30 s timeout.
      await vi.waitFor(() => expect(proxy.abandoned).toBe(proxy.held), { timeout: 10_000, interval: 50 });
    } finally {
      proxy.hold = false;
    }
    // And the gateway is fine afterwards.
    const after = await send('query ($id: ID!) { child(id: $id) { id education { senStatus } } }', la(), {
      id: child.id,
    });
    expect(after.statusCode).toBe(200);
    expect(after.body.data).toMatchObject({ child: { id: child.id } });
    expect(JSON.stringify(after.body.errors ?? [])).not.toMatch(/TIMEOUT|UNAVAILABLE/);
  });

  it('load shedding: over the memory threshold, /graphql gets 503 OVERLOADED (audited) and /health says so', async () => {
    // A second gateway on the same subgraphs whose heap threshold (1 MiB) is always exceeded.
    const strained = buildApp(
      { INTERNAL_CONTEXT_SECRET: hub.secret, LOG_LEVEL: 'silent', GATEWAY_MAX_HEAP_USED_MB: 1 },
      {
        // Never reached: load is shed before authentication.
        verifier: { verify: () => Promise.reject(new Error('not reached')) } as never,
        services: {
          record: hub.subgraphs.record.url,
          education: hub.subgraphs.education.url,
          health: hub.subgraphs.health.url,
          'social-care': hub.subgraphs['social-care'].url,
        },
        audit: hub.audit.url,
        retry: { count: 1, intervalMs: 100 },
      },
    );
    try {
      await strained.ready();
      await vi.waitFor(() => expect(strained.isUnderPressure()).toBe(true), {
        timeout: 10_000,
        interval: 50,
      });
      const requestId = `limits-test-${++sent}`;
      const response = await strained.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, authorization: 'Bearer x' },
        payload: { query: '{ __typename }' },
      });
      expect(response.statusCode).toBe(503);
      expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
      expect(response.json().errors[0].extensions.code).toBe('OVERLOADED');
      expect(await eventOf(requestId)).toMatchObject({ outcome: 'error', errorCodes: ['OVERLOADED'] });
      const health = await strained.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'overloaded', service: 'gateway' });
    } finally {
      await strained.close();
    }
  });

  it('every GraphQL document of the portal is within the default limits', async () => {
    const dir = join(import.meta.dirname, '../../portal/app');
    const sources = readdirSync(dir)
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    const all = sources.join('\n');
    // The record query is assembled from optional parts: check it with every part present.
    const parts = [
      ...all.matchAll(/(?:FIELDS|FIELDS_\w+) =\s*(?:\/\* GraphQL \*\/\s*)?[`']([^`']*)[`']/g),
    ].map((m) => m[1]);
    // Selection sets kept in constants and interpolated (`{ ${PLANS} }`): put their text in.
    const constants = new Map(
      [...all.matchAll(/const (\w+) =\s*(?:\/\* GraphQL \*\/\s*)?(?:'([^']*)'|`([^`$]*)`)/g)].map((m) => [
        m[1]!,
        m[2] ?? m[3] ?? '',
      ]),
    );
    // The advice form is one component for health, educational and social care advice: its
    // documents name the type (`correct${kind.type}`), so check them once for each kind.
    const adviceKinds = [...all.matchAll(/type: '(\w+Advice)',\s*field: '(\w+)'/g)].map((m) => ({
      type: m[1]!,
      field: m[2]!,
    }));
    expect(adviceKinds.map((k) => k.type)).toEqual(['HealthAdvice', 'EducationalAdvice', 'SocialCareAdvice']);
    const documents = [...all.matchAll(/`([^`]*)`/g)]
      .flatMap((m) =>
        m[1]!.includes('${kind.')
          ? adviceKinds.map((k) =>
              m[1]!.replace(/\$\{kind\.(type|field)\}/g, (_, key: 'type' | 'field') => k[key]),
            )
          : [m[1]!],
      )
      .map((text) =>
        text
          .replace('__EHC__', parts.join('\n'))
          .replace(/\$\{(\w+)\}/g, (whole, name: string) => constants.get(name) ?? whole),
      )
      .filter((text) => /^\s*(query|mutation)\b/.test(text));
    expect(documents.length).toBeGreaterThan(10);
    const schema = hub.gateway.graphql.schema;
    for (const text of documents) {
      const document = parse(text, { maxTokens: GATEWAY_LIMIT_DEFAULTS.GATEWAY_MAX_TOKENS });
      expect(checkDocument(schema, document, GATEWAY_LIMIT_DEFAULTS), text.slice(0, 80)).toBeNull();
    }
  });

  it('/health keeps answering while an attacker floods the gateway with heavy requests', async () => {
    const base = await baseUrl();
    const attackers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => hub.token(caller(`attacker-${i}`))),
    );
    const heavy = [
      `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: child(id: "${child.id}") { id givenName }`).join(' ')} }`,
      `{ child(id: "${child.id}") { ${'givenName '.repeat(10_000)} } }`,
      `{ child(id: "${child.id}") { ${'givenName '.repeat(1500)} } }`,
    ];
    const attack = Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const response = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${attackers[i % 4]}` },
          body: JSON.stringify({ query: heavy[i % heavy.length] }),
        });
        return { status: response.status, body: (await response.json()) as { errors?: any[] } };
      }),
    );
    // While the attack is in flight: /health answers, and says ok.
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', service: 'gateway' });
    const results = await attack;
    for (const result of results) {
      expect(result.status).toBe(400);
      expect(result.body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
    }
    const after = await fetch(`${base}/health`);
    expect(after.status).toBe(200);
  });
});
