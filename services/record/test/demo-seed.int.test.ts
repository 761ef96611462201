import type { DbHandle } from '@hub/db';
import { buildSyntheticDataset } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentStatus } from '../src/consent/consents.ts';
import { seedRecordIfEmpty, service } from '../src/index.ts';
import { loadAccessFacts } from '../src/repository.ts';

/**
 * The demo data `pnpm start` seeds (seedRecordIfEmpty, today's data set): 7 in 10 families have
 * consented to sharing everything for an EHC needs assessment, 1 in 10 withdrew, 2 in 10 never
 * consented, at whatever time of day the hub starts (the consents once started at 09:00 UTC on
 * the day, so before 09:00 nothing was shared, and the withdrawals were two weeks ahead).
 */
describe('the demo seed', () => {
  let database: TestDatabase;
  let db: DbHandle;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    await service.prepareDatabase(db);
    expect(await seedRecordIfEmpty(db)).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await db?.close();
    await database?.destroy();
  });

  it('shares 7 in 10 records now, with 1 in 10 withdrawn and none waiting to start', async () => {
    const now = new Date();
    const children = buildSyntheticDataset().children;
    const facts = await loadAccessFacts(
      db,
      children.map((c) => c.id),
    );
    const byBand = new Map<number, Set<string>>();
    for (const [i, c] of children.entries()) {
      const f = facts.get(c.id)!;
      const band = i % 10;
      const statuses = byBand.get(band) ?? new Set();
      byBand.set(band, statuses);
      for (const consent of f.consents) statuses.add(consentStatus(consent, f, now));
      if (band >= 8) expect(f.consents, c.id).toEqual([]);
      else expect(f.consents, c.id).toHaveLength(12);
    }
    for (const band of [0, 1, 2, 3, 4, 5, 6]) {
      // In force, or (a young person who turned 16 since) waiting for them to confirm.
      expect(
        [...byBand.get(band)!].every((s) => s === 'active' || s === 'needs_young_person_confirmation'),
      ).toBe(true);
      expect(byBand.get(band)!.has('active')).toBe(true);
    }
    expect([...byBand.get(7)!]).toEqual(['withdrawn']);
  });
});
