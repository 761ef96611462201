import type { DbHandle } from '@hub/db';
import { epochMillis, isoFromMillis, jsonValue, sectionQuery } from '@hub/service-kit';
import type { diagnosis, involvement, pathwayWait, supportWhileWaiting } from './tables.ts';

type Involvement = typeof involvement.$inferSelect & { active: boolean };
type PathwayWaitRow = typeof pathwayWait.$inferSelect & {
  supportWhileWaiting: Array<typeof supportWhileWaiting.$inferSelect>;
};
type Diagnosis = typeof diagnosis.$inferSelect;

export interface HealthSection {
  involvements: Involvement[];
  pathwayWaits: PathwayWaitRow[];
  diagnoses: Diagnosis[];
  updatedAt: string;
}

/**
 * The health sections of a batch of children in ONE statement: each child's health record
 * with its involvements, pathway waits (each with the support offered while waiting) and
 * diagnoses aggregated as JSON arrays, in the order the section shows them; only the fields the
 * caller may see are read (@hub/service-kit sectionQuery; today every role that sees the health
 * section sees all of it, so there is one text).
 *
 * Why one statement: the section is read on every full record; five drizzle SELECTs cost five
 * round trips and building five queries in JavaScript on every call (drizzle was the largest
 * item in the health service's profile, scripts/bench/record-load.ts). The text never changes
 * (the ids are one array parameter), so it is a prepared statement on each connection.
 * Dates travel as PostgreSQL's ISO `date` text, as drizzle's `mode: 'string'` gives them; the
 * record's `updated_at` as epoch milliseconds, so the ISO string does not depend on the
 * session's time zone. Ties in a date are broken by id (the five SELECTs left them unordered).
 */
const sections = sectionQuery<'HealthSection', HealthSection>({
  subject: 'HealthSection',
  from: 'health.health_record h',
  childId: 'h.child_id',
  columns: {
    involvements: {
      select: [
        `coalesce((
    select json_agg(json_build_object(
      'id', i.id, 'childId', i.child_id, 'organisationId', i.organisation_id, 'service', i.service,
      'startDate', i.start_date, 'endDate', i.end_date, 'source', i.source,
      'sourcePatient', i.source_patient, 'active', i.end_date is null)
      order by i.start_date, i.id)
    from health.involvement i where i.child_id = h.child_id), '[]') as involvements`,
      ],
      value: (row) => jsonValue(row.involvements),
    },
    pathwayWaits: {
      select: [
        `coalesce((
    select json_agg(json_build_object(
      'id', w.id, 'childId', w.child_id, 'pathway', w.pathway, 'referralDate', w.referral_date,
      'seenDate', w.seen_date, 'source', w.source, 'sourcePatient', w.source_patient,
      'supportWhileWaiting', coalesce((
        select json_agg(json_build_object(
          'id', s.id, 'childId', s.child_id, 'pathwayWaitId', s.pathway_wait_id,
          'description', s.description, 'offeredBy', s.offered_by, 'offeredOn', s.offered_on,
          'source', s.source, 'sourcePatient', s.source_patient)
          order by s.offered_on, s.id)
        from health.support_while_waiting s where s.pathway_wait_id = w.id), '[]'))
      order by w.referral_date, w.id)
    from health.pathway_wait w where w.child_id = h.child_id), '[]') as pathway_waits`,
      ],
      value: (row) => jsonValue(row.pathway_waits),
    },
    diagnoses: {
      select: [
        `coalesce((
    select json_agg(json_build_object(
      'id', d.id, 'childId', d.child_id, 'description', d.description,
      'diagnosedOn', d.diagnosed_on, 'source', d.source, 'sourcePatient', d.source_patient)
      order by d.diagnosed_on, d.id)
    from health.diagnosis d where d.child_id = h.child_id), '[]') as diagnoses`,
      ],
      value: (row) => jsonValue(row.diagnoses),
    },
    updatedAt: {
      select: [epochMillis('h.updated_at', 'updated_at')],
      value: (row) => isoFromMillis(row.updated_at),
    },
  },
});

/** The statement for a set of permitted fields (tests). */
export const healthStatement = sections.statement;

/** The health sections of the given children (a child with no health record is absent). */
export function findSections(db: DbHandle, childIds: readonly string[]): Promise<Map<string, HealthSection>>;
export function findSections(
  db: DbHandle,
  childIds: readonly string[],
  fields: readonly string[],
): Promise<Map<string, Partial<HealthSection>>>;
export function findSections(db: DbHandle, childIds: readonly string[], fields?: readonly string[]) {
  return fields ? sections.find(db, childIds, fields) : sections.find(db, childIds);
}
