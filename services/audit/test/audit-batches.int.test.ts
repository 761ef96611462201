import { randomBytes } from 'node:crypto';
import { verifyAuditChain } from '@hub/audit';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from '@hub/audit/testing';
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

/** `POST /internal/audit-batches`: the gateway's group commit, appended in one transaction. */
describe('audit service: batch appends', async () => {
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

  const post = async (body: unknown, headers?: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url: '/internal/audit-batches',
      headers: {
        'content-type': 'application/json',
        ...(headers ?? { [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'batch') }),
      },
      payload: JSON.stringify(body),
    });
  const count = async () =>
    (await db.query<{ n: number }>('select count(*)::int as n from audit.event'))[0]!.n;
  const requestIds = async (prefix: string) =>
    (
      await db.query<{ request_id: string }>(
        `select request_id from audit.event where request_id like $1 order by seq`,
        [`${prefix}%`],
      )
    ).map((row) => row.request_id);
  const events = (prefix: string, n: number) =>
    Array.from({ length: n }, (_, i) =>
      anAuditEventInput({
        requestId: `${prefix}${i}`,
        children: [{ childId: i % 2 ? TEST_CHILD_A : TEST_CHILD_B, sections: ['Child'] }],
      }),
    );

  it(`appends a batch in its order, consecutively, and answers each event's seq and hash (${testDb.kind})`, async () => {
    const response = await post({ events: events('first-', 50) });
    expect(response.statusCode).toBe(201);
    const answered = response.json().events as Array<{ seq: number; hash: string }>;
    expect(answered.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    for (const e of answered) expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(await requestIds('first-')).toEqual(Array.from({ length: 50 }, (_, i) => `first-${i}`));
    const chain = await verifyAuditChain(db);
    expect(chain).toMatchObject({ ok: true, checked: 50, head: { seq: 50, hash: answered[49]!.hash } });
  });

  it('a bad event in a batch: 400 naming it, and nothing of the batch is stored', async () => {
    const before = await count();
    const batch = events('bad-batch-', 5);
    batch[2] = { ...batch[2]!, outcome: 'fine' as never };
    batch[4] = { ...batch[4]!, requestId: 'nul\u0000byte' };
    const response = await post({ events: batch });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^Invalid audit event: events\[2\]\.outcome: .*events\[4\]\.requestId/),
      problems: [
        expect.stringMatching(/^events\[2\]\.outcome: /),
        'events[4].requestId: contains a NUL character or an unpaired surrogate',
      ],
    });
    expect(await count()).toBe(before);
    expect(await requestIds('bad-batch-')).toEqual([]);
  });

  it('a body that is not a batch: 400 in the problem shape, nothing stored', async () => {
    const before = await count();
    for (const body of [{}, { events: [] }, { events: 'x' }, { events: events('too-many-', 1001) }, [1]]) {
      const response = await post(body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^Invalid audit batch: body/),
      });
    }
    expect(await count()).toBe(before);
  });

  it('only the service token writes a batch', async () => {
    const before = await count();
    const context = await signInternalContext(secret, {
      principal: aPrincipal({ role: 'auditor' }),
      requestId: 'r',
      purpose: null,
    });
    const attempts: Record<string, string>[] = [
      {},
      { [INTERNAL_CONTEXT_HEADER]: context },
      { [SERVICE_TOKEN_HEADER]: context },
      { [SERVICE_TOKEN_HEADER]: await signServiceToken('z'.repeat(40), 'audit-writer', 'r') },
      { [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'identity-resolve', 'r') },
    ];
    for (const headers of attempts) {
      const response = await post({ events: events('forged-', 3) }, headers);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect(await count()).toBe(before);
  });

  it('the store failing on one event: 503, nothing of the batch stored; the next batch continues the chain', async () => {
    const before = await verifyAuditChain(db);
    await db.exec(
      `alter table audit.event add constraint test_no_poison check (request_id <> 'poison') not valid`,
    );
    try {
      const batch = events('poisoned-', 10);
      batch[7] = { ...batch[7]!, requestId: 'poison' };
      const response = await post({ events: batch });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('UNAVAILABLE');
      expect(await requestIds('poisoned-')).toEqual([]);
      expect((await verifyAuditChain(db)).head).toEqual(before.head);
    } finally {
      await db.exec('alter table audit.event drop constraint test_no_poison');
    }
    const next = await post({ events: events('after-poison-', 3) });
    expect(next.statusCode).toBe(201);
    expect(next.json().events[0].seq).toBe(before.head!.seq + 1);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('concurrent batches and single events: one unbroken chain, each batch consecutive and in order', async () => {
    const before = await count();
    const token = await signServiceToken(secret, 'audit-writer', 'single');
    const responses = await Promise.all([
      ...Array.from({ length: 8 }, (_, b) => post({ events: events(`conc-${b}-`, 25) })),
      ...Array.from({ length: 20 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/internal/audit-events',
          headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
          payload: JSON.stringify(anAuditEventInput({ requestId: `single-${i}` })),
        }),
      ),
    ]);
    expect(responses.map((r) => r.statusCode)).toEqual([...Array(8).fill(201), ...Array(20).fill(201)]);
    expect(await count()).toBe(before + 8 * 25 + 20);
    for (let b = 0; b < 8; b++) {
      const seqs = (responses[b]!.json().events as Array<{ seq: number }>).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
      expect(await requestIds(`conc-${b}-`)).toEqual(Array.from({ length: 25 }, (_, i) => `conc-${b}-${i}`));
    }
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: before + 220 });
  });
});
