import type { DbHandle } from '@hub/db';
import { epochMillis, isoFromMillis, jsonValue, sectionQuery } from '@hub/service-kit';
import type { shortBreak } from './tables.ts';

export interface SocialCareSection {
  status: string;
  allocatedWorker: { name: string; team: string | null } | null;
  shortBreaks: Array<typeof shortBreak.$inferSelect>;
  updatedAt: string;
}

/**
 * The social care sections of a batch of children in ONE prepared statement, reading only the
 * columns of the fields the caller may see (a case's status is not even read for the school,
 * health or the family). The case record with its short breaks aggregated with json_agg,
 * oldest first, ties by id. Values as drizzle gave them: dates as ISO `date` text, `updatedAt`
 * as an ISO instant whatever the session time zone. The old reader (two drizzle SELECTs,
 * unprepared) is the oracle in test/sections.int.test.ts.
 */
const sections = sectionQuery<'SocialCareSection', SocialCareSection>({
  subject: 'SocialCareSection',
  from: 'social_care.case_record c',
  childId: 'c.child_id',
  columns: {
    status: { select: ['c.status'], value: (row) => row.status },
    allocatedWorker: {
      select: ['c.worker_name', 'c.worker_team'],
      // No worker's name, no allocated worker (an empty name too, as before).
      value: (row) =>
        row.worker_name ? { name: row.worker_name as string, team: row.worker_team as string | null } : null,
    },
    shortBreaks: {
      select: [
        `coalesce((
    select json_agg(json_build_object(
      'id', b.id, 'childId', b.child_id, 'description', b.description,
      'nightsPerYear', b.nights_per_year, 'startDate', b.start_date)
      order by b.start_date, b.id)
    from social_care.short_break b where b.child_id = c.child_id), '[]') as short_breaks`,
      ],
      value: (row) => jsonValue(row.short_breaks),
    },
    updatedAt: {
      select: [epochMillis('c.updated_at', 'updated_at')],
      value: (row) => isoFromMillis(row.updated_at),
    },
  },
});

/** The statement for a set of permitted fields (tests). */
export const socialCareStatement = sections.statement;

/** The social care sections of the given children (a child with no case record is absent). */
export function findSections(
  db: DbHandle,
  childIds: readonly string[],
): Promise<Map<string, SocialCareSection>>;
export function findSections(
  db: DbHandle,
  childIds: readonly string[],
  fields: readonly string[],
): Promise<Map<string, Partial<SocialCareSection>>>;
export function findSections(db: DbHandle, childIds: readonly string[], fields?: readonly string[]) {
  return fields ? sections.find(db, childIds, fields) : sections.find(db, childIds);
}
