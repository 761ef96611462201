import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { aPrincipal } from '@hub/policy/testing';
import { callRecord, HubError } from '@hub/service-kit';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, service } from '../src/index.ts';
import { registerInternalRoutes } from '../src/internal-routes.ts';
import { loadAccessFacts } from '../src/repository.ts';

const ROUTES = [
  { url: '/internal/access-facts', body: (childId: string) => ({ childIds: [childId] }) },
  { url: '/internal/ehc-assessments', body: (childId: string) => ({ childIds: [childId] }) },
  {
    url: '/internal/ehc-advice-received',
    body: () => ({ assessmentId: '00000000-0000-4000-8000-000000000000' }),
  },
] as const;

/**
 * Defence in depth: the record's internal handlers refuse a caller the guard did not verify,
 * even when the guard is gone. Here they are mounted on a bare Fastify app with no
 * internal-context plugin at all, and sent a perfectly valid signed context: a handler that
 * trusted the header, or assumed a hook had run, would answer.
 */
describe('record internal routes refuse without a verified context, even without the guard', () => {
  let database: TestDatabase;
  let db: DbHandle;
  let dataset: SyntheticDataset;
  let bare: FastifyInstance;
  let real: FastifyInstance;
  const secret = 'internal-routes-test-secret-0123456789abcdef';

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 6 });
    await service.prepareDatabase(db);
    await seedRecord(db, dataset);
    bare = Fastify({ logger: false });
    registerInternalRoutes(bare, db);
    await bare.ready();
    real = service.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' }, { db });
    await real.ready();
  });
  afterAll(async () => {
    await bare?.close();
    await real?.close();
    await database?.destroy();
  });

  const contextFor = () =>
    signInternalContext(secret, { principal: aPrincipal({ role: 'senco' }), requestId: 'r', purpose: null });

  it(`each handler answers 401 UNAUTHENTICATED when no guard verified the caller (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, async () => {
    const child = dataset.children[0]!;
    for (const route of ROUTES) {
      const response = await bare.inject({
        method: 'POST',
        url: route.url,
        headers: { [INTERNAL_CONTEXT_HEADER]: await contextFor() },
        payload: route.body(child.id),
      });
      expect(response.statusCode, route.url).toBe(401);
      expect(response.json(), route.url).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(response.body).not.toContain(child.dateOfBirth);
    }
  });

  it('with the service as built (guard in place), the same context is served', async () => {
    const child = dataset.children[0]!;
    const response = await real.inject({
      method: 'POST',
      url: '/internal/access-facts',
      headers: { [INTERNAL_CONTEXT_HEADER]: await contextFor() },
      payload: { childIds: [child.id] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().facts[0]).toMatchObject({ childId: child.id, dateOfBirth: child.dateOfBirth });
    const refused = await real.inject({
      method: 'POST',
      url: '/internal/access-facts',
      payload: { childIds: [child.id] },
    });
    expect(refused.statusCode).toBe(401);
  });

  const post = async (url: string, payload: unknown, principal = aPrincipal({ role: 'senco' })) =>
    real.inject({
      method: 'POST',
      url,
      headers: {
        [INTERNAL_CONTEXT_HEADER]: await signInternalContext(secret, {
          principal,
          requestId: 'r',
          purpose: null,
        }),
      },
      payload: payload as Record<string, unknown>,
    });

  it('answers the facts exactly as the record read them: the serializer drops no field', async () => {
    const ids = dataset.children.map((c) => c.id);
    // Every kind of fact present at least once: a consent (later withdrawn) and a break-glass entry.
    await db.query(
      `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub,
         granted_by_role, starts_at, withdrawn_at)
       values (gen_random_uuid(), $1, 'health', 'school', 'ehc_assessment', 'parent-1', 'parent_carer',
         now() - interval '2 days', now() - interval '1 day')`,
      [ids[0]],
    );
    await db.query(
      `insert into record.break_glass (id, child_id, sub, role, org_id, reason, starts_at, expires_at)
       values (gen_random_uuid(), $1, 'sw-1', 'social_worker', 'sc-1',
         'Safeguarding concern reported out of hours', now(), now() + interval '1 hour')`,
      [ids[0]],
    );
    const response = await post('/internal/access-facts', { childIds: ids });
    expect(response.statusCode).toBe(200);
    const read = await loadAccessFacts(db, ids);
    expect(response.json().facts).toEqual([...read.values()]);
    const first = read.get(ids[0]!)!;
    expect(first.consents[0]!.withdrawnAt).not.toBeNull();
    expect(first.breakGlass).toHaveLength(1);
    expect(first.relationships.length).toBeGreaterThan(0);
  });

  it('refuses a body its schema refuses with 400 INVALID_INPUT and a clear message', async () => {
    for (const [url, payload, start] of [
      ['/internal/access-facts', { childIds: ['nope'] }, 'childIds must be an array of at most 500 UUIDs'],
      ['/internal/access-facts', {}, 'childIds must be an array of at most 500 UUIDs'],
      ['/internal/ehc-advice-context', { childId: 7 }, 'childId must be a UUID'],
      ['/internal/ehc-advice-received', { assessmentId: 'nope' }, 'assessmentId must be a UUID'],
    ] as const) {
      const response = await post(url, payload);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code, url).toBe('INVALID_INPUT');
      expect(response.json().error.message, url).toMatch(new RegExp(`^${start}`));
    }
  });

  it('one advice question in one round trip: the facts and the assessment in progress', async () => {
    const [row] = await db.query<{ id: string; child_id: string }>(
      `select id::text, child_id::text from record.ehc_assessment
        where final_plan_issued_date is null and decision is distinct from 'not_assess' limit 1`,
    );
    const child = row?.child_id ?? dataset.children[0]!.id;
    const response = await post('/internal/ehc-advice-context', { childId: child });
    expect(response.statusCode).toBe(200);
    expect(response.json().facts).toEqual((await loadAccessFacts(db, [child])).get(child));
    if (row) expect(response.json().active).toMatchObject({ childId: child, assessmentId: row.id });
    const unknown = await post('/internal/ehc-advice-context', { childId: crypto.randomUUID() });
    expect(unknown.json()).toEqual({});
  });

  it('over real HTTP, the typed client hears the record’s 403, 404 and 400 as they are', async () => {
    await real.listen({ host: '127.0.0.1', port: 0 });
    const address = real.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const [assessment] = await db.query<{ id: string }>('select id::text from record.ehc_assessment limit 1');
    expect(assessment, 'the data set has an EHC needs assessment').toBeDefined();
    const call = async (assessmentId: string, role: 'senco' | 'la_send_officer') =>
      callRecord(
        base,
        'adviceReceived',
        { assessmentId },
        {
          context: await signInternalContext(secret, {
            principal: aPrincipal({ role }),
            requestId: 'r',
            purpose: null,
          }),
          unavailable: 'record unavailable',
        },
      ).catch((error: unknown) => error);
    // A SENCO may not write health advice (the default domain): the record's reason comes back.
    const forbidden = await call(assessment!.id, 'senco');
    expect(forbidden).toBeInstanceOf(HubError);
    expect(forbidden).toMatchObject({ code: 'FORBIDDEN' });
    expect((forbidden as HubError).message).not.toMatch(/unavailable|try again/i);
    const id = crypto.randomUUID();
    expect(await call(id, 'senco')).toMatchObject({
      code: 'NOT_FOUND',
      message: `No EHC needs assessment has id ${id}.`,
    });
    expect(await call('nope', 'la_send_officer')).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^assessmentId must be a UUID/),
    });
  });
});
