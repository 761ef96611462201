import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  type CandidateChild,
  decide,
  type MatchDecision,
  type ScoredCandidate,
  scoreCandidates,
  sourcePerson,
} from './match.ts';
import { councilForSender } from './scope.ts';
import { MAX_CANDIDATES, REVIEW_THRESHOLD, transposedDate } from './scoring.ts';
import type { Checked, SourceRecord } from './validate.ts';

type Tx = Pick<DbHandle, 'query' | 'exec'>;

/** What the adapters see: `review` covers every state in which the council still has to decide. */
export type ResultStatus = 'linked' | 'review' | 'conflict' | 'rejected';
export type SourceStatus = 'linked' | 'pending_review' | 'conflict' | 'rejected';

export interface ResolveResult {
  system: string;
  sourceId: string;
  status: ResultStatus;
  childId?: string;
  reason?: string;
}

/** Who caused a change of link: a sending system through the resolve route, or a council officer. */
export interface Actor {
  sub: string;
  role: string;
  org: string;
  requestId: string;
}

export interface SourceRow {
  id: string;
  system: string;
  source_id: string;
  org_id: string;
  council_id: string | null;
  identifiers: {
    nhsNumber: string | null;
    nhsNumberVerified: boolean;
    upn: string | null;
    laChildId: string | null;
  };
  given_name: string;
  family_name: string;
  date_of_birth: string;
  sex: SourceRecord['sex'];
  postcode: string | null;
  status: SourceStatus;
  child_id: string | null;
  candidates: ScoredCandidate[];
  reason: string;
  held: boolean;
  created_at: string;
  updated_at: string;
}

export const SOURCE_COLUMNS = `id, system, source_id, org_id, council_id, identifiers, given_name, family_name,
  date_of_birth::text as date_of_birth, sex, postcode, status, child_id, candidates, reason, held,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at,
  to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as updated_at`;

export function toResultStatus(status: SourceStatus): ResultStatus {
  return status === 'pending_review' ? 'review' : status;
}

export function recordOfRow(row: SourceRow): SourceRecord {
  return {
    system: row.system,
    sourceId: row.source_id,
    nhsNumber: row.identifiers.nhsNumber,
    nhsNumberVerified: row.identifiers.nhsNumberVerified,
    upn: row.identifiers.upn,
    laChildId: row.identifiers.laChildId,
    givenName: row.given_name,
    familyName: row.family_name,
    dateOfBirth: row.date_of_birth,
    sex: row.sex,
    postcode: row.postcode,
  };
}

