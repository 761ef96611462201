import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCheckpoints,
  loadCheckpointPublicKey,
  loadOrCreateCheckpointKeyPair,
  parseCheckpointLog,
  verifyAuditChain,
} from '@hub/audit';
import { createAuditService } from '@hub/audit-service';
import { createUserTokenVerifier, DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { service as education, seedEducation } from '@hub/education';
import { service as health, seedHealth } from '@hub/health';
import { ageOn } from '@hub/policy';
import { service as record, seedRecord } from '@hub/record';
import { seedSocialCare, service as socialCare } from '@hub/social-care';
import {
  buildSyntheticDataset,
  type DemoUser,
  type SyntheticDataset,
  TEST_REFERENCE_DATE,
} from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, PURPOSE_HEADER } from '../src/index.ts';
import { decisionMaker, demoUser, GRANT_CONSENT } from './hub.ts';

/**
 * Horizontal scale (issue 14): TWO instances of every subgraph and of the audit service, each
 * behind a small round-robin HTTP proxy (a stand-in for a load balancer), the gateway in front.
 * Every instance has its own connection pool and its own in-memory state; PostgreSQL is the only
 * thing they share. A mixed workload of consent grants/withdrawals and record reads must give the
 * same answers as one instance would: a withdrawal is effective on the very next request even
 * when that request lands on the other record instance, and the audit log is one unbroken chain
 * holding every request's events exactly once, whichever audit instance wrote them.
 */

/** A round-robin reverse proxy over `targets` (base URLs), counting what each target served. */
async function roundRobin(targets: string[]): Promise<{ url: string; served: number[]; server: Server }> {
  let next = 0;
  const served = targets.map(() => 0);
  const server = createServer((incoming, outgoing) => {
    const i = next++ % targets.length;
    served[i] = (served[i] ?? 0) + 1;
    const target = new URL(targets[i] as string);
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });
  // No keep-alive reuse across requests to one upstream: each request is routed on its own.
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, served, server };
}

const listen = async (app: FastifyInstance) => {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
};

