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
import { seedEducation, service } from '../src/index.ts';
import { type EducationSection, educationStatement, findSections } from '../src/repository.ts';
import { provision, pupil, school } from '../src/tables.ts';

/**
 * The reader the one-statement query replaced (two drizzle SELECTs, sent unprepared), kept here
 * as the oracle: for the same rows the new reader must give exactly the same sections, field for
 * field and in the same order. One deliberate difference: the new reader reads only the School
 * fields the section has (id, name; schema/education.graphql), not the school's DfE number, so
 * the oracle's school is cut to those two.
 */
async function twoSelectReader(db: DbHandle, childIds: string[]): Promise<Map<string, EducationSection>> {
  const pupils = await db.db
    .select({ pupil, school })
    .from(pupil)
    .innerJoin(school, eq(school.id, pupil.schoolId))
    .where(inArray(pupil.childId, childIds));
  const provisions = await db.db
    .select()
    .from(provision)
    .where(inArray(provision.childId, childIds))
    .orderBy(provision.startDate, provision.id);
  const sections = new Map<string, EducationSection>();
  for (const row of pupils) {
    sections.set(row.pupil.childId, {
      senStatus: row.pupil.senStatus,
      school: { id: row.school.id, name: row.school.name },
      attendancePercent: row.pupil.attendancePercent,
      sencoNotes: row.pupil.sencoNotes,
      provisions: [],
      updatedAt: new Date(row.pupil.updatedAt).toISOString(),
    });
  }
  for (const p of provisions) sections.get(p.childId)?.provisions.push(p);
  return sections;
}

/** The section with only the given fields (what the policy permits), as the reader gives it. */
function only(section: EducationSection, fields: readonly string[]): Partial<EducationSection> {
  return Object.fromEntries(Object.entries(section).filter(([field]) => fields.includes(field)));
}

/** Each field's columns: a statement that does not read a field names none of them. */
const COLUMNS: Record<(typeof SUBJECT_FIELDS.EducationSection)[number], string[]> = {
  senStatus: ['sen_status'],
  school: ['education.school', 's.name'],
  attendancePercent: ['attendance_percent'],
  sencoNotes: ['senco_notes'],
  provisions: ['education.provision', 'hours_per_week'],
  updatedAt: ['updated_at'],
};

/** The distinct field lists the policy table gives roles for this section (read only those). */
const ROLE_FIELD_SETS = [
  ...new Map(
    Object.values(POLICY_TABLE)
      .map((policy) => policy.read.EducationSection as readonly string[])
      .filter((fields) => fields.length > 0)
      .map((fields) => [fields.join(','), fields]),
  ).values(),
];

