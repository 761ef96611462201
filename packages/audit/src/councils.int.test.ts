import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import {
  buildAuditEvent,
  canonicalEvent,
  chainHash,
  EVENT_FORMAT,
  EVENT_FORMAT_COUNCILS,
  GENESIS_HASH,
  normaliseAuditEventInput,
} from './event.ts';
import { FAST_CHAIN_HASH, fastChainHash } from './fast-hash.ts';
import { queryAuditEvents } from './query.ts';
import { appendAuditEvent, migrateAudit } from './store.ts';
import { verifyAuditChain } from './verify.ts';

/**
 * Tenancy in the audit log (issue 14): an event names the councils it concerns (format 2,
 * hash-covered); events written before tenancy (format 1) keep their exact canonical text and
 * still verify; a council's auditor query sees only its council's events plus those of none.
 */
describe('audit events and councils', () => {
  const at = {
    seq: 7,
    occurredAt: new Date('2026-03-04T05:06:07.089Z'),
    eventId: '00000000-0000-4000-8000-000000000001',
  };

  it('without councils an event stays format 1, its canonical text unchanged (no councils key)', () => {
    const event = buildAuditEvent(normaliseAuditEventInput(anAuditEventInput()), at);
    expect(event.format).toBe(EVENT_FORMAT);
    expect('councils' in event).toBe(false);
    expect(canonicalEvent(event)).not.toContain('councils');
  });

  it('with councils it is format 2: sorted, distinct, in the hash; null, [] and a list hash apart', () => {
    const event = buildAuditEvent(
      normaliseAuditEventInput(anAuditEventInput({ councils: ['la-2', 'la-1', 'la-2'] })),
      at,
    );
    expect(event.format).toBe(EVENT_FORMAT_COUNCILS);
    expect(event.councils).toEqual(['la-1', 'la-2']);
    expect(canonicalEvent(event)).toContain('"councils":["la-1","la-2"]');
    const hashes = new Set(
      [['la-1', 'la-2'], ['la-1'], [], null].map((councils) =>
        chainHash(GENESIS_HASH, { ...event, councils }),
      ),
    );
    expect(hashes.size).toBe(4);
    // The fast path (group commit, verification) agrees with the reference for format 2.
    expect(FAST_CHAIN_HASH).toBe(true);
    expect(fastChainHash(GENESIS_HASH, event)).toBe(chainHash(GENESIS_HASH, event));
  });

  it('refuses a malformed councils list with a clear problem', () => {
    expect(() => normaliseAuditEventInput(anAuditEventInput({ councils: [''] }))).toThrow(/councils/);
    expect(() =>
      normaliseAuditEventInput(
        anAuditEventInput({ councils: Array.from({ length: 101 }, (_, i) => `la-${i}`) }),
      ),
    ).toThrow(/councils/);
  });

  describe('in the store', async () => {
    const testDb = await createTestDatabase();
    let handle: DbHandle;
    beforeAll(async () => {
      handle = await testDb.open();
      await migrateAudit(handle);
    });
    afterAll(() => testDb.destroy());

    it(`a chain of format-1 then format-2 events verifies; a changed council is caught (${testDb.kind})`, async () => {
      await appendAuditEvent(handle, anAuditEventInput({ requestId: 'before-tenancy' }));
      await appendAuditEvent(handle, anAuditEventInput({ requestId: 'la-1-only', councils: ['la-1'] }));
      await appendAuditEvent(
        handle,
        anAuditEventInput({
          requestId: 'la-2-only',
          councils: ['la-2'],
          children: [{ childId: TEST_CHILD_B, sections: [] }],
        }),
      );
      await appendAuditEvent(handle, anAuditEventInput({ requestId: 'both', councils: ['la-1', 'la-2'] }));
      await appendAuditEvent(handle, anAuditEventInput({ requestId: 'none', councils: [], children: [] }));
      await appendAuditEvent(handle, anAuditEventInput({ requestId: 'unresolved', councils: ['unknown'] }));
      const rows = await handle.query<{ format: number; councils: string[] | null }>(
        'select format, councils from audit.event order by seq',
      );
      expect(rows.map((r) => r.format)).toEqual([1, 2, 2, 2, 2, 2]);
      expect(rows[0]?.councils).toBeNull();
      expect((await verifyAuditChain(handle)).ok).toBe(true);

      const seen = async (council: string) =>
        (await queryAuditEvents(handle, { council }, { first: 50 })).edges
          .map((e) => e.node.requestId)
          .sort();
      expect(await seen('la-1')).toEqual(['before-tenancy', 'both', 'la-1-only', 'none', 'unresolved']);
      expect(await seen('la-2')).toEqual(['before-tenancy', 'both', 'la-2-only', 'none', 'unresolved']);
      // A child filter does not reach past the council: la-1 asking for la-2's child gets nothing.
      expect(
        (await queryAuditEvents(handle, { council: 'la-1', childId: TEST_CHILD_B }, { first: 50 })).edges,
      ).toEqual([]);
      expect(TEST_CHILD_A).not.toBe(TEST_CHILD_B);

      // A superuser moving an event to the other council breaks the chain at that event.
      await handle.transaction(async (tx) => {
        await tx.exec('alter table audit.event disable trigger user');
        await tx.query(`update audit.event set councils = '{la-1}' where request_id = 'la-2-only'`);
        await tx.exec('alter table audit.event enable trigger user');
      });
      const broken = await verifyAuditChain(handle);
      expect(broken.ok).toBe(false);
      expect(broken.firstBroken?.seq).toBe(3);
    });
  });
});
