import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DbHandle, loadMigrations, migrate } from '@hub/db';
import type { Purpose, Role } from '@hub/policy';
import {
  type AuditEventInput,
  type AuditOutcome,
  buildAuditEvent,
  chainHash,
  GENESIS_HASH,
  normaliseAuditEventInput,
  type OperationType,
  type StoredAuditEvent,
} from './event.ts';

/** The Postgres schema the audit log owns. */
export const AUDIT_SCHEMA = 'audit';
export const AUDIT_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Creates or upgrades the `audit` schema (tables, append-only triggers, indexes). */
export function migrateAudit(handle: DbHandle): Promise<string[]> {
  return migrate(handle, AUDIT_SCHEMA, loadMigrations(AUDIT_MIGRATIONS_DIR));
}

/**
 * One lock for the whole chain. Transaction-scoped, so it is released by commit or rollback
 * and a crashed writer can never leave it held.
 */
const CHAIN_LOCK = "select pg_advisory_xact_lock(hashtext('tell-it-once:audit-chain'))";

/** The columns every reader selects, with the casts that make both drivers return the same shapes. */
export const EVENT_COLUMNS = `
  e.seq::text as seq, e.event_id::text as event_id, e.format,
  to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at,
  e.request_id, e.actor_sub, e.actor_role, e.actor_org, e.purpose, e.operation_name, e.operation_type,
  e.outcome, e.error_codes, e.fields_returned, e.fields_denied, e.break_glass, e.break_glass_reason,
  e.client_ip, e.child_ids::text[] as child_ids, e.child_sections, e.prev_hash, e.hash`;

export interface EventRow {
  seq: string;
  event_id: string;
  format: number;
  occurred_at: string;
  request_id: string;
  actor_sub: string | null;
  actor_role: string | null;
  actor_org: string | null;
  purpose: string | null;
  operation_name: string | null;
  operation_type: string;
  outcome: string;
  error_codes: string[];
  fields_returned: string[];
  fields_denied: string[];
  break_glass: boolean;
  break_glass_reason: string | null;
  client_ip: string | null;
  child_ids: string[];
  child_sections: Record<string, string[]> | string;
  prev_hash: string;
  hash: string;
}

/**
 * A row as the event it records. Deliberately no validation: verification must hash what is
 * stored, including whatever a tamperer wrote, and report the mismatch.
 */
export function rowToEvent(row: EventRow): StoredAuditEvent {
  const sections = (
    typeof row.child_sections === 'string' ? JSON.parse(row.child_sections) : row.child_sections
  ) as Record<string, string[]>;
  return {
    format: Number(row.format),
    seq: Number(row.seq),
    eventId: row.event_id,
    occurredAt: row.occurred_at,
    requestId: row.request_id,
    actor: { sub: row.actor_sub, role: row.actor_role as Role | null, orgId: row.actor_org },
    purpose: row.purpose as Purpose | null,
    operationName: row.operation_name,
    operationType: row.operation_type as OperationType,
    outcome: row.outcome as AuditOutcome,
    errorCodes: row.error_codes,
    fieldsReturned: row.fields_returned,
    fieldsDenied: row.fields_denied,
    breakGlass: row.break_glass,
    breakGlassReason: row.break_glass_reason,
    clientIp: row.client_ip,
    children: row.child_ids.map((childId) => ({ childId, sections: sections[childId] ?? [] })),
    childIds: row.child_ids,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AppendOptions {
  /** Clock for tests; the stored time is never earlier than the previous event's. */
  now?: () => Date;
}

/**
 * Appends one event to the chain and returns it as stored. One transaction: take the chain
 * lock, read the last link, compute seq / time / hash, insert the event and its child links.
 * The lock is taken by its own statement *before* the last link is read: under READ COMMITTED
 * each statement gets a fresh snapshot, so the read sees the previous writer's commit. (Reading
 * in the same statement that takes the lock could use an older snapshot and fork the chain.)
 * The primary key on seq is the backstop: two writers can never both store the same seq.
 */
export async function appendAuditEvent(
  handle: Pick<DbHandle, 'transaction'>,
  input: AuditEventInput,
  options: AppendOptions = {},
): Promise<StoredAuditEvent> {
  const normal = normaliseAuditEventInput(input);
  return handle.transaction(async (tx) => {
    await tx.query(CHAIN_LOCK);
    const [last] = await tx.query<{ seq: string; hash: string; occurred_at: string }>(
      // Qualified: a bare `seq` in ORDER BY would mean the text alias and sort '9' after '10'.
      `select e.seq::text as seq, e.hash, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
         from audit.event e order by e.seq desc limit 1`,
    );
    const now = (options.now ?? (() => new Date()))();
    const lastTime = last ? Date.parse(last.occurred_at) : Number.NEGATIVE_INFINITY;
    const occurredAt = new Date(Math.max(now.getTime(), lastTime));
    const event = buildAuditEvent(normal, { seq: last ? Number(last.seq) + 1 : 1, occurredAt });
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = chainHash(prevHash, event);
    const childIds = event.children.map((child) => child.childId);
    const childSections = Object.fromEntries(event.children.map((child) => [child.childId, child.sections]));
    // Arrays go in as text[] and jsonb as text, cast in SQL: both drivers then send the same thing.
    await tx.query(
      `with inserted as (
         insert into audit.event (seq, event_id, format, occurred_at, request_id, actor_sub, actor_role, actor_org,
           purpose, operation_name, operation_type, outcome, error_codes, fields_returned, fields_denied, break_glass,
           break_glass_reason, client_ip, child_ids, child_sections, prev_hash, hash)
         values ($1::bigint, $2::uuid, $3, $4::timestamptz, $5, $6, $7, $8, $9, $10, $11, $12, $13::text[], $14::text[],
           $15::text[], $16, $17, $18, $19::text[]::uuid[], $20::text::jsonb, $21, $22)
         returning seq, child_ids
       )
       insert into audit.event_child (child_id, seq) select unnest(child_ids), seq from inserted`,
      [
        event.seq,
        event.eventId,
        event.format,
        event.occurredAt,
        event.requestId,
        event.actor.sub,
        event.actor.role,
        event.actor.orgId,
        event.purpose,
        event.operationName,
        event.operationType,
        event.outcome,
        event.errorCodes,
        event.fieldsReturned,
        event.fieldsDenied,
        event.breakGlass,
        event.breakGlassReason,
        event.clientIp,
        childIds,
        JSON.stringify(childSections),
        prevHash,
        hash,
      ],
    );
    return { ...event, childIds, prevHash, hash };
  });
}
