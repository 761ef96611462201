import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { POLICY_TABLE, SUBJECT_FIELDS } from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import {
  countStatements,
  createTestDatabase,
  inSessionTimeZone,
  statementTexts,
  type TestDatabase,
} from '@hub/testkit';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSocialCare, service } from '../src/index.ts';
import { findSections, type SocialCareSection, socialCareStatement } from '../src/repository.ts';
import { caseRecord, shortBreak } from '../src/tables.ts';

/**
 * The reader the one-statement query replaced (two drizzle SELECTs, sent unprepared), kept here
 * as the oracle: for the same rows the new reader must give exactly the same sections, field for
 * field and in the same order (the old reader left short breaks with the same start date
 * unordered; the new one orders those by id, so the oracle's are put in that order, and only
 * within equal dates).
 */
async function twoSelectReader(db: DbHandle, childIds: string[]): Promise<Map<string, SocialCareSection>> {
  const [cases, breaks] = await Promise.all([
    db.db.select().from(caseRecord).where(inArray(caseRecord.childId, childIds)),
    db.db
      .select()
      .from(shortBreak)
      .where(inArray(shortBreak.childId, childIds))
      .orderBy(shortBreak.startDate),
  ]);
  const sections = new Map<string, SocialCareSection>();
  for (const c of cases) {
    sections.set(c.childId, {
      status: c.status,
      allocatedWorker: c.workerName ? { name: c.workerName, team: c.workerTeam } : null,
      shortBreaks: [],
      updatedAt: new Date(c.updatedAt).toISOString(),
    });
  }
  for (const b of breaks) sections.get(b.childId)?.shortBreaks.push(b);
  for (const section of sections.values()) {
    section.shortBreaks.sort((a, b) => a.startDate.localeCompare(b.startDate) || a.id.localeCompare(b.id));
  }
  return sections;
}

function only(section: SocialCareSection, fields: readonly string[]): Partial<SocialCareSection> {
  return Object.fromEntries(Object.entries(section).filter(([field]) => fields.includes(field)));
}

/** Each field's columns: a statement that does not read a field names none of them. */
const COLUMNS: Record<(typeof SUBJECT_FIELDS.SocialCareSection)[number], string[]> = {
  status: ['c.status'],
  allocatedWorker: ['worker_name', 'worker_team'],
  shortBreaks: ['social_care.short_break', 'nights_per_year'],
  updatedAt: ['updated_at'],
};

const ROLE_FIELD_SETS = [
  ...new Map(
    Object.values(POLICY_TABLE)
      .map((policy) => policy.read.SocialCareSection as readonly string[])
      .filter((fields) => fields.length > 0)
      .map((fields) => [fields.join(','), fields]),
  ).values(),
];

