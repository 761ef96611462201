import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_CHILD_A as A, anAuditEventInput, TEST_CHILD_B as B } from './builders.ts';
import type { AuditEventInput, StoredAuditEvent } from './event.ts';
import { type AuditFilter, accessHistory, iterateAuditEvents, queryAuditEvents } from './query.ts';
import { appendAuditEvent, migrateAudit } from './store.ts';

const T0 = Date.parse('2026-03-01T09:00:00.000Z');
const minute = (n: number) => new Date(T0 + n * 60_000).toISOString();

const senco = { sub: 'demo-senco-1', role: 'senco' as const, orgId: 'school-1' };
const health = { sub: 'demo-health-1', role: 'health_practitioner' as const, orgId: 'icb-1' };
const socialWorker = { sub: 'demo-social-worker-1', role: 'social_worker' as const, orgId: 'sc-1' };
const parent = { sub: 'demo-parent-1', role: 'parent_carer' as const, orgId: 'family' };

/** Event i happens at minute i: 24 events over two children and four actors. */
function scenario(i: number): AuditEventInput {
  const actor = [senco, health, socialWorker, parent][i % 4]!;
  const child = i % 3 === 0 ? B : A;
  const breakGlass = actor === socialWorker && i % 8 === 2;
  const outcome = i % 5 === 4 ? 'denied' : 'ok';
  return anAuditEventInput({
    requestId: `q-${i}`,
    actor,
    outcome,
    breakGlass,
    breakGlassReason: breakGlass ? 'Synthetic safeguarding reason for the test' : null,
    fieldsDenied: outcome === 'denied' ? ['HealthSection.diagnoses:NO_CONSENT'] : [],
    children: [{ childId: child, sections: outcome === 'denied' ? [] : ['Child', 'EducationSection'] }],
  });
}

