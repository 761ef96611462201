import type { DbHandle } from '@hub/db';
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
 * diagnoses aggregated as JSON arrays, in the order the section shows them.
 *
 * Why one statement: the section is read on every full record; five drizzle SELECTs cost five
 * round trips and building five queries in JavaScript on every call (drizzle was the largest
 * item in the health service's profile, scripts/bench/record-load.ts). The text never changes
 * (the ids are one array parameter), so it is a prepared statement on each connection.
 * Dates travel as PostgreSQL's ISO `date` text, as drizzle's `mode: 'string'` gives them; the
 * record's `updated_at` as epoch milliseconds, so the ISO string does not depend on the
 * session's time zone. Ties in a date are broken by id (the five SELECTs left them unordered).
 */
const SECTIONS_SQL = `
select
  h.child_id,
  floor(extract(epoch from h.updated_at) * 1000) as updated_at,
  coalesce((
    select json_agg(json_build_object(
      'id', i.id, 'childId', i.child_id, 'organisationId', i.organisation_id, 'service', i.service,
      'startDate', i.start_date, 'endDate', i.end_date, 'source', i.source,
      'sourcePatient', i.source_patient, 'active', i.end_date is null)
      order by i.start_date, i.id)
    from health.involvement i where i.child_id = h.child_id), '[]') as involvements,
  coalesce((
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
    from health.pathway_wait w where w.child_id = h.child_id), '[]') as pathway_waits,
  coalesce((
    select json_agg(json_build_object(
      'id', d.id, 'childId', d.child_id, 'description', d.description,
      'diagnosedOn', d.diagnosed_on, 'source', d.source, 'sourcePatient', d.source_patient)
      order by d.diagnosed_on, d.id)
    from health.diagnosis d where d.child_id = h.child_id), '[]') as diagnoses
from health.health_record h
where h.child_id = any($1::uuid[])`;

/** A json column: parsed by postgres.js, but a string on a driver that leaves json alone. */
type Json<T> = T | string;
const parsed = <T>(value: Json<T>): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);

interface Row {
  child_id: string;
  updated_at: number | string;
  involvements: Json<Involvement[]>;
  pathway_waits: Json<PathwayWaitRow[]>;
  diagnoses: Json<Diagnosis[]>;
}

/** The health sections of the given children (a child with no health record is absent). */
export async function findSections(db: DbHandle, childIds: string[]): Promise<Map<string, HealthSection>> {
  const sections = new Map<string, HealthSection>();
  if (childIds.length === 0) return sections;
  const rows = await db.query<Row>(SECTIONS_SQL, [childIds], { prepare: true });
  for (const row of rows) {
    sections.set(row.child_id, {
      involvements: parsed(row.involvements),
      pathwayWaits: parsed(row.pathway_waits),
      diagnoses: parsed(row.diagnoses),
      updatedAt: new Date(Number(row.updated_at)).toISOString(),
    });
  }
  return sections;
}
