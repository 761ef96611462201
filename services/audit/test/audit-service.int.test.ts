import { randomBytes } from 'node:crypto';
import { verifyAuditChain } from '@hub/audit';
import { anAuditEventInput, TEST_CHILD_A } from '@hub/audit/testing';
import {
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  signInternalContext,
  signServiceToken,
} from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { aPrincipal } from '@hub/policy/testing';
import { createTestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../src/app.ts';

describe('audit service', async () => {
  const testDb = await createTestDatabase();
  const secret = randomBytes(32).toString('hex');
  let db: DbHandle;
  let app: FastifyInstance;
  beforeAll(async () => {
    db = await testDb.open();
    await service.prepareDatabase(db);
    app = service.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' }, { db });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await testDb.destroy();
  });

  const write = (body: unknown, headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/internal/audit-events',
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  const contextFor = (role: Parameters<typeof aPrincipal>[0]['role']) =>
    signInternalContext(secret, { principal: aPrincipal({ role }), requestId: 'r', purpose: null });

  it(`appends an event sent with the gateway's service token and returns it with seq and hash (${testDb.kind})`, async () => {
    const response = await write(anAuditEventInput({ requestId: 'svc-1' }), {
      [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'svc-1'),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().event).toMatchObject({
      seq: 1,
      requestId: 'svc-1',
      childIds: [TEST_CHILD_A],
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('refuses writers without a valid service token, including a user context or another secret', async () => {
    const event = anAuditEventInput();
    const attempts: Record<string, string>[] = [
      {},
      { [SERVICE_TOKEN_HEADER]: await signServiceToken('x'.repeat(40), 'audit-writer', 'r') },
      { [SERVICE_TOKEN_HEADER]: await contextFor('auditor') },
      { [INTERNAL_CONTEXT_HEADER]: await contextFor('auditor') },
    ];
    for (const headers of attempts) {
      const response = await write(event, headers);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect((await verifyAuditChain(db)).checked).toBe(1);
  });

  it('refuses an invalid event with every problem listed', async () => {
    const response = await write(
      { ...anAuditEventInput(), outcome: 'fine', children: [{ childId: 'x' }] },
      {
        [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'r'),
      },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().error.problems).toEqual([
      expect.stringMatching(/^outcome/),
      expect.stringMatching(/^children\.0\.childId/),
    ]);
  });

  it('serves auditEvents to auditors only', async () => {
    const query = (token: string) =>
      app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: token },
        payload: {
          query:
            '{ auditEvents(first: 5) { edges { node { seq requestId outcome operationType actor { organisation } } } } }',
        },
      });
    const ok = (await query(await contextFor('auditor'))).json();
    expect(ok.data.auditEvents.edges).toEqual([
      {
        node: {
          seq: '1',
          requestId: 'svc-1',
          outcome: 'OK',
          operationType: 'QUERY',
          actor: { organisation: 'school-1' },
        },
      },
    ]);
    const refused = (await query(await contextFor('senco'))).json();
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN');
  });

  it('exports to auditors only, as NDJSON or FHIR NDJSON', async () => {
    const get = async (url: string, role?: 'auditor' | 'social_worker') =>
      app.inject({
        method: 'GET',
        url,
        headers: role ? { [INTERNAL_CONTEXT_HEADER]: await contextFor(role) } : {},
      });
    expect((await get('/audit/export')).statusCode).toBe(401);
    expect((await get('/audit/export', 'social_worker')).statusCode).toBe(403);
    const fhir = await get('/audit/export?format=fhir', 'auditor');
    expect(fhir.headers['content-type']).toMatch(/application\/fhir\+ndjson/);
    expect(JSON.parse(fhir.body.trim())).toMatchObject({
      resourceType: 'AuditEvent',
      subtype: [{ code: 'query' }],
    });
    const filtered = await get(`/audit/export?childId=${TEST_CHILD_A}&outcome=denied`, 'auditor');
    expect(filtered.statusCode).toBe(200);
    expect(filtered.body).toBe('');
  });
});
