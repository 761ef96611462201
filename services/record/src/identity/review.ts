import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import type { Principal } from '@hub/policy';
import { HubError } from '@hub/service-kit';
import type { MutationUnlinkSourceArgs, QueryIdentityMatchesArgs } from '../generated/graphql.ts';
import { scoreCandidates, sourcePerson } from './match.ts';
import { queueScope } from './scope.ts';
import { MAX_CANDIDATES, REVIEW_THRESHOLD } from './scoring.ts';
import {
  type Actor,
  type EventWrite,
  loadCandidates,
  lockIndex,
  recordOfRow,
  SOURCE_COLUMNS,
  type SourceRow,
  type SourceStatus,
} from './store.ts';

type Tx = Pick<DbHandle, 'query' | 'exec'>;

export const MAX_PAGE = 100;
const STATUSES: readonly SourceStatus[] = ['linked', 'pending_review', 'conflict', 'rejected'];

export interface MatchView {
  id: string;
  system: string;
  sourceId: string;
  sentBy: string;
  status: SourceStatus;
  reason: string;
  childId: string | null;
  identifiers: SourceRow['identifiers'];
  demographics: {
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    sex: string | null;
    postcode: string | null;
  };
  candidates: Array<{
    childId: string;
    score: number;
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    nhsNumber: string | null;
    upn: string | null;
    laId: string | null;
    comparisons: Array<{ field: string; outcome: string; points: number; detail: string }>;
  }>;
  history: Array<{
    event: string;
    status: SourceStatus;
    childId: string | null;
    previousChildId: string | null;
    actorSub: string;
    actorRole: string;
    actorOrg: string;
    requestId: string;
    reason: string;
    at: string;
  }>;
  receivedAt: string;
  updatedAt: string;
}

export interface MatchPage {
  nodes: MatchView[];
  endCursor: string | null;
  hasNextPage: boolean;
}

function encodeCursor(row: SourceRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/.test(value[1])
    )
      return [value[0], value[1]];
  } catch {
    // Falls through to the error below.
  }
  throw new HubError('INVALID_INPUT', 'after must be an endCursor from an earlier identityMatches page.', {
    field: 'after',
  });
}

/** The council's queue, oldest first: the source record, scored candidates and the history. */
export async function listMatches(
  db: DbHandle,
  principal: Principal,
  args: QueryIdentityMatchesArgs,
): Promise<MatchPage> {
  const scope = queueScope(principal);
  const status = args.status ?? 'pending_review';
  if (!(STATUSES as readonly string[]).includes(status))
    throw new HubError('INVALID_INPUT', `status must be one of ${STATUSES.join(', ')}.`, { field: 'status' });
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw new HubError('INVALID_INPUT', `first must be 1 to ${MAX_PAGE}.`, { field: 'first' });
  const params: unknown[] = [status, scope.param, first + 1];
  let after = '';
  if (args.after) {
    const [at, id] = decodeCursor(args.after);
    params.push(at, id);
    after = 'and (s.created_at, s.id) > ($4::timestamptz, $5::uuid)';
  }
  const rows = await db.query<SourceRow>(
    `select ${SOURCE_COLUMNS} from record.identity_source s
      where s.status = $1 and ${scope.where.replaceAll('$COUNCIL', '$2')} ${after}
      order by s.created_at, s.id limit $3`,
    params,
  );
  const page = rows.slice(0, first);
  return {
    nodes: await views(db, principal, page),
    endCursor: page.length > 0 ? encodeCursor(page[page.length - 1] as SourceRow) : null,
    hasNextPage: rows.length > first,
  };
}

/**
 * Views of source rows: candidates as the children are now (only children the officer's council
 * is responsible for: a candidate elsewhere is not theirs to see or link), and the full history.
 * Two statements for a whole page.
 */
