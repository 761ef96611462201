import type { DbHandle } from '@hub/db';
import { SECTION_DOMAIN } from '@hub/policy';
import { z } from 'zod';
import { AuditInputError, type AuditOutcome, OUTCOMES, type StoredAuditEvent } from './event.ts';
import { EVENT_COLUMNS, type EventRow, rowToEvent } from './store.ts';

export interface AuditFilter {
  childId?: string | null;
  actorSub?: string | null;
  /** The actor's organisation id (`actor_org`). */
  organisation?: string | null;
  /** ISO timestamp, inclusive. */
  from?: string | null;
  /** ISO timestamp, exclusive. */
  to?: string | null;
  breakGlass?: boolean | null;
  outcome?: AuditOutcome | null;
  /**
   * Only write-ahead attempts whose outcome was never recorded (no later event of the same
   * request id): the change may or may not have been made, so these are the ones to follow up.
   */
  withoutOutcome?: boolean | null;
  /**
   * Tenancy: only events a council's auditor may see (set by the audit service from the
   * auditor's own council, never by the caller): events naming that council, plus events that
   * concern no council at all (format 1, written before tenancy; refusals naming no child and
   * by no council's staff; events whose councils could not be resolved, marked `unknown`).
   */
  council?: string | null;
}

/** The marker the gateway writes when it could not find the councils of an event's children. */
export const UNKNOWN_COUNCIL = 'unknown';

export interface PageOptions {
  /** 1..200, default 50. */
  first?: number | null;
  /** endCursor of the previous page. */
  after?: string | null;
}