describe('audit queries', async () => {
  const testDb = await createTestDatabase();
  let handle: DbHandle;
  const all: StoredAuditEvent[] = [];
  beforeAll(async () => {
    handle = await testDb.open();
    await migrateAudit(handle);
    for (let i = 0; i < 24; i++) {
      all.push(await appendAuditEvent(handle, scenario(i), { now: () => new Date(minute(i)) }));
    }
    // The family looking at the access history itself (left out of accessHistory).
    all.push(
      await appendAuditEvent(
        handle,
        anAuditEventInput({
          actor: parent,
          operationName: 'AccessHistory',
          children: [{ childId: A, sections: ['AccessHistory'] }],
        }),
        { now: () => new Date(minute(30)) },
      ),
    );
  });
  afterAll(() => testDb.destroy());

  /** Pages through a filter and returns every request id, asserting pages are newest first. */
  async function pageAll(filter: AuditFilter, first: number): Promise<string[]> {
    const ids: string[] = [];
    let after: string | null = null;
    let lastSeq = Number.POSITIVE_INFINITY;
    for (let pages = 0; pages < 100; pages++) {
      const page = await queryAuditEvents(handle, filter, { first, after });
      for (const { node } of page.edges) {
        expect(node.seq).toBeLessThan(lastSeq);
        lastSeq = node.seq;
        ids.push(node.requestId);
      }
      if (!page.pageInfo.hasNextPage) return ids;
      after = page.pageInfo.endCursor;
    }
    throw new Error('did not finish paging');
  }

  const expected = (keep: (e: StoredAuditEvent) => boolean) =>
    all
      .filter(keep)
      .map((e) => e.requestId)
      .reverse();

  it(`pages newest first with opaque cursors, visiting each event once (${testDb.kind})`, async () => {
    const ids = await pageAll({}, 7);
    expect(ids).toHaveLength(25);
    expect(ids).toEqual(expected(() => true));
    const firstPage = await queryAuditEvents(handle, {}, { first: 2 });
    expect(firstPage.edges[0]?.cursor).not.toMatch(/^\d+$/);
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
  });

  it.each<[string, AuditFilter, (e: StoredAuditEvent) => boolean]>([
    ['child', { childId: B }, (e) => e.childIds.includes(B)],
    ['child (upper case id)', { childId: B.toUpperCase() }, (e) => e.childIds.includes(B)],
    ['actor', { actorSub: 'demo-health-1' }, (e) => e.actor.sub === 'demo-health-1'],
    ['organisation', { organisation: 'sc-1' }, (e) => e.actor.orgId === 'sc-1'],
    ['break-glass only', { breakGlass: true }, (e) => e.breakGlass],
    ['no break-glass', { breakGlass: false }, (e) => !e.breakGlass],
    ['denied', { outcome: 'denied' }, (e) => e.outcome === 'denied'],
    [
      'time range [from, to)',
      { from: minute(5), to: minute(11) },
      (e) => e.occurredAt >= minute(5) && e.occurredAt < minute(11),
    ],
    [
      'child + time range',
      { childId: A, from: minute(3), to: minute(20) },
      (e) => e.childIds.includes(A) && e.occurredAt >= minute(3) && e.occurredAt < minute(20),
    ],
    [
      'child + actor + outcome',
      { childId: A, actorSub: 'demo-senco-1', outcome: 'ok' },
      (e) => e.childIds.includes(A) && e.actor.sub === 'demo-senco-1' && e.outcome === 'ok',
    ],
    [
      'organisation + from',
      { organisation: 'icb-1', from: minute(10) },
      (e) => e.actor.orgId === 'icb-1' && e.occurredAt >= minute(10),
    ],
  ])('filters by %s', async (_name, filter, keep) => {
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(0);
    expect(await pageAll(filter, 3)).toEqual(want);
  });

  it('finds nothing outside the stored time span', async () => {
    expect((await queryAuditEvents(handle, { to: minute(-1) })).edges).toEqual([]);
    expect((await queryAuditEvents(handle, { from: minute(60) })).edges).toEqual([]);
  });

  it('lists every problem with a query at once', async () => {
    await expect(
      queryAuditEvents(
        handle,
        { childId: 'child-1', from: 'yesterday', outcome: 'maybe' as never },
        { first: 500, after: 'xyz' },
      ),
    ).rejects.toThrow(
      /childId must be a UUID.*from must be an ISO timestamp.*outcome must be one of.*first must be between 1 and 200.*after is not a cursor/,
    );
    await expect(queryAuditEvents(handle, { from: minute(5), to: minute(5) })).rejects.toThrow(
      /from must be before to/,
    );
  });

  it('iterates oldest first in batches (the export)', async () => {
    const seen: string[] = [];
    for await (const event of iterateAuditEvents(handle, { childId: A }, { batchSize: 4 }))
      seen.push(event.requestId);
    expect(seen).toEqual(expected((e) => e.childIds.includes(A)).reverse());
  });

  it('tells a family who saw which sections of their child’s record, without personal ids', async () => {
    const history = await accessHistory(handle, A);
    const want = all
      .filter((e) => e.childIds.includes(A) && e.outcome === 'ok' && e.requestId.startsWith('q-'))
      .reverse();
    expect(history).toHaveLength(want.length);
    expect(history[0]).toEqual({
      at: want[0]!.occurredAt,
      organisation: want[0]!.actor.orgId,
      role: want[0]!.actor.role,
      sections: ['identity', 'education'],
      purpose: 'ehc_assessment',
      breakGlass: want[0]!.breakGlass,
      outcome: 'ok',
    });
    expect(JSON.stringify(history)).not.toMatch(/demo-/);
    expect(history.some((h) => h.breakGlass && h.organisation === 'sc-1')).toBe(true);
    expect(await accessHistory(handle, A, { first: 2 })).toEqual(history.slice(0, 2));
    await expect(accessHistory(handle, 'nope')).rejects.toThrow(/UUID/);
  });
});
