import { randomUUID } from 'node:crypto';
import {
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  signInternalContext,
  signServiceToken,
} from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { syntheticNhsNumber } from '@hub/identifiers';
import { aPrincipal } from '@hub/policy/testing';
import {
  buildSyntheticDataset,
  type SyntheticChild,
  type SyntheticDataset,
  TEST_REFERENCE_DATE,
} from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, service } from '../src/index.ts';

/**
 * The adapters' identity routes through the real record service (service-token auth, real
 * PostgreSQL, the service's own least-privilege role). The DbHandle the service gets is the real
 * one, wrapped only to count the statements it sends (the "few statements per batch" promise).
 */
function counting(inner: DbHandle): { handle: DbHandle; statements: () => number } {
  let n = 0;
  const wrap = (x: Pick<DbHandle, 'exec' | 'query'>): Pick<DbHandle, 'exec' | 'query'> => ({
    exec: (sql) => {
      n++;
      return x.exec(sql);
    },
    query: (sql, params) => {
      n++;
      return x.query(sql, params);
    },
  });
  return {
    handle: { ...inner, ...wrap(inner), transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))) },
    statements: () => n,
  };
}

type Result = { system: string; sourceId: string; status: string; childId?: string; reason?: string };

describe('POST /internal/identity/resolve and /links', () => {
  let database: TestDatabase;
  let owner: DbHandle;
  let app: FastifyInstance;
  let dataset: SyntheticDataset;
  let counter: ReturnType<typeof counting>;
  const secret = 'identity-resolve-test-secret-0123456789abcdef';

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.open({ maxConnections: 3 });
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 300 });
    await service.prepareDatabase(owner);
    await seedRecord(owner, dataset);
    counter = counting(await database.open({ role: service.dbRole }));
    app = service.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' }, { db: counter.handle });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
  });

  const child = (i: number) => dataset.children[i] as SyntheticChild;
  const record = (
    c: SyntheticChild,
    change: Record<string, unknown> = {},
    ids: Record<string, unknown> = {},
  ) => ({
    system: 'fhir:trust-1',
    sourceId: `patient-${c.id}`,
    identifiers: ids,
    demographics: { givenName: c.givenName, familyName: c.familyName, dateOfBirth: c.dateOfBirth, ...change },
  });
  async function post(url: string, payload: unknown, token?: string | null) {
    const header =
      token === null
        ? {}
        : {
            [SERVICE_TOKEN_HEADER]:
              token ?? (await signServiceToken(secret, 'identity-resolve', `req-${randomUUID()}`)),
          };
    return app.inject({ method: 'POST', url, headers: header, payload: payload as object });
  }
  async function resolve(records: unknown[], orgId = 'trust-1', requestId?: string): Promise<Result[]> {
    const token = requestId ? await signServiceToken(secret, 'identity-resolve', requestId) : undefined;
    const response = await post('/internal/identity/resolve', { orgId, records }, token);
    expect(response.statusCode, response.body).toBe(200);
    return response.json().results;
  }
  const events = async () =>
    Number((await owner.query<{ n: string }>('select count(*) as n from record.identity_link_event'))[0]?.n);

  it('refuses callers without an identity-resolve service token (401), whatever else they hold', async () => {
    const body = { orgId: 'trust-1', records: [] };
    expect((await post('/internal/identity/resolve', body, null)).statusCode).toBe(401);
    const auditToken = await signServiceToken(secret, 'audit-writer', 'r');
    expect((await post('/internal/identity/resolve', body, auditToken)).statusCode).toBe(401);
    const context = await signInternalContext(secret, {
      principal: aPrincipal({ role: 'la_send_officer' }),
      requestId: 'r',
      purpose: null,
    });
    const withContext = await app.inject({
      method: 'POST',
      url: '/internal/identity/links',
      headers: { [INTERNAL_CONTEXT_HEADER]: context },
      payload: { system: 'fhir:trust-1', sourceIds: [] },
    });
    expect(withContext.statusCode).toBe(401);
    expect(withContext.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unusable request as a whole (400, every problem listed), at most 2000 records', async () => {
    const bad = await post('/internal/identity/resolve', { records: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.problems).toEqual([expect.stringMatching(/orgId/), 'records must be an array']);
    const tooMany = await post('/internal/identity/resolve', {
      orgId: 'trust-1',
      records: Array.from({ length: 2001 }, () => ({})),
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.message).toMatch(/at most 2000/);
  });

  it('a verified NHS number agreeing with the date of birth links; bad records are rejected one by one and never block the good', async () => {
    const [a, b] = [child(0), child(1)];
    const badNhs = `${a.nhsNumber.slice(0, 9)}${(Number(a.nhsNumber[9]) + 1) % 10}`;
    const results = await resolve([
      record(a, { givenName: `${a.givenName}ie` }, { nhsNumber: a.nhsNumber, nhsNumberVerified: true }),
      { ...record(b, { dateOfBirth: '2999-01-01' }, { nhsNumber: badNhs }), sourceId: 'bad-1' },
      { ...record(b), system: 'ctf:school-1' },
      record(a, {}, { nhsNumber: a.nhsNumber, nhsNumberVerified: true }),
      record(b, {}, { upn: b.upn }),
    ]);
    expect(results[0]).toMatchObject({
      status: 'linked',
      childId: a.id,
      reason: 'Verified NHS number and date of birth agree.',
    });
    expect(results[1]).toMatchObject({ status: 'rejected', sourceId: 'bad-1' });
    expect(results[1]?.reason).toMatch(/nhsNumber is not a valid NHS number.*dateOfBirth is in the future/);
    expect(results[2]?.reason).toMatch(/names organisation school-1, but the request comes from trust-1/);
    expect(results[3]?.reason).toMatch(/repeats \(system, sourceId\)/);
    // A permanent UPN agreeing with the date of birth links too.
    expect(results[4]).toMatchObject({ status: 'linked', childId: b.id });
  });

  it('an unverified NHS number never links: it goes to review', async () => {
    const c = child(2);
    const [result] = await resolve([record(c, {}, { nhsNumber: c.nhsNumber, nhsNumberVerified: false })]);
    expect(result).toMatchObject({ status: 'review' });
    expect(result?.childId).toBeUndefined();
  });

  it('the same NHS number with another date of birth is a conflict, never linked', async () => {
    const c = child(3);
    const other = c.dateOfBirth.endsWith('-01')
      ? `${c.dateOfBirth.slice(0, 8)}02`
      : `${c.dateOfBirth.slice(0, 8)}01`;
    const [result] = await resolve([
      record(c, { dateOfBirth: other }, { nhsNumber: c.nhsNumber, nhsNumberVerified: true }),
    ]);
    expect(result).toMatchObject({
      status: 'conflict',
      reason: expect.stringMatching(/different date of birth/),
    });
    expect(result?.childId).toBeUndefined();
  });

  it('a near-duplicate without identifiers waits in review and /links reports no child for it', async () => {
    const c = dataset.children.find(
      (x, i) => i >= 8 && x.familyName.length >= 5 && x.familyName.at(-1) !== x.familyName.at(-2),
    )!;
    const typo = `${c.familyName.slice(0, -2)}${c.familyName.at(-1)}${c.familyName.at(-2)}`;
    const [result] = await resolve([{ ...record(c, { familyName: typo }), sourceId: 'near-dup' }]);
    expect(result).toMatchObject({ status: 'review', reason: expect.stringMatching(/matches in part/) });
    const links = await post('/internal/identity/links', {
      system: 'fhir:trust-1',
      sourceIds: ['near-dup', 'never-sent', `patient-${child(0).id}`],
    });
    expect(links.json().links).toEqual([
      { sourceId: 'near-dup', status: 'review', childId: null },
      { sourceId: 'never-sent', status: 'unknown', childId: null },
      { sourceId: `patient-${child(0).id}`, status: 'linked', childId: child(0).id },
    ]);
  });

  it('resolving the same records again is idempotent: same answers, nothing written', async () => {
    const batch = [0, 5, 6].map((i) =>
      record(child(i), {}, { nhsNumber: child(i).nhsNumber, nhsNumberVerified: true }),
    );
    const first = await resolve(batch);
    const before = await events();
    const again = await resolve(batch);
    expect(again).toEqual(first);
    expect(await events()).toBe(before);
  });

  it('keeps each link event with the ingest request id and the sending organisation', async () => {
    const c = child(7);
    await resolve(
      [record(c, {}, { nhsNumber: c.nhsNumber, nhsNumberVerified: true })],
      'trust-1',
      'ingest-req-77',
    );
    const [event] = await owner.query<Record<string, string>>(
      `select e.event, e.child_id, e.request_id, e.actor_org, e.actor_role from record.identity_link_event e
         join record.identity_source s on s.id = e.source_row_id where s.source_id = $1`,
      [`patient-${c.id}`],
    );
    expect(event).toEqual({
      event: 'auto_linked',
      child_id: c.id,
      request_id: 'ingest-req-77',
      actor_org: 'trust-1',
      actor_role: 'system',
    });
    await expect(owner.exec(`update record.identity_link_event set reason = 'x'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(owner.exec('delete from record.identity_link_event')).rejects.toThrow(/append-only/);
  });

  it('a linked record sent again: new demographics keep the link; an identifier of another child turns it into a conflict', async () => {
    const [c, other] = [child(8), child(9)];
    const sourceId = `patient-${c.id}`;
    const verified = { nhsNumber: c.nhsNumber, nhsNumberVerified: true };
    expect((await resolve([record(c, {}, verified)]))[0]).toMatchObject({ status: 'linked', childId: c.id });
    // A new surname (say, after adoption) and postcode: the link stands.
    const renamed = await resolve([record(c, { familyName: 'Different', postcode: 'M1 1AE' }, verified)]);
    expect(renamed[0]).toMatchObject({ status: 'linked', childId: c.id });
    // Now the source names another child by verified NHS number: never silently moved, flagged.
    const moved = await resolve([
      { ...record(other, {}, { nhsNumber: other.nhsNumber, nhsNumberVerified: true }), sourceId },
    ]);
    expect(moved[0]).toMatchObject({ status: 'conflict', reason: expect.stringMatching(/another child/) });
    expect(moved[0]?.childId).toBeUndefined();
    const links = await post('/internal/identity/links', { system: 'fhir:trust-1', sourceIds: [sourceId] });
    expect(links.json().links).toEqual([{ sourceId, status: 'conflict', childId: null }]);
  });

  it('two ingests resolving the same new records at once end with one row per source and agree', async () => {
    const batch = [10, 11, 12].map((i) => ({
      ...record(child(i), {}, { nhsNumber: child(i).nhsNumber, nhsNumberVerified: true }),
      sourceId: `race-${i}`,
    }));
    const [first, second] = await Promise.all([resolve(batch), resolve(batch)]);
    expect(second).toEqual(first);
    expect(first.map((r) => r.childId)).toEqual([10, 11, 12].map((i) => child(i).id));
    const [rows] = await owner.query<{ n: string }>(
      `select count(*) as n from record.identity_source where source_id like 'race-%'`,
    );
    expect(Number(rows?.n)).toBe(3);
  });

  it('a 2000-record batch takes a fixed handful of statements, not one per record', async () => {
    const records = Array.from({ length: 2000 }, (_, i) => {
      const c = child(i % dataset.children.length);
      return i < dataset.children.length
        ? {
            ...record(c, {}, { nhsNumber: c.nhsNumber, nhsNumberVerified: true }),
            system: 'ctf:school-9',
            sourceId: `pupil-${i}`,
          }
        : {
            system: 'ctf:school-9',
            sourceId: `pupil-${i}`,
            identifiers: { nhsNumber: syntheticNhsNumber(800_000 + i), nhsNumberVerified: true },
            demographics: {
              givenName: `Given${i}`,
              familyName: `Family${i}`,
              dateOfBirth: c.dateOfBirth,
              sex: 'female',
              postcode: 'SW1A 1AA',
            },
          };
    });
    const before = counter.statements();
    const response = await post('/internal/identity/resolve', { orgId: 'school-9', records });
    expect(response.statusCode).toBe(200);
    const results: Result[] = response.json().results;
    const statements = counter.statements() - before;
    expect(results).toHaveLength(2000);
    expect(results.filter((r) => r.status === 'linked')).toHaveLength(dataset.children.length);
    expect(results.filter((r) => r.status === 'review')).toHaveLength(2000 - dataset.children.length);
    // lock, existing rows, candidates, source upsert, events.
    expect(statements).toBeLessThanOrEqual(6);
    const again = counter.statements();
    await post('/internal/identity/resolve', { orgId: 'school-9', records });
    expect(counter.statements() - again).toBeLessThanOrEqual(6);
  });
});
