import type { DbHandle } from '@hub/db';
import { buildSyntheticDataset, laCodeOf, type SyntheticDataset, schoolDfeNumber } from '@hub/synthetic';
import { sql } from 'drizzle-orm';
import { council, provision, pupil, school } from './tables.ts';

export async function seedEducation(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const pupils = dataset.children.map((c) => ({
    childId: c.id,
    schoolId: c.schoolId,
    senStatus: c.education.senStatus,
    attendancePercent: c.education.attendancePercent,
    sencoNotes: c.education.sencoNotes,
    updatedAt: c.education.updatedAt,
  }));
  return writeSeed(db, dataset, pupils);
}

/** Schools, councils, the given pupil rows and every provision, in one transaction. */
async function writeSeed(
  db: DbHandle,
  dataset: SyntheticDataset,
  pupils: (typeof pupil.$inferInsert)[],
): Promise<number> {
  const provisions = dataset.children.flatMap((c) =>
    c.education.provisions.map((p) => ({ ...p, childId: c.id })),
  );
  await db.db.transaction(async (tx) => {
    await tx
      .insert(school)
      .values(dataset.schools.map((s) => ({ id: s.id, name: s.name, ...schoolDfeNumber(s) })));
    // The councils the hub serves, by DfE LA code: CTFs addressed elsewhere are refused.
    const councils = dataset.councils ?? [dataset.localAuthority];
    await tx.insert(council).values(councils.map((c) => ({ id: c.id, laCode: laCodeOf(c.id) })));
    for (let i = 0; i < pupils.length; i += 200) await tx.insert(pupil).values(pupils.slice(i, i + 200));
    for (let i = 0; i < provisions.length; i += 200)
      await tx.insert(provision).values(provisions.slice(i, i + 200));
  });
  return dataset.schools.length + pupils.length + provisions.length;
}

/**
 * What no school export carries, for a hub whose pupils come in through CTFs (`pnpm start` seeds
 * through the adapters): the schools and councils (the hub's own register), and the school's own
 * entries in the hub — SENCO notes and SEN provision (a CTF has SEN provision type N/K/E, SEN
 * needs and attendance, no notes, no provision descriptions or hours). A note or a provision needs
 * its pupil row: it is written with SEN status NO_SEN and no attendance, and the school's CTF sets
 * both (the ingest refreshes SEN status, attendance, school and "last updated" and keeps the note).
 */
export async function seedEducationLocal(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const notes = dataset.children
    .filter((c) => c.education.sencoNotes !== null || c.education.provisions.length > 0)
    .map((c) => ({
      childId: c.id,
      schoolId: c.schoolId,
      senStatus: 'NO_SEN' as const,
      attendancePercent: null,
      sencoNotes: c.education.sencoNotes,
      updatedAt: c.education.updatedAt,
    }));
  return writeSeed(db, dataset, notes);
}

export async function seedEducationLocalIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(school);
  if ((row?.n ?? 0) > 0) return 0;
  return seedEducationLocal(db, buildSyntheticDataset());
}

export async function seedEducationIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(school);
  if ((row?.n ?? 0) > 0) return 0;
  return seedEducation(db, buildSyntheticDataset());
}