/** One transaction-scoped lock for every change to the index: no two resolves race on one source or child. */
export async function lockIndex(tx: Tx): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtext('record:identity-index'))`);
}

/**
 * Blocking: the children worth scoring for each record, in ONE statement for the whole batch —
 * same date of birth, date of birth with day and month swapped, or the same NHS number, UPN or
 * LA child id (each an index lookup). Sex and postcode are not on the child row: they come from
 * the child's linked source records (most recent first), unknown when none has them.
 */
export async function loadCandidates(tx: Tx, records: readonly SourceRecord[]): Promise<CandidateChild[][]> {
  const result: CandidateChild[][] = records.map(() => []);
  if (records.length === 0) return result;
  const input = records.map((r, idx) => ({
    idx,
    dob: r.dateOfBirth,
    dob_swapped: transposedDate(r.dateOfBirth),
    nhs: r.nhsNumber,
    upn: r.upn,
    la: r.laChildId,
  }));
  const rows = await tx.query<{
    idx: number;
    id: string;
    given_name: string;
    family_name: string;
    date_of_birth: string;
    nhs_number: string | null;
    upn: string | null;
    la_id: string | null;
    sex: CandidateChild['sex'];
    postcode: string | null;
  }>(
    `with input as (
       select * from jsonb_to_recordset($1::jsonb)
         as i(idx int, dob date, dob_swapped date, nhs char(10), upn char(13), la text)
     ), hits as (
       select i.idx, c.id from input i join record.child c on c.date_of_birth = i.dob
       union select i.idx, c.id from input i join record.child c on c.date_of_birth = i.dob_swapped
       union select i.idx, c.id from input i join record.child c on c.nhs_number = i.nhs
       union select i.idx, c.id from input i join record.child c on c.upn = i.upn
       union select i.idx, c.id from input i join record.child c on c.la_id = i.la
     )
     select h.idx, c.id, c.given_name, c.family_name, c.date_of_birth::text as date_of_birth,
            c.nhs_number, c.upn, c.la_id, k.sex, k.postcode
       from hits h
       join record.child c on c.id = h.id
       left join lateral (
         select (array_agg(s.sex order by s.updated_at desc) filter (where s.sex in ('male', 'female')))[1] as sex,
                (array_agg(s.postcode order by s.updated_at desc) filter (where s.postcode is not null))[1] as postcode
           from record.identity_source s
          where s.child_id = c.id and s.status = 'linked'
       ) k on true`,
    [JSON.stringify(input)],
  );
  for (const row of rows) {
    result[row.idx]?.push({
      id: row.id,
      givenName: row.given_name,
      familyName: row.family_name,
      dateOfBirth: row.date_of_birth,
      nhsNumber: row.nhs_number,
      upn: row.upn,
      laChildId: row.la_id,
      sex: row.sex,
      postcode: row.postcode,
    });
  }
  return result;
}

interface SourceWrite {
  id: string;
  system: string;
  source_id: string;
  org_id: string;
  council_id: string | null;
  identifiers: SourceRow['identifiers'];
  given_name: string;
  family_name: string;
  date_of_birth: string;
  sex: string | null;
  postcode: string | null;
  status: SourceStatus;
  child_id: string | null;
  candidates: ScoredCandidate[];
  reason: string;
  held: boolean;
}

export interface EventWrite {
  id: string;
  source_row_id: string;
  event: string;
  status: SourceStatus;
  child_id: string | null;
  previous_child_id: string | null;
  actor_sub: string;
  actor_role: string;
  actor_org: string;
  request_id: string;
  reason: string;
}

/** Inserts or updates source rows, all in one statement. `held` is only ever set by a council decision. */
export async function writeSources(tx: Tx, rows: readonly SourceWrite[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into record.identity_source as s (id, system, source_id, org_id, council_id, identifiers,
       given_name, family_name, date_of_birth, sex, postcode, status, child_id, candidates, reason, held)
     select id, system, source_id, org_id, council_id, identifiers, given_name, family_name,
            date_of_birth, sex, postcode, status, child_id, candidates, reason, held
       from jsonb_to_recordset($1::jsonb) as x(id uuid, system text, source_id text, org_id text,
            council_id text, identifiers jsonb, given_name text, family_name text, date_of_birth date,
            sex text, postcode text, status text, child_id uuid, candidates jsonb, reason text, held boolean)
     on conflict (system, source_id) do update set
       identifiers = excluded.identifiers, given_name = excluded.given_name,
       family_name = excluded.family_name, date_of_birth = excluded.date_of_birth,
       sex = excluded.sex, postcode = excluded.postcode, status = excluded.status,
       child_id = excluded.child_id, candidates = excluded.candidates, reason = excluded.reason,
       held = excluded.held, updated_at = now()`,
    [JSON.stringify(rows)],
  );
}

