import type { DbHandle } from '@hub/db';
import type { CapacityRepresentativeEntry, ChildAccessFacts, ConsentKind, ConsentRecord } from '@hub/policy';
import { DrizzleQueryError } from 'drizzle-orm/errors';

/**
 * An instant as the exact string `Date#toISOString` gives for it (UTC, milliseconds truncated as
 * drizzle's Date truncates them), whatever the session time zone; NULL stays NULL.
 */
const isoUtc = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The access facts of a batch of children in ONE statement (with the child's identity columns,
 * see readChildren): each child row with its
 * relationships, family members, consents, break-glass entries and capacity representatives
 * (consent/capacity-facts.ts describes those) aggregated as JSON arrays.
 *
 * Why one statement: the facts are read on every request, by the record itself and for each
 * adapter (POST /internal/access-facts), so a SELECT per table (five, then six) made access
 * facts 20 of the 35 statements of a full child record, then 24 of 39. One statement is one round trip, one snapshot and
 * one plan per read (prepared once per connection, `{ prepare: true }`: the text never changes,
 * the ids are one array parameter; without it postgres.js parsed and planned it on every call,
 * in two round trips). Always read fresh: there is no cache anywhere.
 *
 * Plain SQL through DbHandle.query so both drivers (postgres.js and PGlite) return the same
 * plain rows. Instants travel as epoch milliseconds (exact: `extract(epoch …)` is numeric), so
 * the ISO strings are the same as a Date read through drizzle gives, whatever the session time
 * zone (consents' instants, ~10 a child, come as those ISO strings already: `isoUtc`);
 * `to_char(date_of_birth, 'YYYY-MM-DD')` is the string drizzle's `mode: 'string'` gives.
 */
const factsColumns = (consentFilter = '') => `
  c.id,
  to_char(c.date_of_birth, 'YYYY-MM-DD') as date_of_birth,
  c.given_name, c.family_name, c.nhs_number, c.upn, c.la_id,
  c.parent_access_confirmed_by_young_person as confirmed,
  coalesce((
    select json_agg(json_build_object('orgId', r.org_id, 'kind', r.kind, 'active', r.active)
                    order by r.org_id, r.kind)
    from record.child_relationship r where r.child_id = c.id), '[]') as relationships,
  coalesce((
    select json_agg(json_build_object('sub', m.sub, 'relationship', m.relationship) order by m.sub)
    from record.family_member m where m.child_id = c.id), '[]') as family,
  coalesce((
    select json_agg(json_build_array(
      k.id, k.domain, k.recipient_org_type, k.purpose, k.granted_by_sub, k.granted_by_role,
      ${isoUtc('k.starts_at')}, ${isoUtc('k.expires_at')}, ${isoUtc('k.withdrawn_at')},
      ${isoUtc('k.confirmed_by_young_person_at')})
      order by k.created_at, k.id)
    from record.consent k where k.child_id = c.id${consentFilter}), '[]') as consents,
  coalesce((
    select json_agg(json_build_object(
      'sub', g.sub, 'reason', g.reason,
      'startsAt', floor(extract(epoch from g.starts_at) * 1000),
      'expiresAt', floor(extract(epoch from g.expires_at) * 1000))
      order by g.starts_at, g.id)
    from record.break_glass g where g.child_id = c.id), '[]') as break_glass,
  coalesce((
    select json_agg(json_build_object(
      'id', p.id, 'sub', p.representative_sub, 'basis', p.basis,
      'recordedAt', floor(extract(epoch from p.recorded_at) * 1000),
      'reviewBy', to_char(p.review_by, 'YYYY-MM-DD'),
      'endedAt', floor(extract(epoch from p.ended_at) * 1000))
      order by p.recorded_at, p.id)
    from record.capacity_representative p where p.child_id = c.id), '[]') as capacity`;
const FACTS_COLUMNS = factsColumns();

const ACCESS_FACTS_SQL = `select ${FACTS_COLUMNS}
from record.child c
where c.id = any($1::uuid[])`;

/**
 * The same for ONE child, the common case (a record opened by id): its own text so that
 * PostgreSQL plans it once per connection. With `= any($1::uuid[])` the cached generic plan is
 * costed for an array of unknown length (more rows than one), so against the one-element
 * custom plans it never looked cheaper and PostgreSQL planned the statement afresh on EVERY
 * call: 0.22 ms of planning for 0.12 ms of execution (pg_stat_statements with track_planning,
 * the bench's gw-one: 2,578 plans for 2,573 calls). With `= $1::uuid` the generic plan is the
 * custom one (a primary-key lookup), so it is chosen after the first five calls and kept.
 */
const ACCESS_FACTS_ONE_SQL = `select ${FACTS_COLUMNS}
from record.child c
where c.id = $1::uuid`;

interface Row {
  id: string;
  date_of_birth: string;
  given_name: string;
  family_name: string;
  nhs_number: string | null;
  upn: string | null;
  la_id: string | null;
  confirmed: boolean;
  relationships: Json<ChildAccessFacts['relationships']>;
  family: Json<Array<{ sub: string; relationship: 'parent_carer' | 'young_person' }>>;
  /** Each consent as an array (no keys to write and parse: ~10 a child, 500 on a page). */
  consents: Json<
    Array<
      [
        id: ConsentRecord['id'],
        domain: ConsentRecord['domain'],
        recipientOrgType: ConsentRecord['recipientOrgType'],
        purpose: ConsentRecord['purpose'],
        grantedBySub: ConsentRecord['grantedBySub'],
        grantedByRole: ConsentRecord['grantedByRole'],
        startsAt: string,
        expiresAt: string | null,
        withdrawnAt: string | null,
        confirmedAt: string | null,
      ]
    >
  >;
  break_glass: Json<Array<{ sub: string; reason: string; startsAt: number; expiresAt: number }>>;
  capacity: Json<
    Array<
      Omit<CapacityRepresentativeEntry, 'recordedAt' | 'endedAt'> & {
        recordedAt: number;
        endedAt: number | null;
      }
    >
  >;
}

/** A json column: parsed by postgres.js, but a string on a driver that leaves json alone. */
type Json<T> = T | string;
const parsed = <T>(value: Json<T>): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

/** Access facts of the given children (unknown ids are absent), read in one statement. */
export async function readAccessFacts(
  db: DbHandle,
  ids: readonly string[],
): Promise<Map<string, ChildAccessFacts>> {
  const facts = new Map<string, ChildAccessFacts>();
  for (const [id, read] of await readChildren(db, ids)) facts.set(id, read.facts);
  return facts;
}

/** A child's identity row (the record's own fields of Child) as the repository gives it. */
export interface ChildIdentityRow {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  nhsNumber: string | null;
  upn: string | null;
  laId: string | null;
}

/**
 * The identity row AND the access facts of each given child (unknown ids are absent), in the
 * same one statement: a request for a child by id needs both, and reading them together is one
 * round trip instead of two (the identity columns cost the facts-only readers nothing).
 */
export async function readChildren(
  db: DbHandle,
  ids: readonly string[],
): Promise<Map<string, { row: ChildIdentityRow; facts: ChildAccessFacts }>> {
  if (ids.length === 0) return new Map();
  // Prepared: two fixed texts (one id, or the ids as one array parameter), see DbHandle.query.
  const rows =
    ids.length === 1
      ? await db.query<Row>(ACCESS_FACTS_ONE_SQL, [ids[0]], { prepare: true })
      : await db.query<Row>(ACCESS_FACTS_SQL, [[...ids]], { prepare: true });
  return new Map(rows.map((row) => [row.id, fromRow(row)]));
}

export interface ChildSearchCriteria {
  name?: string | undefined;
  nhsNumber?: string | undefined;
  upn?: string | undefined;
  dateOfBirth?: string | undefined;
}

/** Which children a search may even consider: the caller's organisation's, or their family's. */
export type SearchScope =
  | { kind: 'organisation'; orgId: string; relationships: readonly string[] }
  | { kind: 'family'; sub: string };

/**
 * A search page with each child's identity row AND access facts, in ONE statement (the page's
 * ids in a subquery, then the same columns as readChildren): a search used to be the search
 * SELECT (drizzle, built afresh and unprepared) and then the facts statement for the ids it
 * found. All criteria must match (AND); the name matches given or family name,
 * case-insensitively; the scope is part of the SQL, so a search never even reads children
 * outside it. Ordered by family name, given name, id.
 *
 * `consents`: which of each child's consents to read, `'all'` or only those of the given kinds.
 * A page's facts serve only the caller's decisions on that page (resolvers.ts visibleChildren),
 * and those consult only the kinds @hub/policy `consentKindsConsulted` names for the caller and
 * purpose (its test checks every read and write decision is unchanged without the others).
 * Building every consent as JSON was the largest part of a page's statement; a partner's kinds
 * are a quarter of a child's consents or fewer (docs/performance.md, seventh round).
 *
 * Prepared: the text depends only on which criteria are given, the scope's kind and whether the
 * consents are filtered (at most 2^4 × 2 × 2 = 64 texts, each prepared once per connection); the
 * values are parameters.
 */
export async function searchChildrenWithFacts(
  db: DbHandle,
  criteria: ChildSearchCriteria,
  limit: number,
  scope: SearchScope,
  { offset = 0, consents }: { offset?: number; consents: readonly ConsentKind[] | 'all' },
): Promise<Array<{ row: ChildIdentityRow; facts: ChildAccessFacts }>> {
  const params: unknown[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (criteria.name) {
    const p = param(`%${criteria.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    where.push(`(s.given_name ilike ${p} or s.family_name ilike ${p})`);
  }
  if (criteria.nhsNumber) where.push(`s.nhs_number = ${param(criteria.nhsNumber)}`);
  if (criteria.upn) where.push(`s.upn = ${param(criteria.upn)}`);
  if (criteria.dateOfBirth) where.push(`s.date_of_birth = ${param(criteria.dateOfBirth)}::date`);
  where.push(
    scope.kind === 'organisation'
      ? `exists (select 1 from record.child_relationship r where r.child_id = s.id and r.org_id = ${param(scope.orgId)} and r.active and r.kind = any(${param([...scope.relationships])}::text[]))`
      : `exists (select 1 from record.family_member m where m.child_id = s.id and m.sub = ${param(scope.sub)})`,
  );
  // Each kind as one text ('local_authority/ehc_assessment'): both vocabularies are closed and
  // neither holds a '/'. No kinds at all reads no consents.
  const columns =
    consents === 'all'
      ? FACTS_COLUMNS
      : factsColumns(
          ` and k.recipient_org_type || '/' || k.purpose = any(${param(consents.map((k) => `${k.recipientOrgType}/${k.purpose}`))}::text[])`,
        );
  const sql = `select ${columns}
from (select s.id from record.child s
      where ${where.join(' and ')}
      order by s.family_name, s.given_name, s.id
      limit ${param(limit)} offset ${param(offset)}) page
join record.child c on c.id = page.id
order by c.family_name, c.given_name, c.id`;
  try {
    return (await db.query<Row>(sql, params, { prepare: true })).map(fromRow);
  } catch (error) {
    // Reported as drizzle reports a failed query (the SQL text, the driver's error as `cause`),
    // so the services' log serializer keeps the SQL and PostgreSQL's code and drops the values
    // (a search binds NHS numbers and names): service-kit logger.ts, log-redaction.int.test.ts.
    throw new DrizzleQueryError(sql, params, error as Error);
  }
}

function fromRow(row: Row): { row: ChildIdentityRow; facts: ChildAccessFacts } {
  const family = parsed(row.family);
  const facts: ChildAccessFacts = {
    childId: row.id,
    dateOfBirth: row.date_of_birth,
    relationships: parsed(row.relationships),
    parentCarerSubs: family.filter((m) => m.relationship === 'parent_carer').map((m) => m.sub),
    youngPersonSub: family.findLast((m) => m.relationship !== 'parent_carer')?.sub ?? null,
    parentAccessConfirmedByYoungPerson: row.confirmed,
    consents: parsed(row.consents).map((k) => ({
      id: k[0],
      childId: row.id,
      domain: k[1],
      recipientOrgType: k[2],
      purpose: k[3],
      grantedBySub: k[4],
      grantedByRole: k[5],
      startsAt: k[6],
      expiresAt: k[7],
      withdrawnAt: k[8],
      confirmedByYoungPersonAt: k[9],
    })),
    breakGlass: parsed(row.break_glass).map((g) => ({
      sub: g.sub,
      reason: g.reason,
      startsAt: iso(g.startsAt),
      expiresAt: iso(g.expiresAt),
    })),
    capacityRepresentatives: parsed(row.capacity).map((p) => ({
      id: p.id,
      sub: p.sub,
      basis: p.basis,
      recordedAt: iso(p.recordedAt),
      reviewBy: p.reviewBy,
      endedAt: isoOrNull(p.endedAt),
    })),
  };
  return {
    row: {
      id: row.id,
      givenName: row.given_name,
      familyName: row.family_name,
      dateOfBirth: row.date_of_birth,
      nhsNumber: row.nhs_number,
      upn: row.upn,
      laId: row.la_id,
    },
    facts,
  };
}
