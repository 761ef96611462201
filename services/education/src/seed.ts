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

export async function seedEducationIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(school);
  if ((row?.n ?? 0) > 0) return 0;
  return seedEducation(db, buildSyntheticDataset());
}