/** Appends link events (the history), all in one statement. */
export async function writeEvents(tx: Tx, events: readonly EventWrite[]): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into record.identity_link_event (id, source_row_id, event, status, child_id,
       previous_child_id, actor_sub, actor_role, actor_org, request_id, reason)
     select id, source_row_id, event, status, child_id, previous_child_id, actor_sub, actor_role,
            actor_org, request_id, reason
       from jsonb_to_recordset($1::jsonb) as x(id uuid, source_row_id uuid, event text, status text,
            child_id uuid, previous_child_id uuid, actor_sub text, actor_role text, actor_org text,
            request_id text, reason text)`,
    [JSON.stringify(events)],
  );
}

function identifiersOf(r: SourceRecord): SourceRow['identifiers'] {
  return {
    nhsNumber: r.nhsNumber,
    nhsNumberVerified: r.nhsNumberVerified,
    upn: r.upn,
    laChildId: r.laChildId,
  };
}

/** What the sender told us, as one comparable string (a resend of the same data writes nothing). */
function snapshot(r: SourceRecord): string {
  return JSON.stringify([
    r.nhsNumber,
    r.nhsNumberVerified,
    r.upn,
    r.laChildId,
    r.givenName,
    r.familyName,
    r.dateOfBirth,
    r.sex,
    r.postcode,
  ]);
}

/**
 * A linked source sent again with changed data: the link stands unless an identifier now
 * contradicts it (names another child, or disagrees with the date of birth): then conflict.
 */
function recheckLink(
  record: SourceRecord,
  row: SourceRow,
  found: readonly CandidateChild[],
  decision: MatchDecision,
): MatchDecision {
  const contradicted =
    (decision.status === 'linked' && decision.childId !== row.child_id) || decision.conflict === 'identifier';
  if (!contradicted) {
    return { status: 'linked', childId: row.child_id, candidates: row.candidates, reason: row.reason };
  }
  const ids = [row.child_id, decision.childId].filter((id): id is string => id !== null);
  return {
    status: 'conflict',
    childId: null,
    candidates: scoreCandidates(sourcePerson(record), found)
      .filter((c) => c.score >= REVIEW_THRESHOLD || ids.includes(c.childId))
      .slice(0, MAX_CANDIDATES),
    reason:
      decision.status === 'linked'
        ? 'Sent again with an identifier of another child than the one it was linked to: unlinked until the council decides.'
        : `Sent again with data that contradicts its link: ${decision.reason} Unlinked until the council decides.`,
  };
}

const EVENT_OF: Record<SourceStatus, string> = {
  linked: 'auto_linked',
  pending_review: 'queued',
  conflict: 'conflict',
  rejected: 'rejected',
};

/**
 * Resolves a batch of source records to children in one transaction with a fixed number of
 * statements (lock, existing rows, candidates, source upsert, events), whatever the batch size.
 *
 * - A linked source keeps its link (the contract: an existing link is reused); new data is
 *   stored, the link does not move, with one exception: when the new data carries an
 *   identifier that now names ANOTHER child, or disagrees with the date of birth, the link's
 *   basis is gone and the source becomes a conflict (its data leaves the child until the
 *   council decides). Changed demographics alone never undo a link.
 * - A source the council has decided on (rejected, or unlinked back to review) is never
 *   re-matched automatically: only the council moves it again.
 * - Anything else is (re)matched by `decide`; a resend that changes nothing writes nothing.
 */
export async function resolveBatch(
  db: DbHandle,
  input: { orgId: string; checked: readonly Checked[]; actor: Actor },
): Promise<ResolveResult[]> {
  const valid = input.checked.flatMap((c) => (c.ok ? [c.record] : []));
  const decided = new Map<string, ResolveResult>();
  if (valid.length > 0) {
    await db.transaction(async (tx) => {
      await lockIndex(tx);
      const existingRows = await tx.query<SourceRow>(
        `select ${SOURCE_COLUMNS} from record.identity_source
          where (system, source_id) in (select system, source_id from jsonb_to_recordset($1::jsonb) as k(system text, source_id text))`,
        [JSON.stringify(valid.map((r) => ({ system: r.system, source_id: r.sourceId })))],
      );
      const existing = new Map(existingRows.map((row) => [`${row.system}\u0000${row.source_id}`, row]));
      const toMatch = valid.filter((r) => {
        const row = existing.get(`${r.system}\u0000${r.sourceId}`);
        if (!row) return true;
        if (row.status === 'linked') return snapshot(recordOfRow(row)) !== snapshot(r);
        return !row.held;
      });
      const candidates = await loadCandidates(tx, toMatch);
      const matched = new Map(
        toMatch.map((r, i) => {
          const found = candidates[i] ?? [];
          const row = existing.get(`${r.system}\u0000${r.sourceId}`);
          const decision = decide(r, found);
          return [r, row?.status === 'linked' ? recheckLink(r, row, found, decision) : decision];
        }),
      );
      const sources: SourceWrite[] = [];
      const events: EventWrite[] = [];
      const council = councilForSender(input.orgId);
      for (const record of valid) {
        const key = `${record.system}\u0000${record.sourceId}`;
        const row = existing.get(key);
        const decision = matched.get(record);
        const next = decision
          ? {
              status: decision.status as SourceStatus,
              childId: decision.childId,
              candidates: decision.candidates,
              reason: decision.reason,
            }
          : { status: row!.status, childId: row!.child_id, candidates: row!.candidates, reason: row!.reason };
        const id = row?.id ?? randomUUID();
        const dataChanged = !row || snapshot(recordOfRow(row)) !== snapshot(record);
        const stateChanged =
          !row ||
          row.status !== next.status ||
          row.child_id !== next.childId ||
          JSON.stringify(row.candidates) !== JSON.stringify(next.candidates);
        if (dataChanged || stateChanged) {
          sources.push({
            id,
            system: record.system,
            source_id: record.sourceId,
            org_id: input.orgId,
            council_id: row?.council_id ?? council,
            identifiers: identifiersOf(record),
            given_name: record.givenName,
            family_name: record.familyName,
            date_of_birth: record.dateOfBirth,
            sex: record.sex,
            postcode: record.postcode,
            status: next.status,
            child_id: next.childId,
            candidates: next.candidates,
            reason: next.reason,
            held: row?.held ?? false,
          });
          events.push({
            id: randomUUID(),
            source_row_id: id,
            event:
              row && row.status === next.status && row.child_id === next.childId
                ? 'resubmitted'
                : EVENT_OF[next.status],
            status: next.status,
            child_id: next.childId,
            previous_child_id: row?.child_id ?? null,
            actor_sub: input.actor.sub,
            actor_role: input.actor.role,
            actor_org: input.actor.org,
            request_id: input.actor.requestId,
            reason: next.reason,
          });
        }
        decided.set(key, {
          system: record.system,
          sourceId: record.sourceId,
          status: toResultStatus(next.status),
          ...(next.status === 'linked' && next.childId ? { childId: next.childId } : {}),
          reason:
            row?.held && row.status !== 'linked' ? `${next.reason} (decided by the council)` : next.reason,
        });
      }
      await writeSources(tx, sources);
      await writeEvents(tx, events);
    });
  }
  return input.checked.map((c) =>
    c.ok
      ? (decided.get(`${c.record.system}\u0000${c.record.sourceId}`) as ResolveResult)
      : {
          system: c.system,
          sourceId: c.sourceId,
          status: 'rejected',
          reason: `Not accepted: ${c.problems.join('; ')}.`,
        },
  );
}

/** The current child of each source id of one system (null while not linked); unknown ids too. */
export async function currentLinks(
  db: DbHandle,
  system: string,
  sourceIds: readonly string[],
): Promise<Array<{ sourceId: string; status: ResultStatus | 'unknown'; childId: string | null }>> {
  const rows = await db.query<{ source_id: string; status: SourceStatus; child_id: string | null }>(
    `select source_id, status, child_id from record.identity_source
      where system = $1 and source_id = any(select jsonb_array_elements_text($2::jsonb))`,
    [system, JSON.stringify(sourceIds)],
  );
  const byId = new Map(rows.map((r) => [r.source_id, r]));
  return sourceIds.map((sourceId) => {
    const row = byId.get(sourceId);
    return row
      ? {
          sourceId,
          status: toResultStatus(row.status),
          childId: row.status === 'linked' ? row.child_id : null,
        }
      : { sourceId, status: 'unknown' as const, childId: null };
  });
}