describe(`social care sections in one statement (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  let database: TestDatabase;
  let db: DbHandle;
  let dataset: SyntheticDataset;
  let ids: string[];
  let many: string;
  let nulls: string;
  let none: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    // Every child of the default synthetic data set (the one the hub and the benchmark run on).
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE });
    await service.prepareDatabase(db);
    await seedSocialCare(db, dataset);
    // Rows the synthetic set may not have: a case with many short breaks (three on one day, no
    // nights), one with no worker but a team and an empty worker name elsewhere, one with no
    // short break, and an updated_at with microseconds (both readers must cut alike).
    const withCare = dataset.children.filter((c) => c.socialCare).map((c) => c.id);
    [many, nulls, none] = withCare as [string, string, string];
    await db.db.delete(shortBreak).where(inArray(shortBreak.childId, [many, nulls, none]));
    await db.db.insert(shortBreak).values([
      ...Array.from({ length: 12 }, (_, i) => ({
        id: randomUUID(),
        childId: many,
        description: `Short break ${i}`,
        nightsPerYear: i % 3 === 0 ? null : 10 + i,
        startDate: `2024-0${1 + (i % 9)}-15`,
      })),
      { id: randomUUID(), childId: many, description: 'Same day', startDate: '2024-01-15' },
      { id: randomUUID(), childId: nulls, description: 'No nights', startDate: '2023-09-01' },
    ]);
    await db.db
      .update(caseRecord)
      .set({ workerName: null, workerTeam: 'Team without a worker' })
      .where(eq(caseRecord.childId, nulls));
    await db.db
      .update(caseRecord)
      .set({ workerName: '', workerTeam: null })
      .where(eq(caseRecord.childId, withCare[3]!));
    await db.query(
      `update social_care.case_record set updated_at = '2025-04-05 06:07:08.123456+00' where child_id = $1`,
      [many],
    );
    ids = [...dataset.children.map((c) => c.id), '00000000-0000-4000-8000-000000000000'];
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const inTimeZone = (zone: string) => inSessionTimeZone(database, db, zone);

  it.each(['UTC', 'Pacific/Chatham', 'America/St_Johns'])(
    'gives exactly the sections the two-SELECT reader gave, for every child and a missing id (session time zone %s)',
    async (zone) => {
      const zoned = await inTimeZone(zone);
      const expected = await twoSelectReader(zoned, ids);
      const actual = await findSections(zoned, ids);
      expect(actual.size).toBe(dataset.children.filter((c) => c.socialCare).length);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, section] of expected) expect(actual.get(id), id).toEqual(section);
      // The oracle saw what was written: the rows added above are there.
      const manyRows = actual.get(many)!;
      expect(manyRows.updatedAt).toBe('2025-04-05T06:07:08.123Z');
      expect(manyRows.shortBreaks).toHaveLength(13);
      expect(manyRows.shortBreaks.filter((b) => b.startDate === '2024-01-15')).toHaveLength(3);
      expect(actual.get(nulls)!.allocatedWorker).toBeNull();
      expect(actual.get(nulls)!.shortBreaks).toEqual([expect.objectContaining({ nightsPerYear: null })]);
      expect(actual.get(none)!.shortBreaks).toEqual([]);
    },
  );

  it('with the fields a role may read: the same values, and no other field read from the database', async () => {
    expect(ROLE_FIELD_SETS.length).toBeGreaterThan(1);
    const expected = await twoSelectReader(db, ids);
    for (const fields of ROLE_FIELD_SETS) {
      const actual = await findSections(db, ids, fields);
      for (const [id, section] of expected)
        expect(actual.get(id), `${fields} ${id}`).toEqual(only(section, fields));
      const { text } = socialCareStatement(fields);
      for (const field of SUBJECT_FIELDS.SocialCareSection) {
        for (const column of COLUMNS[field]) {
          expect(text.includes(column), `${fields}: ${column}`).toBe(fields.includes(field));
        }
      }
    }
    // The school's, health's and the family's list has no case status: not selected.
    const withoutStatus = POLICY_TABLE.senco.read.SocialCareSection;
    const texts = await statementTexts(db, () => findSections(db, ids, withoutStatus));
    if (texts !== null) {
      expect(texts).toHaveLength(1);
      expect(texts[0]).not.toContain('status');
    }
  });

  it('one statement per call, however many children; one prepared text per distinct field set', async () => {
    const statements = await countStatements(db, async () => {
      await findSections(db, [ids[0]!]);
      await findSections(db, ids);
      await findSections(db, []);
    });
    if (statements !== null) expect(statements).toBe(2);
    const all = SUBJECT_FIELDS.SocialCareSection;
    expect(socialCareStatement([...all].reverse())).toBe(socialCareStatement(all));
    expect(socialCareStatement([...all, 'sencoNotes'])).toBe(socialCareStatement(all));
    if (db.kind !== 'postgres') return;
    const single = await database.open({ maxConnections: 1 });
    for (let i = 0; i < 3; i++) for (const fields of ROLE_FIELD_SETS) await findSections(single, ids, fields);
    const [{ n } = { n: 0 }] = await single.query<{ n: number }>(
      `select count(*)::int as n from pg_prepared_statements where statement like '%from social_care.case_record c%'`,
    );
    expect(n).toBe(ROLE_FIELD_SETS.length);
  });

  it('reads fresh every time: a row written a moment ago is in the next read', async () => {
    const child = dataset.children.filter((c) => c.socialCare)[5]!;
    const before = (await findSections(db, [child.id])).get(child.id)!;
    await db.db.insert(shortBreak).values({
      id: randomUUID(),
      childId: child.id,
      description: 'Written a moment ago',
      startDate: '2026-01-01',
    });
    const after = (await findSections(db, [child.id])).get(child.id)!;
    expect(after.shortBreaks).toHaveLength(before.shortBreaks.length + 1);
    expect(after.shortBreaks.map((b) => b.description)).toContain('Written a moment ago');
  });
});