export interface AuditEventPage {
  edges: Array<{ cursor: string; node: StoredAuditEvent }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Opaque to callers; inside, just the seq to continue below. Keyset paging: page 10,000 costs
// what page 1 costs.
export function encodeCursor(seq: number): string {
  return Buffer.from(`audit:${seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const match = /^audit:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : null;
}

const isoInstant = z.iso.datetime({ offset: true });

interface ValidQuery {
  filter: AuditFilter;
  first: number;
  afterSeq: number | null;
}

/** Every problem with a filter and page at once (shown to auditors as INVALID_INPUT). */
export function validateAuditQuery(filter: AuditFilter = {}, page: PageOptions = {}): ValidQuery {
  const problems: string[] = [];
  if (filter.childId != null && !UUID.test(filter.childId)) problems.push('childId must be a UUID');
  for (const key of ['from', 'to'] as const) {
    const value = filter[key];
    if (value != null && !isoInstant.safeParse(value).success) {
      problems.push(`${key} must be an ISO timestamp with a time zone, e.g. 2026-03-01T00:00:00Z`);
    }
  }
  if (filter.from != null && filter.to != null && Date.parse(filter.from) >= Date.parse(filter.to)) {
    problems.push('from must be before to');
  }
  if (filter.outcome != null && !(OUTCOMES as readonly string[]).includes(filter.outcome)) {
    problems.push(`outcome must be one of ${OUTCOMES.join(', ')}`);
  }
  for (const key of ['actorSub', 'organisation', 'council'] as const) {
    const value = filter[key];
    if (value != null && (value.length === 0 || value.length > 300))
      problems.push(`${key} must be 1 to 300 characters`);
  }
  const first = page.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    problems.push(`first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  const afterSeq = page.after != null ? decodeCursor(page.after) : null;
  if (page.after != null && afterSeq === null) problems.push('after is not a cursor returned by this API');
  if (problems.length > 0) throw new AuditInputError(problems);
  return {
    filter: { ...filter, ...(filter.childId != null ? { childId: filter.childId.toLowerCase() } : {}) },
    first,
    afterSeq,
  };
}

/**
 * The seq range a time range covers. occurred_at never decreases along seq (the writer sets it
 * under the chain lock), so two probes of the (occurred_at, seq) index turn [from, to) into
 * [lo, hi]; the main query is then a plain range scan on whichever index its filter picks
 * (child, actor, organisation, ...). Null: nothing in the range.
 */
async function seqRange(
  handle: Pick<DbHandle, 'query'>,
  from: string | null | undefined,
  to: string | null | undefined,
): Promise<{ lo: number | null; hi: number | null } | null> {
  let lo: number | null = null;
  let hi: number | null = null;
  if (from != null) {
    const [row] = await handle.query<{ seq: string }>(
      'select e.seq::text as seq from audit.event e where e.occurred_at >= $1::timestamptz order by e.occurred_at, e.seq limit 1',
      [from],
    );
    if (!row) return null;
    lo = Number(row.seq);
  }
  if (to != null) {
    const [row] = await handle.query<{ seq: string }>(
      'select e.seq::text as seq from audit.event e where e.occurred_at < $1::timestamptz order by e.occurred_at desc, e.seq desc limit 1',
      [to],
    );
    if (!row) return null;
    hi = Number(row.seq);
  }
  if (lo !== null && hi !== null && lo > hi) return null;
  return { lo, hi };
}

/**
 * SQL for one page. The child filter drives from audit.event_child (its primary key is
 * (child_id, seq)); everything else filters audit.event, where the planner picks the
 * (actor_sub, seq), (actor_org, seq) or a partial index. Outcome and break-glass are written
 * as literals (they are validated enums) so the partial indexes match even in generic plans.
 */
function pageSql(
  filter: AuditFilter,
  range: { lo: number | null; hi: number | null },
  boundary: number | null,
  direction: 'desc' | 'asc',
  limit: number,
) {
  const params: unknown[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const seqCol = filter.childId != null ? 'c.seq' : 'e.seq';
  const where: string[] = [];
  if (filter.childId != null) where.push(`c.child_id = ${p(filter.childId)}::uuid`);
  if (range.lo !== null) where.push(`${seqCol} >= ${p(range.lo)}::bigint`);
  if (range.hi !== null) where.push(`${seqCol} <= ${p(range.hi)}::bigint`);
  if (boundary !== null) where.push(`${seqCol} ${direction === 'desc' ? '<' : '>'} ${p(boundary)}::bigint`);
  if (filter.from != null) where.push(`e.occurred_at >= ${p(filter.from)}::timestamptz`);
  if (filter.to != null) where.push(`e.occurred_at < ${p(filter.to)}::timestamptz`);
  if (filter.actorSub != null) where.push(`e.actor_sub = ${p(filter.actorSub)}`);
  if (filter.organisation != null) where.push(`e.actor_org = ${p(filter.organisation)}`);
  if (filter.breakGlass === true) where.push('e.break_glass');
  if (filter.breakGlass === false) where.push('not e.break_glass');
  if (filter.outcome != null) where.push(`e.outcome = '${filter.outcome}'`);
  if (filter.council != null) {
    where.push(`(e.councils is null or cardinality(e.councils) = 0
      or e.councils && array[${p(filter.council)}, '${UNKNOWN_COUNCIL}']::text[])`);
  }
  // Both events of a mutation have operation_type 'mutation': the partial index
  // event_mutation_request_idx (0005) answers the lookup without touching reads' events.
  if (filter.withoutOutcome === true) {
    where.push(`e.outcome = 'attempted' and not exists (
      select 1 from audit.event o
       where o.operation_type = 'mutation' and o.request_id = e.request_id and o.seq > e.seq)`);
  }
  const from =
    filter.childId != null ? 'audit.event_child c join audit.event e on e.seq = c.seq' : 'audit.event e';
  const sql = `select ${EVENT_COLUMNS} from ${from}
    ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
    order by ${seqCol} ${direction} limit ${p(limit)}`;
  return { sql, params };
}

/** One page of events matching the filter, newest first, with an opaque cursor for the next. */
export async function queryAuditEvents(
  handle: Pick<DbHandle, 'query'>,
  filter: AuditFilter = {},
  page: PageOptions = {},
): Promise<AuditEventPage> {
  const valid = validateAuditQuery(filter, page);
  const range = await seqRange(handle, valid.filter.from, valid.filter.to);
  if (!range) return { edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
  const { sql, params } = pageSql(valid.filter, range, valid.afterSeq, 'desc', valid.first + 1);
  const rows = await handle.query<EventRow>(sql, params);
  const edges = rows.slice(0, valid.first).map((row) => {
    const node = rowToEvent(row);
    return { cursor: encodeCursor(node.seq), node };
  });
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > valid.first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** Every matching event, oldest first, in batches (the export streams this). */
export async function* iterateAuditEvents(
  handle: Pick<DbHandle, 'query'>,
  filter: AuditFilter = {},
  options: { batchSize?: number } = {},
): AsyncGenerator<StoredAuditEvent> {
  const valid = validateAuditQuery(filter, {});
  const range = await seqRange(handle, valid.filter.from, valid.filter.to);
  if (!range) return;
  let boundary: number | null = null;
  const batchSize = options.batchSize ?? 1000;
  for (;;) {
    const { sql, params } = pageSql(valid.filter, range, boundary, 'asc', batchSize);
    const rows = await handle.query<EventRow>(sql, params);
    for (const row of rows) yield rowToEvent(row);
    if (rows.length < batchSize) return;
    boundary = Number(rows[rows.length - 1]!.seq);
  }
}

/** Subjects that are about the audit log itself, not the child's record. */
export const AUDIT_META_SUBJECTS = ['AccessHistory', 'AuditTrail'] as const;

/**
 * How a family's access history names what was seen: a stable key per policy subject (the
 * portal turns each into plain words). A subject without a key here is listed as `other`
 * rather than leaking an internal type name.
 */
export const FAMILY_SECTION_KEYS: Readonly<Record<string, string>> = {
  Child: 'identity',
  // Each section by its source domain: education, health, social_care.
  ...SECTION_DOMAIN,
  FamilyInformation: 'family_information',
  EhcAssessment: 'ehc_assessment',
  HealthAdvice: 'health_advice',
  EducationalAdvice: 'educational_advice',
  SocialCareAdvice: 'social_care_advice',
  Consent: 'consent',
  BreakGlass: 'break_glass',
};

export interface AccessRecord {
  /** ISO timestamp. */
  at: string;
  /** The organisation id of whoever looked (e.g. `school-1`, `icb-1`; `family` for family members). */
  organisation: string;
  role: string;
  /** Sections seen, as FAMILY_SECTION_KEYS (identity, education, health, social_care, …). */
  sections: string[];
  purpose: string | null;
  breakGlass: boolean;
  outcome: AuditOutcome;
}

/**
 * Who saw part of this child's record, newest first: organisation, role, when, which sections,
 * purpose, break-glass. Never the person's own id: families see the organisation and role, and
 * an auditor can follow up by event. Listed: events where at least one section of the record
 * was returned for this child (denied attempts that saw nothing, and looks at the audit log
 * itself, are left out; auditors see those in auditEvents).
 */
export async function accessHistory(
  handle: Pick<DbHandle, 'query'>,
  childId: string,
  options: { first?: number } = {},
): Promise<AccessRecord[]> {
  if (!UUID.test(childId)) throw new AuditInputError(['childId must be a UUID']);
  const first = options.first ?? 100;
  if (!Number.isInteger(first) || first < 1 || first > 500)
    throw new AuditInputError(['first must be between 1 and 500']);
  const id = childId.toLowerCase();
  const rows = await handle.query<{
    at: string;
    actor_org: string | null;
    actor_role: string | null;
    purpose: string | null;
    break_glass: boolean;
    outcome: AuditOutcome;
    sections: string[] | string | null;
  }>(
    `select to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at, e.actor_org, e.actor_role,
            e.purpose, e.break_glass, e.outcome, e.child_sections -> $2 as sections
       from audit.event_child c join audit.event e on e.seq = c.seq
      where c.child_id = $1::uuid
        and exists (select 1 from jsonb_array_elements_text(coalesce(e.child_sections -> $2, '[]'::jsonb)) as s(v)
                     where s.v <> all ($3::text[]))
      order by c.seq desc limit $4`,
    [id, id, [...AUDIT_META_SUBJECTS], first],
  );
  return rows.map((row) => {
    const sections = (
      typeof row.sections === 'string' ? JSON.parse(row.sections) : (row.sections ?? [])
    ) as string[];
    return {
      at: row.at,
      organisation: row.actor_org ?? 'unknown',
      role: row.actor_role ?? 'unknown',
      sections: sections
        .filter((s) => !(AUDIT_META_SUBJECTS as readonly string[]).includes(s))
        .map((s) => FAMILY_SECTION_KEYS[s] ?? 'other')
        .filter((s, i, all) => all.indexOf(s) === i),
      purpose: row.purpose,
      breakGlass: row.break_glass,
      outcome: row.outcome,
    };
  });
}