describe(`education sections in one statement (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
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
    await seedEducation(db, dataset);
    // Rows the synthetic set may not have: a pupil with many provisions (two on one day, a
    // fractional number of hours, no hours, no provider), one with every nullable column null,
    // one with no provision at all, and an updated_at with microseconds (a JS Date cannot hold
    // them: both readers must cut alike).
    [many, nulls, none] = dataset.children.map((c) => c.id) as [string, string, string];
    await db.db.delete(provision).where(inArray(provision.childId, [many, nulls, none]));
    await db.db.insert(provision).values([
      ...Array.from({ length: 12 }, (_, i) => ({
        id: randomUUID(),
        childId: many,
        description: `Provision ${i}`,
        hoursPerWeek: i % 3 === 0 ? null : i + 0.25,
        startDate: `2024-0${1 + (i % 9)}-15`,
        provider: i % 2 === 0 ? null : 'School-based',
      })),
      {
        id: randomUUID(),
        childId: many,
        description: 'Same day',
        hoursPerWeek: 2.5,
        startDate: '2024-01-15',
      },
      { id: randomUUID(), childId: nulls, description: 'All null', startDate: '2023-09-01' },
    ]);
    await db.db
      .update(pupil)
      .set({ attendancePercent: null, sencoNotes: null })
      .where(eq(pupil.childId, nulls));
    await db.query(
      `update education.pupil set updated_at = '2025-04-05 06:07:08.123456+00', attendance_percent = 97.25 where child_id = $1`,
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
      expect(actual.size).toBe(dataset.children.length);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [id, section] of expected) expect(actual.get(id), id).toEqual(section);
      // The oracle saw what was written: the rows added above are there.
      const manyRows = actual.get(many)!;
      expect(manyRows.updatedAt).toBe('2025-04-05T06:07:08.123Z');
      expect(manyRows.attendancePercent).toBe(97.25);
      expect(manyRows.provisions).toHaveLength(13);
      expect(manyRows.provisions.filter((p) => p.startDate === '2024-01-15')).toHaveLength(3);
      expect(manyRows.provisions.some((p) => p.hoursPerWeek === 2.5)).toBe(true);
      expect(actual.get(nulls)).toMatchObject({ attendancePercent: null, sencoNotes: null });
      expect(actual.get(nulls)!.provisions).toEqual([
        expect.objectContaining({ hoursPerWeek: null, provider: null }),
      ]);
      expect(actual.get(none)!.provisions).toEqual([]);
    },
  );

  it('with the fields a role may read: the same values, and no other field read from the database', async () => {
    expect(ROLE_FIELD_SETS.length).toBeGreaterThan(1);
    const expected = await twoSelectReader(db, ids);
    for (const fields of ROLE_FIELD_SETS) {
      const actual = await findSections(db, ids, fields);
      for (const [id, section] of expected)
        expect(actual.get(id), `${fields} ${id}`).toEqual(only(section, fields));
      const { text } = educationStatement(fields);
      for (const field of SUBJECT_FIELDS.EducationSection) {
        for (const column of COLUMNS[field]) {
          expect(text.includes(column), `${fields}: ${column}`).toBe(fields.includes(field));
        }
      }
    }
    // The health practitioner's and social worker's list has no SENCO notes: not selected.
    const withoutNotes = POLICY_TABLE.health_practitioner.read.EducationSection;
    expect(educationStatement(withoutNotes).text).not.toContain('senco_notes');
    const texts = await statementTexts(db, () => findSections(db, ids, withoutNotes));
    if (texts !== null) {
      expect(texts).toHaveLength(1);
      expect(texts[0]).not.toContain('senco_notes');
    }
  });

  it('one statement per call, however many children; one prepared text per distinct field set', async () => {
    const statements = await countStatements(db, async () => {
      await findSections(db, [ids[0]!]);
      await findSections(db, ids);
      await findSections(db, []);
    });
    if (statements !== null) expect(statements).toBe(2);
    // The same field set in another order or with unknown names is the same text.
    const all = SUBJECT_FIELDS.EducationSection;
    expect(educationStatement([...all].reverse())).toBe(educationStatement(all));
    expect(educationStatement([...all, 'nhsNumber'])).toBe(educationStatement(all));
    if (db.kind !== 'postgres') return;
    // On one connection, any number of reads with the roles' field lists leaves one prepared
    // statement per list: preparing is bounded.
    const single = await database.open({ maxConnections: 1 });
    for (let i = 0; i < 3; i++) for (const fields of ROLE_FIELD_SETS) await findSections(single, ids, fields);
    const [{ n } = { n: 0 }] = await single.query<{ n: number }>(
      `select count(*)::int as n from pg_prepared_statements where statement like '%from education.pupil p%'`,
    );
    expect(n).toBe(ROLE_FIELD_SETS.length);
  });

  it('reads fresh every time: a row written a moment ago is in the next read', async () => {
    const child = dataset.children[5]!;
    const before = (await findSections(db, [child.id])).get(child.id)!;
    await db.db.insert(provision).values({
      id: randomUUID(),
      childId: child.id,
      description: 'Written a moment ago',
      startDate: '2026-01-01',
    });
    const after = (await findSections(db, [child.id])).get(child.id)!;
    expect(after.provisions).toHaveLength(before.provisions.length + 1);
    expect(after.provisions.map((p) => p.description)).toContain('Written a moment ago');
  });
});