async function views(db: Tx, principal: Principal, rows: readonly SourceRow[]): Promise<MatchView[]> {
  if (rows.length === 0) return [];
  const childIds = [...new Set(rows.flatMap((r) => r.candidates.map((c) => c.childId)))];
  const children = await db.query<{
    id: string;
    given_name: string;
    family_name: string;
    date_of_birth: string;
    nhs_number: string | null;
    upn: string | null;
    la_id: string | null;
  }>(
    `select c.id, c.given_name, c.family_name, c.date_of_birth::text as date_of_birth, c.nhs_number, c.upn, c.la_id
       from record.child c
      where c.id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)
        and exists (select 1 from record.child_relationship r where r.child_id = c.id
                     and r.kind = 'la_responsible' and r.active and r.org_id = $2)`,
    [JSON.stringify(childIds), principal.orgId],
  );
  const byId = new Map(children.map((c) => [c.id, c]));
  const events = await db.query<{
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
    at: string;
  }>(
    `select source_row_id, event, status, child_id, previous_child_id, actor_sub, actor_role, actor_org,
            request_id, reason, to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
       from record.identity_link_event
      where source_row_id = any(select (jsonb_array_elements_text($1::jsonb))::uuid)
      order by at, id`,
    [JSON.stringify(rows.map((r) => r.id))],
  );
  return rows.map((row) => ({
    id: row.id,
    system: row.system,
    sourceId: row.source_id,
    sentBy: row.org_id,
    status: row.status,
    reason: row.reason,
    childId: row.child_id,
    identifiers: row.identifiers,
    demographics: {
      givenName: row.given_name,
      familyName: row.family_name,
      dateOfBirth: row.date_of_birth,
      sex: row.sex,
      postcode: row.postcode,
    },
    candidates: row.candidates.flatMap((c) => {
      const child = byId.get(c.childId);
      return child
        ? [
            {
              childId: c.childId,
              score: c.score,
              givenName: child.given_name,
              familyName: child.family_name,
              dateOfBirth: child.date_of_birth,
              nhsNumber: child.nhs_number?.trim() ?? null,
              upn: child.upn?.trim() ?? null,
              laId: child.la_id,
              comparisons: c.comparisons,
            },
          ]
        : [];
    }),
    history: events
      .filter((e) => e.source_row_id === row.id)
      .map((e) => ({
        event: e.event,
        status: e.status,
        childId: e.child_id,
        previousChildId: e.previous_child_id,
        actorSub: e.actor_sub,
        actorRole: e.actor_role,
        actorOrg: e.actor_org,
        requestId: e.request_id,
        reason: e.reason,
        at: e.at,
      })),
    receivedAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

function actorOf(principal: Principal, requestId: string): Actor {
  return { sub: principal.sub, role: principal.role, org: principal.orgId, requestId };
}

/** The source row under the index lock, in the officer's scope; NOT_FOUND otherwise (no existence oracle). */
async function lockedSource(
  tx: Tx,
  principal: Principal,
  by: { id: string } | { system: string; sourceId: string },
) {
  const scope = queueScope(principal);
  await lockIndex(tx);
  const [row] =
    'id' in by
      ? await tx.query<SourceRow>(
          `select ${SOURCE_COLUMNS} from record.identity_source s where s.id = $1 and ${scope.where.replaceAll('$COUNCIL', '$2')}`,
          [by.id, scope.param],
        )
      : await tx.query<SourceRow>(
          `select ${SOURCE_COLUMNS} from record.identity_source s
            where s.system = $1 and s.source_id = $2 and ${scope.where.replaceAll('$COUNCIL', '$3')}`,
          [by.system, by.sourceId, scope.param],
        );
  if (!row) throw new HubError('NOT_FOUND', 'No such source record in your council’s identity index.');
  return row;
}

async function setState(
  tx: Tx,
  row: SourceRow,
  next: {
    status: SourceStatus;
    childId: string | null;
    reason: string;
    candidates?: SourceRow['candidates'];
  },
  event: string,
  actor: Actor,
): Promise<void> {
  await tx.query(
    `update record.identity_source set status = $2, child_id = $3, reason = $4, held = true,
            candidates = coalesce($5::jsonb, candidates), updated_at = now()
      where id = $1`,
    [
      row.id,
      next.status,
      next.childId,
      next.reason,
      next.candidates ? JSON.stringify(next.candidates) : null,
    ],
  );
  const write: EventWrite = {
    id: randomUUID(),
    source_row_id: row.id,
    event,
    status: next.status,
    child_id: next.childId,
    previous_child_id: row.child_id,
    actor_sub: actor.sub,
    actor_role: actor.role,
    actor_org: actor.org,
    request_id: actor.requestId,
    reason: next.reason,
  };
  await tx.query(
    `insert into record.identity_link_event (id, source_row_id, event, status, child_id, previous_child_id,
       actor_sub, actor_role, actor_org, request_id, reason)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      write.id,
      write.source_row_id,
      write.event,
      write.status,
      write.child_id,
      write.previous_child_id,
      write.actor_sub,
      write.actor_role,
      write.actor_org,
      write.request_id,
      write.reason,
    ],
  );
}

async function reload(tx: Tx, principal: Principal, id: string): Promise<MatchView> {
  const rows = await tx.query<SourceRow>(
    `select ${SOURCE_COLUMNS} from record.identity_source where id = $1`,
    [id],
  );
  return (await views(tx, principal, rows))[0] as MatchView;
}

const REFUSE_STATE: Record<SourceStatus, string> = {
  linked: 'This source record is already linked to a child: unlink it first.',
  rejected: 'The council rejected this source record: unlink it to reopen the decision.',
  conflict:
    'A conflict is never linked to a child: correct the identifier or date of birth at the source and resend it, or reject it.',
  pending_review: '',
};

/** The officer decides the source record is this child: linked, and the adapters show its data there. */
export async function confirmMatch(
  db: DbHandle,
  principal: Principal,
  requestId: string,
  matchId: string,
  childId: string,
): Promise<MatchView> {
  return db.transaction(async (tx) => {
    const row = await lockedSource(tx, principal, { id: matchId });
    if (row.status !== 'pending_review') throw new HubError('CONFLICT', REFUSE_STATE[row.status]);
    const [child] = await tx.query(
      `select 1 from record.child c where c.id = $1 and exists (select 1 from record.child_relationship r
         where r.child_id = c.id and r.kind = 'la_responsible' and r.active and r.org_id = $2)`,
      [childId, principal.orgId],
    );
    if (!child)
      throw new HubError('NOT_FOUND', 'No child with this id that your council is responsible for.', {
        field: 'childId',
      });
    await setState(
      tx,
      row,
      { status: 'linked', childId, reason: 'Confirmed by the council.' },
      'confirmed',
      actorOf(principal, requestId),
    );
    return reload(tx, principal, row.id);
  });
}

/**
 * The officer decides the source record is none of the candidates. With createNewChild, a new
 * child is created from it (with the identifiers no other child holds) and the council recorded
 * as responsible; without, it stays separate and hidden (rejected) until someone reopens it.
 */
export async function rejectMatch(
  db: DbHandle,
  principal: Principal,
  requestId: string,
  matchId: string,
  createNewChild: boolean,
): Promise<MatchView> {
  return db.transaction(async (tx) => {
    const row = await lockedSource(tx, principal, { id: matchId });
    if (row.status !== 'pending_review' && row.status !== 'conflict')
      throw new HubError('CONFLICT', REFUSE_STATE[row.status]);
    const actor = actorOf(principal, requestId);
    if (!createNewChild) {
      await setState(
        tx,
        row,
        {
          status: 'rejected',
          childId: null,
          reason: 'The council decided this record matches no child in the hub.',
        },
        'rejected',
        actor,
      );
      return reload(tx, principal, row.id);
    }
    const ids = row.identifiers;
    const nhs = ids.nhsNumber && ids.nhsNumberVerified ? ids.nhsNumber : null;
    const [held] = await tx.query<{ nhs: boolean; upn: boolean; la: boolean }>(
      `select exists (select 1 from record.child where nhs_number = $1) as nhs,
              exists (select 1 from record.child where upn = $2) as upn,
              exists (select 1 from record.child where la_id = $3) as la`,
      [nhs, ids.upn, ids.laChildId],
    );
    const childId = randomUUID();
    // An identifier another child already holds is left off: the hub never gives two children one identifier.
    await tx.query(
      `insert into record.child (id, given_name, family_name, date_of_birth, nhs_number, upn, la_id)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        childId,
        row.given_name,
        row.family_name,
        row.date_of_birth,
        held?.nhs ? null : nhs,
        held?.upn ? null : ids.upn,
        held?.la ? null : ids.laChildId,
      ],
    );
    await tx.query(
      `insert into record.child_relationship (child_id, org_id, kind, active) values ($1, $2, 'la_responsible', true)`,
      [childId, principal.orgId],
    );
    await setState(
      tx,
      row,
      { status: 'linked', childId, reason: 'The council created a new child from this record.' },
      'new_child',
      actor,
    );
    return reload(tx, principal, row.id);
  });
}

/**
 * Undoes a link (or a rejection): the source record waits for the council again, its data
 * disappears from the child (the adapters re-check through /internal/identity/links), and it is
 * never re-linked automatically.
 */
export async function unlinkSource(
  db: DbHandle,
  principal: Principal,
  requestId: string,
  args: MutationUnlinkSourceArgs,
): Promise<MatchView> {
  const reason = args.reason.trim();
  if (reason.length < 10 || reason.length > 2000)
    throw new HubError('INVALID_INPUT', 'reason must be 10 to 2000 characters: say why the link was wrong.', {
      field: 'reason',
    });
  return db.transaction(async (tx) => {
    const row = await lockedSource(tx, principal, { system: args.system, sourceId: args.sourceId });
    if (row.status !== 'linked' && row.status !== 'rejected')
      throw new HubError(
        'CONFLICT',
        'This source record is not linked or rejected: there is nothing to undo.',
      );
    const record = recordOfRow(row);
    const [found] = await loadCandidates(tx, [record]);
    const candidates = scoreCandidates(sourcePerson(record), found ?? [])
      .filter((c) => c.score >= REVIEW_THRESHOLD || c.childId === row.child_id)
      .slice(0, MAX_CANDIDATES);
    await setState(
      tx,
      row,
      { status: 'pending_review', childId: null, reason: `Unlinked by the council: ${reason}`, candidates },
      'unlinked',
      actorOf(principal, requestId),
    );
    return reload(tx, principal, row.id);
  });
}
