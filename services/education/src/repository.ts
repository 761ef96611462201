import type { DbHandle } from '@hub/db';
import { eq, inArray } from 'drizzle-orm';
import { provision, pupil, school } from './tables.ts';

export interface EducationSection {
  senStatus: string;
  school: { id: string; name: string };
  attendancePercent: number | null;
  sencoNotes: string | null;
  provisions: Array<typeof provision.$inferSelect>;
  updatedAt: string;
}

/** One query per table for a whole batch of children (no N+1 across a search result). */
export async function findSections(db: DbHandle, childIds: string[]): Promise<Map<string, EducationSection>> {
  if (childIds.length === 0) return new Map();
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
      school: row.school,
      attendancePercent: row.pupil.attendancePercent,
      sencoNotes: row.pupil.sencoNotes,
      provisions: [],
      updatedAt: new Date(row.pupil.updatedAt).toISOString(),
    });
  }
  for (const p of provisions) sections.get(p.childId)?.provisions.push(p);
  return sections;
}
