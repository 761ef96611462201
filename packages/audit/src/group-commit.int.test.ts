import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import { AuditInputError } from './event.ts';
import { AuditChainWriter, migrateAudit } from './store.ts';
import { verifyAuditChain } from './verify.ts';

/** Group commit (issue 14): many appends per transaction, one chain across writer instances. */
describe('audit chain group commit', async () => {
  const testDb = await createTestDatabase();
  // Two store instances on two connection pools, as two audit service processes would be.
  let one: DbHandle;
  let two: DbHandle;
  beforeAll(async () => {
    one = await testDb.open();
    two = testDb.kind === 'pglite' ? one : await testDb.open();
    await migrateAudit(one);
  });
  afterAll(() => testDb.destroy());

  const count = async () =>
    Number((await one.query<{ n: string }>('select count(*)::text as n from audit.event'))[0]!.n);

  it(`2,000 concurrent appends from two writers make one unbroken chain, each event exactly once (${testDb.kind})`, async () => {
    const writers = [new AuditChainWriter(one), new AuditChainWriter(two)];
    const stored = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        writers[i % 2]!.append(
          anAuditEventInput({
            requestId: `group-${i}`,
            children: [{ childId: i % 3 ? TEST_CHILD_A : TEST_CHILD_B, sections: ['Child'] }],
          }),
        ),
      ),
    );
    // Every caller got its own event back, with a distinct seq 1..2000.
    expect(stored.map((e) => e.requestId)).toEqual(Array.from({ length: 2000 }, (_, i) => `group-${i}`));
    expect(stored.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i + 1),
    );
    expect(await verifyAuditChain(one, { batchSize: 333 })).toMatchObject({ ok: true, checked: 2000 });
    const [rows] = await one.query<{ n: number; distinct_requests: number; links: number }>(
      `select count(*)::int as n, count(distinct request_id)::int as distinct_requests,
              (select count(*)::int from audit.event_child) as links
         from audit.event where request_id like 'group-%'`,
    );
    expect(rows).toEqual({ n: 2000, distinct_requests: 2000, links: 2000 });
    if (testDb.kind !== 'pglite') {
      // Batched for real: far fewer transactions (xmin) than events, and both writers committed some.
      const [tx] = await one.query<{ n: number }>(
        'select count(distinct xmin::text)::int as n from audit.event',
      );
      expect(tx!.n).toBeLessThan(200);
      expect(tx!.n).toBeGreaterThanOrEqual(2);
    }
  });

  it('a batch that fails commits nothing and rejects every caller in it; the next batch continues the chain', async () => {
    const before = await verifyAuditChain(one);
    // A constraint only one event of the batch violates, as a disk-full or a bad row would fail it.
    await one.exec(
      `alter table audit.event add constraint test_no_poison check (request_id <> 'poison') not valid`,
    );
    try {
      const writer = new AuditChainWriter(one);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          writer.append(anAuditEventInput({ requestId: i === 13 ? 'poison' : `batch-${i}` })),
        ),
      );
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      for (const result of results) {
        expect((result as PromiseRejectedResult).reason.message).toMatch(/test_no_poison/);
      }
      expect(await count()).toBe(before.checked);
      expect((await verifyAuditChain(one)).head).toEqual(before.head);

      const next = await writer.append(anAuditEventInput({ requestId: 'after-failure' }));
      expect(next).toMatchObject({ seq: before.head!.seq + 1, prevHash: before.head!.hash });
      expect((await verifyAuditChain(one)).ok).toBe(true);
    } finally {
      await one.exec('alter table audit.event drop constraint test_no_poison');
    }
  });

  it('an event PostgreSQL could not store is refused for its caller alone, before it can fail a batch', async () => {
    const writer = new AuditChainWriter(one);
    const [bad, surrogate] = await Promise.allSettled([
      writer.append(anAuditEventInput({ requestId: 'nul\u0000byte' })),
      writer.append(
        anAuditEventInput({ requestId: 'fine', breakGlass: true, breakGlassReason: 'lone \ud800 surrogate' }),
      ),
      writer.append(anAuditEventInput({ requestId: 'fine-too' })),
    ]);
    expect(bad.status).toBe('rejected');
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(AuditInputError);
    expect((bad as PromiseRejectedResult).reason.problems).toEqual([
      'requestId: contains a NUL character or an unpaired surrogate',
    ]);
    expect((surrogate as PromiseRejectedResult).reason.problems).toEqual([
      'breakGlassReason: contains a NUL character or an unpaired surrogate',
    ]);
    const [row] = await one.query<{ n: number }>(
      `select count(*)::int as n from audit.event where request_id = 'fine-too'`,
    );
    expect(row!.n).toBe(1);
  });

  it('appendAll: a group is chained consecutively in its order, in one transaction; one invalid event refuses the whole group', async () => {
    const writer = new AuditChainWriter(one);
    const before = await count();
    // A lone append queued with the group: the group stays consecutive whatever shares its batch.
    const [lone, group] = await Promise.all([
      writer.append(anAuditEventInput({ requestId: 'lone' })),
      writer.appendAll(
        Array.from({ length: 5 }, (_, i) => anAuditEventInput({ requestId: `group-of-5-${i}` })),
      ),
    ]);
    expect(group.map((e) => e.requestId)).toEqual([0, 1, 2, 3, 4].map((i) => `group-of-5-${i}`));
    const seqs = group.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
    expect(group.slice(1).map((e) => e.prevHash)).toEqual(group.slice(0, -1).map((e) => e.hash));
    expect(lone.seq === seqs[0]! - 1 || lone.seq === seqs[4]! + 1).toBe(true);

    const refused = writer.appendAll([
      anAuditEventInput({ requestId: 'fine-in-bad-group' }),
      anAuditEventInput({ requestId: 'nul\u0000byte' }),
      { ...anAuditEventInput(), outcome: 'maybe' },
    ]);
    await expect(refused).rejects.toBeInstanceOf(AuditInputError);
    await expect(refused).rejects.toMatchObject({
      problems: [
        'events[1].requestId: contains a NUL character or an unpaired surrogate',
        expect.stringMatching(/^events\[2\]\.outcome: /),
      ],
    });
    expect(await count()).toBe(before + 6);
    expect((await verifyAuditChain(one)).ok).toBe(true);
  });

  it('steady state: one statement per batch on the head this writer committed; a head moved by another writer is chained again under the lock', async () => {
    const calls = { query: 0, transaction: 0 };
    const counted = (handle: DbHandle): Pick<DbHandle, 'query' | 'transaction'> => ({
      query: (...args: Parameters<DbHandle['query']>) => {
        calls.query += 1;
        return handle.query(...args);
      },
      transaction: (fn) => {
        calls.transaction += 1;
        return handle.transaction(fn);
      },
    });
    const a = new AuditChainWriter(counted(one));
    const b = new AuditChainWriter(two);
    await a.append(anAuditEventInput({ requestId: 'a-first' })); // head unknown: the locked way
    expect(calls).toEqual({ query: 0, transaction: 1 });
    await a.append(anAuditEventInput({ requestId: 'a-second' }));
    await a.appendAll([
      anAuditEventInput({ requestId: 'a-third' }),
      anAuditEventInput({ requestId: 'a-fourth' }),
    ]);
    expect(calls).toEqual({ query: 2, transaction: 1 }); // one append_events statement each
    const moved = await b.append(anAuditEventInput({ requestId: 'b-moves-the-head' }));
    const after = await a.append(anAuditEventInput({ requestId: 'a-after-b' }));
    // The one statement inserted nothing (head moved), then the locked way chained onto b's event.
    expect(calls).toEqual({ query: 3, transaction: 2 });
    expect(after).toMatchObject({ seq: moved.seq + 1, prevHash: moved.hash });
    expect(await verifyAuditChain(one)).toMatchObject({ ok: true });
    const [dupes] = await one.query<{ n: number }>(
      `select count(*)::int as n from audit.event where request_id = 'a-after-b'`,
    );
    expect(dupes!.n).toBe(1);
  });

  it.runIf(testDb.kind !== 'pglite')(
    'pipelined: a batch chained onto one that then fails inserts nothing, is re-chained under the lock and committed',
    async () => {
      const writer = new AuditChainWriter(one);
      await writer.append(anAuditEventInput({ requestId: 'pipeline-warm-up' })); // the writer knows the head
      const before = await verifyAuditChain(one);
      await one.exec(
        `alter table audit.event add constraint test_no_poison_2 check (request_id <> 'poison-2') not valid`,
      );
      const holder = await testDb.open();
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let lockTaken!: () => void;
      const taken = new Promise<void>((resolve) => {
        lockTaken = resolve;
      });
      const holding = holder.transaction(async (tx) => {
        await tx.query("select pg_advisory_xact_lock(hashtext('tell-it-once:audit-chain'))");
        lockTaken();
        await released;
      });
      try {
        await taken;
        const waiting = async (n: number) => {
          for (;;) {
            const [row] = await one.query<{ n: number }>(
              `select count(*)::int as n from pg_stat_activity
                where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
            );
            if (row!.n >= n) return;
            await new Promise((resolve) => setImmediate(resolve));
          }
        };
        const first = Promise.allSettled(
          ['poison-2', 'first-ok'].map((requestId) => writer.append(anAuditEventInput({ requestId }))),
        );
        await waiting(1);
        // Sent while the first is in flight, chained onto the first's (never committed) head.
        const second = Promise.all(
          ['second-0', 'second-1', 'second-2'].map((requestId) =>
            writer.append(anAuditEventInput({ requestId })),
          ),
        );
        await waiting(2);
        release();
        await holding;
        const [poisoned, innocent] = await first;
        expect(poisoned?.status).toBe('rejected');
        expect(innocent?.status).toBe('rejected');
        const stored = await second;
        expect(stored.map((e) => e.seq)).toEqual([1, 2, 3].map((i) => before.head!.seq + i));
        expect(stored[0]!.prevHash).toBe(before.head!.hash);
      } finally {
        release();
        await holding.catch(() => {});
        await holder.close();
        await one.exec('alter table audit.event drop constraint test_no_poison_2');
      }
      expect(await verifyAuditChain(one)).toMatchObject({ ok: true, checked: before.checked + 3 });
    },
  );

  it.runIf(testDb.kind !== 'pglite')(
    "resolves a caller only after its batch committed, and waits for another instance's lock",
    async () => {
      // Another writer instance holds the chain lock (its transaction still open).
      const holder = await testDb.open();
      let releaseHolder!: () => void;
      const held = new Promise<void>((resolve) => {
        releaseHolder = resolve;
      });
      let lockTaken!: () => void;
      const taken = new Promise<void>((resolve) => {
        lockTaken = resolve;
      });
      const holding = holder.transaction(async (tx) => {
        await tx.query("select pg_advisory_xact_lock(hashtext('tell-it-once:audit-chain'))");
        lockTaken();
        await held;
      });
      await taken;
      const writer = new AuditChainWriter(two);
      let settled = false;
      const appended = writer.append(anAuditEventInput({ requestId: 'waits-for-lock' })).finally(() => {
        settled = true;
      });
      // Condition, not a sleep: the writer's transaction is waiting on the advisory lock.
      for (;;) {
        const [waiting] = await one.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
        );
        if (waiting!.n > 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(settled).toBe(false);
      const [visible] = await one.query<{ n: number }>(
        `select count(*)::int as n from audit.event where request_id = 'waits-for-lock'`,
      );
      expect(visible!.n).toBe(0);
      releaseHolder();
      await holding;
      const event = await appended;
      const [row] = await one.query<{ seq: string }>(
        `select seq::text as seq from audit.event where request_id = 'waits-for-lock'`,
      );
      expect(Number(row!.seq)).toBe(event.seq);
      expect((await verifyAuditChain(one)).ok).toBe(true);
    },
  );
});
