import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import { chainHash, GENESIS_HASH } from './event.ts';
import { appendAuditEvent, EVENT_COLUMNS, type EventRow, migrateAudit, rowToEvent } from './store.ts';
import { verifyAuditChain } from './verify.ts';

describe('audit store', async () => {
  const testDb = await createTestDatabase();
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await testDb.open();
    await migrateAudit(handle);
  });
  afterAll(() => testDb.destroy());

  /** Runs `sqlText` with the append-only triggers off, as only a superuser could: the tamperer. */
  async function tamper(sqlText: string, params: unknown[] = []) {
    await handle.transaction(async (tx) => {
      await tx.exec(
        'alter table audit.event disable trigger user; alter table audit.event_child disable trigger user;',
      );
      await tx.query(sqlText, params);
      await tx.exec(
        'alter table audit.event enable trigger user; alter table audit.event_child enable trigger user;',
      );
    });
  }

  it(`appends a chained event and returns it as stored (${testDb.kind})`, async () => {
    const first = await appendAuditEvent(handle, anAuditEventInput({ requestId: 'first' }));
    expect(first).toMatchObject({
      seq: 1,
      prevHash: GENESIS_HASH,
      childIds: [TEST_CHILD_A],
      requestId: 'first',
    });
    expect(first.hash).toBe(chainHash(GENESIS_HASH, first));
    const second = await appendAuditEvent(
      handle,
      anAuditEventInput({
        requestId: 'second',
        breakGlass: true,
        breakGlassReason: 'Synthetic safeguarding test reason',
      }),
    );
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, breakGlass: true });
    const [row] = await handle.query<{ break_glass: boolean; reason: string }>(
      'select break_glass, break_glass_reason as reason from audit.event where seq = 2',
    );
    expect(row).toEqual({ break_glass: true, reason: 'Synthetic safeguarding test reason' });
    expect(await verifyAuditChain(handle)).toEqual({
      ok: true,
      checked: 2,
      head: { seq: 2, hash: second.hash },
    });
  });

  it('never stores an earlier time than the previous event (clock skew between writers)', async () => {
    const before = await appendAuditEvent(handle, anAuditEventInput(), {
      now: () => new Date('2000-01-01T00:00:00Z'),
    });
    const [previous] = await handle.query<{ t: string }>(
      `select to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as t from audit.event where seq = $1`,
      [before.seq - 1],
    );
    expect(before.occurredAt).toBe(previous?.t);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on both tables with a clear message', async () => {
    for (const statement of [
      'update audit.event set actor_org = $$x$$ where seq = 1',
      'delete from audit.event where seq = 1',
      'truncate audit.event',
      'update audit.event_child set seq = 99',
      'delete from audit.event_child',
      'truncate audit.event_child',
    ]) {
      await expect(handle.exec(statement), statement).rejects.toThrow(
        /audit log is append-only: (UPDATE|DELETE|TRUNCATE) on audit\.event/,
      );
    }
    expect((await verifyAuditChain(handle)).ok).toBe(true);
  });

  it('rejects an invalid event before touching the chain', async () => {
    const before = await verifyAuditChain(handle);
    await expect(
      appendAuditEvent(handle, anAuditEventInput({ children: [{ childId: 'not-a-uuid', sections: [] }] })),
    ).rejects.toThrow(/must be a UUID/);
    expect((await verifyAuditChain(handle)).head).toEqual(before.head);
  });

  it('keeps the chain unbroken under 200 concurrent appends', async () => {
    const start = (await verifyAuditChain(handle)).checked;
    const stored = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        appendAuditEvent(
          handle,
          anAuditEventInput({
            requestId: `concurrent-${i}`,
            children: [{ childId: i % 2 ? TEST_CHILD_A : TEST_CHILD_B, sections: ['Child'] }],
          }),
        ),
      ),
    );
    const seqs = stored.map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => start + 1 + i));
    expect(new Set(stored.map((e) => e.prevHash)).size).toBe(200);
    const result = await verifyAuditChain(handle, { batchSize: 37 });
    expect(result).toMatchObject({ ok: true, checked: start + 200 });
    const [counts] = await handle.query<{ n: number }>(
      `select count(*)::int as n from audit.event where request_id like 'concurrent-%'`,
    );
    expect(counts?.n).toBe(200);
  });

  describe('tampering is detected at the right event', () => {
    it('an edited row: its own hash no longer matches', async () => {
      const [original] = await handle.query<{ org: string }>(
        'select actor_org as org from audit.event where seq = 5',
      );
      await tamper(`update audit.event set actor_org = 'school-999' where seq = 5`);
      const result = await verifyAuditChain(handle, { batchSize: 3 });
      expect(result).toMatchObject({
        ok: false,
        checked: 4,
        firstBroken: { seq: 5, reason: expect.stringMatching(/hash does not match/) },
      });
      const [event] = await handle.query<{ id: string }>(
        'select event_id::text as id from audit.event where seq = 5',
      );
      expect(result.firstBroken?.eventId).toBe(event?.id);
      await tamper('update audit.event set actor_org = $1 where seq = 5', [original?.org]);
      expect((await verifyAuditChain(handle)).ok).toBe(true);
    });

    it('an edited row with its hash recomputed: the next link breaks', async () => {
      const [original] = await handle.query<{ hash: string; org: string }>(
        'select hash, actor_org as org from audit.event where seq = 8',
      );
      await tamper(`update audit.event set actor_org = 'school-999' where seq = 8`);
      const [row] = await handle.query<EventRow>(
        `select ${EVENT_COLUMNS} from audit.event e where e.seq = 8`,
      );
      const edited = rowToEvent(row!);
      await tamper('update audit.event set hash = $1 where seq = 8', [chainHash(edited.prevHash, edited)]);
      expect((await verifyAuditChain(handle)).firstBroken).toMatchObject({
        seq: 9,
        reason: expect.stringMatching(/prev_hash/),
      });
      await tamper('update audit.event set actor_org = $1, hash = $2 where seq = 8', [
        original?.org,
        original?.hash,
      ]);
      expect((await verifyAuditChain(handle)).ok).toBe(true);
    });

    it('a deleted row: a gap at its seq', async () => {
      await handle.exec('create table public.saved_event as select * from audit.event where seq = 10');
      await tamper('delete from audit.event where seq = 10');
      expect((await verifyAuditChain(handle)).firstBroken).toMatchObject({
        seq: 10,
        reason: expect.stringMatching(/missing/),
      });
      // Pages are seq ranges: with one seq per page the deleted row's page comes back empty.
      expect((await verifyAuditChain(handle, { batchSize: 1 })).firstBroken).toMatchObject({
        seq: 10,
        reason: expect.stringMatching(/missing/),
      });
      await tamper('insert into audit.event select * from public.saved_event');
      await handle.exec('drop table public.saved_event');
      expect((await verifyAuditChain(handle)).ok).toBe(true);
    });

    it('a removed or invented child link (hiding an access from a family, or inventing one)', async () => {
      const [link] = await handle.query<{ child: string }>(
        'select child_id::text as child from audit.event_child where seq = 12',
      );
      await tamper('delete from audit.event_child where seq = 12');
      expect((await verifyAuditChain(handle)).firstBroken).toMatchObject({
        seq: 12,
        reason: expect.stringMatching(/link .* missing/),
      });
      await tamper('insert into audit.event_child (child_id, seq) values ($1::uuid, 12)', [link?.child]);
      const invented = '99999999-9999-4999-8999-999999999999';
      await tamper('insert into audit.event_child (child_id, seq) values ($1::uuid, 3)', [invented]);
      expect((await verifyAuditChain(handle)).firstBroken).toMatchObject({
        seq: 3,
        reason: expect.stringMatching(/does not list/),
      });
      await tamper('delete from audit.event_child where child_id = $1::uuid', [invented]);
      expect((await verifyAuditChain(handle)).ok).toBe(true);
    });

    it('a truncated tail, against a recorded anchor', async () => {
      const head = (await verifyAuditChain(handle)).head!;
      await tamper('delete from audit.event_child where seq = $1', [head.seq]);
      await tamper('delete from audit.event where seq = $1', [head.seq]);
      // Without an anchor a shorter chain is still a valid chain: that is what anchors are for.
      expect((await verifyAuditChain(handle)).ok).toBe(true);
      expect((await verifyAuditChain(handle, { anchor: head })).firstBroken).toMatchObject({
        seq: head.seq,
        reason: expect.stringMatching(/truncated/),
      });
    });
  });
});
