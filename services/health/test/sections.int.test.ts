import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { POLICY_TABLE, SUBJECT_FIELDS } from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { countStatements, createTestDatabase, type TestDatabase } from '@hub/testkit';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedHealth, service } from '../src/index.ts';
import { findSections, type HealthSection, healthStatement } from '../src/repository.ts';
import { diagnosis, healthRecord, involvement, pathwayWait, supportWhileWaiting } from '../src/tables.ts';

/**
 * The reader the one-statement query replaced (five drizzle SELECTs), kept here as the oracle:
 * for the same rows the new reader must give exactly the same sections, field for field and in
 * the same order (the old reader left rows with the same date unordered; the new one orders
 * those by id, so the oracle's lists are put in that order, and only within equal dates).
 */
async function fiveSelectReader(db: DbHandle, childIds: string[]): Promise<Map<string, HealthSection>> {
  const [records, involvements, waits, diagnoses, support] = await Promise.all([
    db.db.select().from(healthRecord).where(inArray(healthRecord.childId, childIds)),
    db.db
      .select()
      .from(involvement)
      .where(inArray(involvement.childId, childIds))
      .orderBy(involvement.startDate),
    db.db
      .select()
      .from(pathwayWait)
      .where(inArray(pathwayWait.childId, childIds))
      .orderBy(pathwayWait.referralDate),
    db.db.select().from(diagnosis).where(inArray(diagnosis.childId, childIds)).orderBy(diagnosis.diagnosedOn),
    db.db
      .select()
      .from(supportWhileWaiting)
      .where(inArray(supportWhileWaiting.childId, childIds))
      .orderBy(supportWhileWaiting.offeredOn),
  ]);
  const sections = new Map<string, HealthSection>();
  for (const r of records) {
    sections.set(r.childId, {
      involvements: [],
      pathwayWaits: [],
      diagnoses: [],
      updatedAt: new Date(r.updatedAt).toISOString(),
    });
  }
  for (const i of involvements)
    sections.get(i.childId)?.involvements.push({ ...i, active: i.endDate === null });
  for (const w of waits) {
    sections
      .get(w.childId)
      ?.pathwayWaits.push({ ...w, supportWhileWaiting: support.filter((s) => s.pathwayWaitId === w.id) });
  }
  for (const d of diagnoses) sections.get(d.childId)?.diagnoses.push(d);
  return sections;
}

/** Stable sort by (date, id): only rows with the same date move (nulls last, as PostgreSQL sorts them). */
function byDateThenId<T extends { id: string }>(rows: T[], date: (row: T) => string | null): T[] {
  const key = (row: T) => date(row) ?? '\uffff';
  return [...rows].sort((a, b) => key(a).localeCompare(key(b)) || a.id.localeCompare(b.id));
}

function tiesById(sections: Map<string, HealthSection>): Map<string, HealthSection> {
  return new Map(
    [...sections].map(([id, s]) => [
      id,
      {
        ...s,
        involvements: byDateThenId(s.involvements, (i) => i.startDate),
        pathwayWaits: byDateThenId(s.pathwayWaits, (w) => w.referralDate).map((w) => ({
          ...w,
          supportWhileWaiting: byDateThenId(w.supportWhileWaiting, (x) => x.offeredOn),
        })),
        diagnoses: byDateThenId(s.diagnoses, (d) => d.diagnosedOn),
      },
    ]),
  );
}

