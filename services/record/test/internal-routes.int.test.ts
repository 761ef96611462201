import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { aPrincipal } from '@hub/policy/testing';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, service } from '../src/index.ts';
import { registerInternalRoutes } from '../src/internal-routes.ts';

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
      expect(response.json(), route.url).toMatchObject({ code: 'UNAUTHENTICATED' });
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
});
