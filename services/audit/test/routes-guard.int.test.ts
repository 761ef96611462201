import { randomBytes } from 'node:crypto';
import { anAuditEventInput } from '@hub/audit/testing';
import {
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  signInternalContext,
  signServiceToken,
} from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { aPrincipal } from '@hub/policy/testing';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../src/app.ts';
import { registerAuditRoutes } from '../src/routes.ts';

/**
 * Defence in depth for the audit service's own routes: mounted on a bare Fastify app with no
 * internal-context guard, the export still verifies the caller's context and role, and the
 * append endpoint still verifies the gateway's service token. Nothing is exported or written.
 */
describe('audit routes check their caller themselves, even without the guard', () => {
  let database: TestDatabase;
  let db: DbHandle;
  let bare: FastifyInstance;
  const secret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    await service.prepareDatabase(db);
    bare = Fastify({ logger: false });
    registerAuditRoutes(bare, { db, secret });
    await bare.ready();
  });
  afterAll(async () => {
    await bare?.close();
    await database?.destroy();
  });

  const context = (role: Parameters<typeof aPrincipal>[0]['role'], key = secret) =>
    signInternalContext(key, { principal: aPrincipal({ role }), requestId: 'r', purpose: null });

  it(`GET /audit/export: no context, a forged context or a non-auditor is refused (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, async () => {
    const attempts: Array<[Record<string, string>, number]> = [
      [{}, 401],
      [{ [INTERNAL_CONTEXT_HEADER]: await context('auditor', 'x'.repeat(40)) }, 401],
      [{ [INTERNAL_CONTEXT_HEADER]: await signServiceToken(secret, 'audit-writer', 'r') }, 401],
      [{ [INTERNAL_CONTEXT_HEADER]: await context('senco') }, 403],
    ];
    for (const [headers, status] of attempts) {
      const response = await bare.inject({ method: 'GET', url: '/audit/export', headers });
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toContain('application/json');
    }
    const ok = await bare.inject({
      method: 'GET',
      url: '/audit/export',
      headers: { [INTERNAL_CONTEXT_HEADER]: await context('auditor') },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('POST /internal/audit-events: only the service token writes; nothing is stored otherwise', async () => {
    for (const headers of [
      {},
      { [INTERNAL_CONTEXT_HEADER]: await context('auditor') },
      { [SERVICE_TOKEN_HEADER]: await context('auditor') },
      { [SERVICE_TOKEN_HEADER]: await signServiceToken('y'.repeat(40), 'audit-writer', 'r') },
    ]) {
      const response = await bare.inject({
        method: 'POST',
        url: '/internal/audit-events',
        headers,
        payload: anAuditEventInput({ requestId: 'forged' }),
      });
      expect(response.statusCode).toBe(401);
    }
    const rows = await db.query<{ n: number }>(
      `select count(*)::int as n from audit.event where request_id = 'forged'`,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