describe(`health sections in one statement (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  let database: TestDatabase;
  let db: DbHandle;
  let dataset: SyntheticDataset;
  let ids: string[];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 30 });
    await service.prepareDatabase(db);
    await seedHealth(db, dataset);
    const withHealth = dataset.children.filter((c) => c.health);
    const [a, b] = withHealth;
    // Rows the synthetic set may not have: same-date ties, an undated diagnosis, an ended
    // involvement, a seen wait with two supports on one day, source columns, and an
    // updated_at with microseconds (a JS Date cannot hold them: both readers must cut alike).
    const waitId = randomUUID();
    await db.db.insert(involvement).values([
      {
        id: randomUUID(),
        childId: a!.id,
        organisationId: 'icb-1',
        service: 'Community paediatrics',
        startDate: '2024-01-01',
        endDate: '2024-06-01',
        source: 'fhir:trust-1/EpisodeOfCare/1',
        sourcePatient: 'fhir:trust-1/Patient/1',
      },
      {
        id: randomUUID(),
        childId: a!.id,
        organisationId: 'icb-2',
        service: 'Speech and language therapy',
        startDate: '2024-01-01',
        endDate: null,
      },
    ]);
    await db.db.insert(pathwayWait).values({
      id: waitId,
      childId: b!.id,
      pathway: 'SPEECH_AND_LANGUAGE',
      referralDate: '2023-02-03',
      seenDate: '2023-09-10',
    });
    await db.db.insert(supportWhileWaiting).values([
      {
        id: randomUUID(),
        childId: b!.id,
        pathwayWaitId: waitId,
        description: 'Parent workshop',
        offeredBy: 'trust-1',
        offeredOn: '2023-03-01',
      },
      {
        id: randomUUID(),
        childId: b!.id,
        pathwayWaitId: waitId,
        description: 'Sleep clinic',
        offeredBy: 'trust-1',
        offeredOn: '2023-03-01',
      },
    ]);
    await db.db.insert(diagnosis).values([
      { id: randomUUID(), childId: b!.id, description: 'Undated', diagnosedOn: null },
      { id: randomUUID(), childId: b!.id, description: 'Dated', diagnosedOn: '2022-05-05' },
    ]);
    await db.query(
      `update health.health_record set updated_at = '2025-04-05 06:07:08.123456+00' where child_id = $1`,
      [a!.id],
    );
    ids = [...dataset.children.map((c) => c.id), '00000000-0000-4000-8000-000000000000'];
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('gives exactly the sections the five-SELECT reader gave, for every child and a missing id', async () => {
    const expected = tiesById(await fiveSelectReader(db, ids));
    const actual = await findSections(db, ids);
    expect(actual.size).toBe(dataset.children.filter((c) => c.health).length);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, section] of expected) expect(actual.get(id), id).toEqual(section);
    // The oracle saw what was written: the rows added above are there.
    const [a, b] = dataset.children.filter((c) => c.health);
    expect(actual.get(a!.id)!.updatedAt).toBe('2025-04-05T06:07:08.123Z');
    expect(actual.get(a!.id)!.involvements.filter((i) => i.startDate === '2024-01-01')).toHaveLength(2);
    expect(actual.get(b!.id)!.diagnoses.at(-1)?.diagnosedOn).toBeNull();
    expect(
      actual.get(b!.id)!.pathwayWaits.find((w) => w.referralDate === '2023-02-03')?.supportWhileWaiting,
    ).toHaveLength(2);
  });

  it('answers in one statement, however many children', async () => {
    const statements = await countStatements(db, async () => {
      await findSections(db, [ids[0]!]);
      await findSections(db, ids);
    });
    if (statements !== null) expect(statements).toBe(2);
  });

  it('reads only the fields asked for: every role that sees the section reads all of it (one text)', async () => {
    const lists = Object.values(POLICY_TABLE)
      .map((policy) => policy.read.HealthSection as readonly string[])
      .filter((fields) => fields.length > 0);
    for (const fields of lists)
      expect(healthStatement(fields)).toBe(healthStatement(SUBJECT_FIELDS.HealthSection));
    // Were a role ever to see only when the section was updated, no other table would be read.
    const { text } = healthStatement(['updatedAt']);
    for (const table of ['health.involvement', 'health.pathway_wait', 'health.diagnosis'])
      expect(text).not.toContain(table);
    const expected = await findSections(db, ids);
    const actual = await findSections(db, ids, ['updatedAt']);
    for (const [id, section] of expected) expect(actual.get(id)).toEqual({ updatedAt: section.updatedAt });
  });

  it('reads fresh every time: a row written a moment ago is in the next read', async () => {
    const child = dataset.children.find((c) => c.health)!;
    const before = (await findSections(db, [child.id])).get(child.id)!;
    await db.db.insert(diagnosis).values({
      id: randomUUID(),
      childId: child.id,
      description: 'Written a moment ago',
      diagnosedOn: '2026-01-01',
    });
    const after = (await findSections(db, [child.id])).get(child.id)!;
    expect(after.diagnoses).toHaveLength(before.diagnoses.length + 1);
    expect(after.diagnoses.map((d) => d.description)).toContain('Written a moment ago');
  });
});
