import type { DbHandle } from '@hub/db';
import { epochMillis, isoFromMillis, jsonValue, sectionQuery } from '@hub/service-kit';
import type { provision } from './tables.ts';

export interface EducationSection {
  senStatus: string;
  school: { id: string; name: string };
  attendancePercent: number | null;
  sencoNotes: string | null;
  provisions: Array<typeof provision.$inferSelect>;
  updatedAt: string;
}

/**
 * The education sections of a batch of children in ONE prepared statement, reading only the
 * columns of the fields the caller may see (the SENCO's notes are not even read for a health
 * practitioner). The pupil row with its school (joined only when `school` is asked for: school_id
 * is a not-null foreign key, so the join never drops a pupil) and its provisions aggregated with
 * json_agg, oldest first, ties by id. Values as drizzle gave them: numerics as numbers, dates as
 * ISO `date` text, `updatedAt` as an ISO instant whatever the session time zone. The old reader
 * (two drizzle SELECTs, unprepared) is the oracle in test/sections.int.test.ts.
 */
const sections = sectionQuery<'EducationSection', EducationSection>({
  subject: 'EducationSection',
  from: 'education.pupil p',
  childId: 'p.child_id',
  columns: {
    senStatus: { select: ['p.sen_status'], value: (row) => row.sen_status },
    school: {
      select: [`json_build_object('id', s.id, 'name', s.name) as school`],
      join: 'join education.school s on s.id = p.school_id',
      value: (row) => jsonValue(row.school),
    },
    attendancePercent: {
      select: ['p.attendance_percent'],
      // numeric: text from the driver; drizzle's `mode: 'number'` is Number(text).
      value: (row) => (row.attendance_percent === null ? null : Number(row.attendance_percent)),
    },
    sencoNotes: { select: ['p.senco_notes'], value: (row) => row.senco_notes },
    provisions: {
      select: [
        `coalesce((
    select json_agg(json_build_object(
      'id', v.id, 'childId', v.child_id, 'description', v.description,
      'hoursPerWeek', v.hours_per_week, 'startDate', v.start_date, 'provider', v.provider)
      order by v.start_date, v.id)
    from education.provision v where v.child_id = p.child_id), '[]') as provisions`,
      ],
      value: (row) => jsonValue(row.provisions),
    },
    updatedAt: {
      select: [epochMillis('p.updated_at', 'updated_at')],
      value: (row) => isoFromMillis(row.updated_at),
    },
  },
});

/** The statement for a set of permitted fields (tests). */
export const educationStatement = sections.statement;

/** The education sections of the given children (a child with no pupil row is absent). */
export function findSections(
  db: DbHandle,
  childIds: readonly string[],
): Promise<Map<string, EducationSection>>;
export function findSections(
  db: DbHandle,
  childIds: readonly string[],
  fields: readonly string[],
): Promise<Map<string, Partial<EducationSection>>>;
export function findSections(db: DbHandle, childIds: readonly string[], fields?: readonly string[]) {
  return fields ? sections.find(db, childIds, fields) : sections.find(db, childIds);
}