describe('horizontal scale: two instances of every service behind round-robin proxies', () => {
  let database: TestDatabase;
  let owner: DbHandle;
  let dataset: SyntheticDataset;
  let gateway: FastifyInstance;
  let issuer: Awaited<ReturnType<typeof loadOrCreateDevIssuer>>;
  const apps: FastifyInstance[] = [];
  const handles: DbHandle[] = [];
  const proxies: Record<string, Awaited<ReturnType<typeof roundRobin>>> = {};
  const requestIds: Array<{ id: string; mutation: boolean }> = [];
  let counter = 0;
  // Both audit instances publish signed checkpoints of the heads THEY commit into one shared
  // append-only file (each write is one O_APPEND line), as two replicas on a shared volume would.
  const checkpointDir = mkdtempSync(join(tmpdir(), 'hub-checkpoints-'));
  const checkpointKeys = loadOrCreateCheckpointKeyPair(checkpointDir);
  const checkpointFile = join(checkpointDir, 'checkpoints.ndjson');

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.open({ maxConnections: 3 });
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 30, councils: 2 });
    const secret = randomBytes(32).toString('hex');
    const config = { INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' as const };
    const start = async (
      service: typeof record,
      seed: ((db: DbHandle, d: SyntheticDataset) => Promise<unknown>) | null,
      recordBaseUrl: string | undefined,
    ) => {
      await service.prepareDatabase(owner);
      if (seed) await seed(owner, dataset);
      const urls: string[] = [];
      for (let i = 0; i < 2; i++) {
        const db = await database.open({ role: service.dbRole, maxConnections: 4 });
        handles.push(db);
        const app = service.buildApp({ ...config, RECORD_BASE_URL: recordBaseUrl }, { db });
        apps.push(app);
        urls.push(await listen(app));
      }
      return roundRobin(urls);
    };
    proxies.record = await start(record, seedRecord, undefined);
    // The adapters and the audit service ask the record through ITS proxy, so their facts
    // come from either record instance.
    const recordBase = proxies.record.url;
    proxies.education = await start(education as typeof record, seedEducation, recordBase);
    proxies.health = await start(health as typeof record, seedHealth, recordBase);
    proxies['social-care'] = await start(socialCare as typeof record, seedSocialCare, recordBase);
    const auditService = createAuditService({
      checkpoints: { keyFile: checkpointKeys.privateKeyFile, file: checkpointFile, everyEvents: 5 },
    });
    proxies.audit = await start(auditService as unknown as typeof record, null, recordBase);

    issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'hub-idp-')));
    gateway = buildApp(
      { ...config, GATEWAY_MAX_EVENT_LOOP_DELAY_MS: 600_000 },
      {
        verifier: createUserTokenVerifier({
          issuer: DEV_ISSUER,
          audience: DEV_AUDIENCE,
          jwksFile: issuer.jwksFile,
        }),
        services: {
          record: `${proxies.record.url}/graphql`,
          education: `${proxies.education?.url}/graphql`,
          health: `${proxies.health?.url}/graphql`,
          'social-care': `${proxies['social-care']?.url}/graphql`,
        },
        audit: proxies.audit.url,
        // As in test/hub.ts: with ten services and five proxies in one process on a loaded
        // machine, an audit batch can take longer than the production 5 s and fail closed with
        // 503 (seen three times at load 25). Fail-closed itself is tested elsewhere.
        auditTimeoutMs: 120_000,
        retry: { count: 1, intervalMs: 100 },
      },
    );
    await gateway.ready();
  });

  afterAll(async () => {
    await gateway?.close();
    for (const app of apps) await app.close();
    for (const proxy of Object.values(proxies)) await new Promise((r) => proxy.server.close(r));
    for (const db of handles) await db.close();
    await owner?.close();
    await database?.destroy();
  });

  async function query<T = Record<string, any>>(
    text: string,
    as: DemoUser,
    variables: Record<string, unknown> = {},
    purpose?: string,
  ): Promise<{ data: T | null; errors?: Array<{ extensions?: Record<string, unknown> }> }> {
    const id = `multi-${++counter}`;
    requestIds.push({ id, mutation: text.trimStart().startsWith('mutation') });
    const token = await issuer.sign({ sub: as.sub, role: as.role, orgId: as.orgId, orgType: as.orgType });
    const response = await gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-request-id': id,
        ...(purpose ? { [PURPOSE_HEADER]: purpose } : {}),
      },
      payload: { query: text, variables },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    return { data: body.data ?? null, ...(body.errors ? { errors: body.errors } : {}) };
  }

  // Every section, so each read reaches the education, health and social care instances too (the
  // sections without consent come back null with FORBIDDEN_FIELD; only health is asserted).
  const RECORD = `query ($id: ID!) {
    child(id: $id) { id health { diagnoses { description } } education { senStatus } socialCare { status } }
  }`;

  it('a withdrawal is effective on the very next request, whichever instance answers', async () => {
    const now = new Date();
    const children = dataset.children
      .filter((c) => c.health && c.health.diagnoses.length > 0 && ageOn(c.dateOfBirth, now) < 15)
      .slice(0, 4);
    expect(children.length).toBeGreaterThan(1);
    for (const child of children) {
      const officer = demoUser(dataset, child.councilId === 'la-1' ? 'demo-la-1' : 'demo-la-2');
      for (let round = 0; round < 3; round++) {
        const granted = await query<{ grantConsent: { id: string } }>(
          GRANT_CONSENT,
          decisionMaker(dataset, child),
          {
            input: {
              childId: child.id,
              domain: 'health',
              recipientOrgType: 'local_authority',
              purpose: 'annual_review',
            },
          },
        );
        expect(granted.errors, JSON.stringify(granted.errors)).toBeUndefined();
        // Several reads in a row: round robin puts them on both record and health instances.
        for (let read = 0; read < 3; read++) {
          const open = await query(RECORD, officer, { id: child.id }, 'annual_review');
          expect(open.data?.child.health?.diagnoses, JSON.stringify(open.errors)).toHaveLength(
            child.health?.diagnoses.length ?? 0,
          );
        }
        const withdrawn = await query<{ withdrawConsent: { status: string } }>(
          'mutation ($id: ID!) { withdrawConsent(id: $id) { status } }',
          decisionMaker(dataset, child),
          { id: granted.data?.grantConsent.id },
        );
        expect(withdrawn.data?.withdrawConsent.status).toBe('withdrawn');
        for (let read = 0; read < 3; read++) {
          const closed = await query(RECORD, officer, { id: child.id }, 'annual_review');
          expect(closed.data?.child.id).toBe(child.id);
          expect(closed.data?.child.health).toBeNull();
        }
      }
    }
    // Concurrent reads across instances too (the audit instances append at the same time).
    const officer = demoUser(dataset, 'demo-la-1');
    const mine = dataset.children.filter((c) => c.councilId === 'la-1').slice(0, 10);
    const results = await Promise.all(mine.map((c) => query(RECORD, officer, { id: c.id }, 'annual_review')));
    for (const [i, r] of results.entries())
      expect(r.data?.child.id, JSON.stringify(r.errors)).toBe(mine[i]?.id);
  });

  it('every instance served requests', () => {
    for (const [name, proxy] of Object.entries(proxies)) {
      for (const n of proxy.served) expect(n, `${name}: ${proxy.served.join('/')}`).toBeGreaterThan(0);
    }
  });

  it('one unbroken audit chain with every request’s events exactly once', async () => {
    const verified = await verifyAuditChain(owner);
    expect(verified.ok).toBe(true);
    const rows = await owner.query<{ request_id: string; n: number; outcomes: string[] }>(
      `select request_id, count(*)::int as n, array_agg(outcome order by seq) as outcomes
         from audit.event where request_id like 'multi-%' group by request_id`,
    );
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    expect(byId.size).toBe(requestIds.length);
    for (const { id, mutation } of requestIds) {
      const row = byId.get(id);
      // A query: one event. A mutation: its write-ahead attempt, then its outcome.
      expect(row?.n, id).toBe(mutation ? 2 : 1);
      if (mutation) expect(row?.outcomes[0]).toBe('attempted');
    }
    const [{ total } = { total: 0 }] = await owner.query<{ total: number }>(
      'select count(*)::int as total from audit.event',
    );
    expect(verified.checked).toBe(total);
  });

  it('the checkpoints both audit instances published verify against the one chain', async () => {
    // Closing the audit instances publishes each one's final head.
    for (const app of apps.splice(-2)) await app.close();
    const lines = parseCheckpointLog(readFileSync(checkpointFile, 'utf8'), 'checkpoints.ndjson');
    const checked = checkCheckpoints(lines, [loadCheckpointPublicKey(checkpointKeys.publicKeyFile)]);
    expect(checked.rejected).toEqual([]);
    expect(checked.trusted.length).toBeGreaterThan(1);
    const verified = await verifyAuditChain(owner, { checkpoints: checked.trusted });
    expect(verified.ok).toBe(true);
    expect(verified.checkpoints?.matched).toBe(checked.trusted.length);
  });
});
