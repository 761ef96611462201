import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DbHandle, loadMigrations, migrate } from '@hub/db';
import type { Purpose, Role } from '@hub/policy';
import {
  type AuditEventInput,
  AuditInputError,
  type AuditOutcome,
  buildAuditEvent,
  chainHash,
  GENESIS_HASH,
  normaliseAuditEventInput,
  type OperationType,
  type StoredAuditEvent,
} from './event.ts';
import { fastChainHash } from './fast-hash.ts';

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
  e.client_ip, e.child_ids::text[] as child_ids, e.child_sections, e.prev_hash, e.hash, e.councils`;

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
  /** Null for format-1 events (written before tenancy). */
  councils: string[] | null;
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
    ...(Number(row.format) >= 2 ? { councils: row.councils } : {}),
    childIds: row.child_ids,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AppendOptions {
  /** Clock for tests; the stored time is never earlier than the previous event's. */
  now?: () => Date;
}

/** The newest event of the chain: what a checkpoint signs. */
export interface ChainHead {
  seq: number;
  hash: string;
  occurredAt: string;
}

const HEAD_SQL =
  // Qualified: a bare `seq` in ORDER BY would mean the text alias and sort '9' after '10'.
  `select e.seq::text as seq, e.hash, to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurred_at
     from audit.event e order by e.seq desc limit 1`;

/**
 * One statement for a whole batch: the events arrive as one JSON array (one parameter whatever
 * the batch size, so no 65,535-parameter limit), become rows through json_to_recordset, and
 * their child links are written by the second data-modifying CTE. JSON strings round-trip to
 * text exactly, so the stored content is the content that was hashed.
 */
const INSERT_BATCH_SQL = `
  with inserted as (
    insert into audit.event (seq, event_id, format, occurred_at, request_id, actor_sub, actor_role, actor_org,
      purpose, operation_name, operation_type, outcome, error_codes, fields_returned, fields_denied, break_glass,
      break_glass_reason, client_ip, child_ids, child_sections, prev_hash, hash, councils)
    select r.seq, r.event_id, r.format, r.occurred_at, r.request_id, r.actor_sub, r.actor_role, r.actor_org,
      r.purpose, r.operation_name, r.operation_type, r.outcome, r.error_codes, r.fields_returned, r.fields_denied,
      r.break_glass, r.break_glass_reason, r.client_ip, r.child_ids, r.child_sections, r.prev_hash, r.hash,
      r.councils
      from json_to_recordset($1::json) as r(seq bigint, event_id uuid, format smallint, occurred_at timestamptz,
        request_id text, actor_sub text, actor_role text, actor_org text, purpose text, operation_name text,
        operation_type text, outcome text, error_codes text[], fields_returned text[], fields_denied text[],
        break_glass boolean, break_glass_reason text, client_ip text, child_ids uuid[], child_sections jsonb,
        prev_hash text, hash text, councils text[])
     order by r.seq
    returning seq, child_ids
  )
  insert into audit.event_child (child_id, seq) select unnest(i.child_ids), i.seq from inserted i`;

/** The row json_to_recordset reads for one stored event (keys = column names). */
function toRow(event: StoredAuditEvent): Record<string, unknown> {
  return {
    seq: event.seq,
    event_id: event.eventId,
    format: event.format,
    occurred_at: event.occurredAt,
    request_id: event.requestId,
    actor_sub: event.actor.sub,
    actor_role: event.actor.role,
    actor_org: event.actor.orgId,
    purpose: event.purpose,
    operation_name: event.operationName,
    operation_type: event.operationType,
    outcome: event.outcome,
    error_codes: event.errorCodes,
    fields_returned: event.fieldsReturned,
    fields_denied: event.fieldsDenied,
    break_glass: event.breakGlass,
    break_glass_reason: event.breakGlassReason,
    client_ip: event.clientIp,
    child_ids: event.childIds,
    child_sections: Object.fromEntries(event.children.map((child) => [child.childId, child.sections])),
    prev_hash: event.prevHash,
    hash: event.hash,
    councils: event.format >= 2 ? (event.councils ?? null) : null,
  };
}

// NUL, and UTF-16 surrogates without their pair: PostgreSQL text cannot hold either, so such an
// event could only fail at INSERT, and with group commit it would take its whole batch down.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuses, for this caller alone, text PostgreSQL would refuse for the whole batch. */
function assertStorable(input: Required<AuditEventInput>): void {
  const problems: string[] = [];
  const check = (path: string, value: string | null) => {
    if (value !== null && (value.includes('\0') || LONE_SURROGATE.test(value))) {
      problems.push(`${path}: contains a NUL character or an unpaired surrogate`);
    }
  };
  check('requestId', input.requestId);
  check('actor.sub', input.actor.sub);
  check('actor.orgId', input.actor.orgId);
  check('operationName', input.operationName);
  check('breakGlassReason', input.breakGlassReason);
  check('clientIp', input.clientIp);
  const lists = {
    errorCodes: input.errorCodes,
    fieldsReturned: input.fieldsReturned,
    fieldsDenied: input.fieldsDenied,
  };
  for (const [name, list] of Object.entries(lists)) {
    for (const [i, value] of list.entries()) check(`${name}[${i}]`, value);
  }
  for (const [i, child] of input.children.entries()) {
    for (const [j, section] of child.sections.entries()) check(`children[${i}].sections[${j}]`, section);
  }
  if (problems.length > 0) throw new AuditInputError(problems);
}

/** One caller's events (one `append`, or one `appendAll`): committed together or not at all. */
interface Pending {
  inputs: Required<AuditEventInput>[];
  now: () => Date;
  resolve(events: StoredAuditEvent[]): void;
  reject(error: unknown): void;
}

/**
 * The one statement that appends a batch already chained onto a known head (migration
 * 0007_append_events.sql): takes the chain lock, reads the head with a fresh snapshot, and
 * inserts only if the head is still the one the batch was chained onto. Its own transaction
 * (autocommit): no BEGIN or COMMIT. Fixed text, so prepared once per connection.
 */
const APPEND_EVENTS_SQL =
  'select inserted, head_seq, head_hash, head_occurred_at from audit.append_events($1::json, $2::bigint, $3::text)';

/** Validates and normalises one event, refusing what PostgreSQL could not store (see assertStorable). */
export function checkAuditEventInput(input: unknown): Required<AuditEventInput> {
  const normal = normaliseAuditEventInput(input);
  assertStorable(normal);
  return normal;
}

/**
 * Validates every event of a batch; one AuditInputError listing every problem of every event
 * (prefixed `events[i].`) if any is invalid, so a batch is refused whole before it is queued.
 */
export function checkAuditEventInputs(inputs: readonly unknown[]): Required<AuditEventInput>[] {
  const problems: string[] = [];
  const normal = inputs.map((input, i) => {
    try {
      return checkAuditEventInput(input);
    } catch (error) {
      if (!(error instanceof AuditInputError)) throw error;
      problems.push(...error.problems.map((problem) => `events[${i}].${problem}`));
      return null;
    }
  });
  if (problems.length > 0) throw new AuditInputError(problems);
  return normal as Required<AuditEventInput>[];
}

/** Seq, time and hash for each queued event in order, chained onto `head`. */
function chainBatch(
  batch: readonly Pending[],
  head: { seq: number; hash: string; occurredAt: string | null },
): StoredAuditEvent[] {
  let seq = head.seq;
  let prevHash = head.hash;
  let lastTime = head.occurredAt ? Date.parse(head.occurredAt) : Number.NEGATIVE_INFINITY;
  const stored: StoredAuditEvent[] = [];
  for (const { inputs, now } of batch) {
    for (const input of inputs) {
      const occurredAt = new Date(Math.max(now().getTime(), lastTime));
      lastTime = occurredAt.getTime();
      seq += 1;
      const event = buildAuditEvent(input, { seq, occurredAt });
      const hash = fastChainHash(prevHash, event);
      const childIds = event.children.map((child) => child.childId);
      stored.push({ ...event, childIds, prevHash, hash });
      prevHash = hash;
    }
  }
  return stored;
}

export interface AuditChainWriterOptions {
  /**
   * Most events chained in one transaction (default 1000): bounds one statement's size and lock
   * time. One `appendAll` group is never split, so a group larger than this is its own batch.
   */
  maxBatch?: number;
  /** Batches in flight at once (default PIPELINE_DEPTH, 2; 1 = one flush at a time). */
  pipelineDepth?: number;
}

/** Called after each committed batch with the new head and the batch (never for a failed one). */
export type CommitListener = (head: ChainHead, batch: readonly StoredAuditEvent[]) => void;

type Head = { seq: number; hash: string; occurredAt: string | null };

/** Batches in flight at once by default: the next is chained, hashed and sent while the previous commits. */
const PIPELINE_DEPTH = 2;

const headOf = (stored: readonly StoredAuditEvent[]): Head => {
  const last = stored[stored.length - 1]!;
  return { seq: last.seq, hash: last.hash, occurredAt: last.occurredAt };
};

/**
 * Group commit for the chain, as Certificate Transparency logs batch entries into their tree:
 * callers of `append` (one event) and `appendAll` (a group, e.g. one HTTP batch) queue; a
 * flush takes everything queued (whole groups, up to `maxBatch` events), chains the
 * events in queue order (seq / time / hash) and appends them all in ONE transaction. Only then
 * is each caller's promise resolved with its stored events. If anything fails, nothing of the
 * batch is committed and every caller in it gets the error: fail-closed is unchanged, an event
 * is reported stored only once it is durable.
 *
 * How (one statement in the steady state): when this writer knows the head it committed last,
 * the batch is chained onto it outside any lock and sent as ONE prepared statement,
 * `audit.append_events` (migration 0007), which takes the chain lock, reads the head with a
 * fresh snapshot and inserts only if the head is still that one. If another writer (a second
 * audit instance) moved the head, or this writer does not know it (first batch, after a
 * failure), the batch goes the locked way: BEGIN, lock, head read, chain under the lock,
 * insert, COMMIT — the head read is a separate statement from the lock, so under READ
 * COMMITTED it takes a snapshot after the lock was granted and sees the previous holder's
 * commit. Either way the advisory lock serialises writers across processes (two audit service
 * instances on one database produce one chain), and the primary key on seq is the backstop.
 * Two batches may be in flight (PIPELINE_DEPTH): the next is chained onto the previous one's
 * head, hashed and sent while the previous commits; the database's head check makes that safe.
 * Batches fill while earlier ones commit, so under load they grow and the per-event cost of
 * lock, round trip and commit shrinks; one lone writer still commits immediately (no timer, no
 * added latency beyond one event-loop turn).
 */
export class AuditChainWriter {
  readonly #handle: Pick<DbHandle, 'transaction' | 'query'>;
  readonly #maxBatch: number;
  readonly #depth: number;
  readonly #listeners = new Set<CommitListener>();
  #queue: Pending[] = [];
  /**
   * The head the next batch is chained onto: the last batch sent (committed or still in
   * flight, speculatively) or the last committed. Null: unknown, the next batch reads it under
   * the lock. Only ever a guess: the database checks it under the lock, so a wrong one costs a
   * retry under the lock, never a fork.
   */
  #tail: Head | null = null;
  /** Batches sent and not yet settled (at most PIPELINE_DEPTH). */
  #inFlight = 0;
  /** A batch is going the locked way: nothing can be chained onto it until it is done. */
  #lockedInFlight = false;
  /** Newest head announced to listeners (batches may settle out of chain order). */
  #notifiedSeq = 0;
  #scheduled = false;
  #idle: Array<() => void> = [];

  constructor(handle: Pick<DbHandle, 'transaction' | 'query'>, options: AuditChainWriterOptions = {}) {
    this.#handle = handle;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 1000);
    this.#depth = Math.max(1, options.pipelineDepth ?? PIPELINE_DEPTH);
  }

  /** Validates (rejecting only this caller), queues, and resolves once the event is committed. */
  append(input: unknown, options: AppendOptions = {}): Promise<StoredAuditEvent> {
    let normal: Required<AuditEventInput>;
    try {
      normal = checkAuditEventInput(input);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue([normal], options).then((events) => events[0]!);
  }

  /**
   * Appends several events as one group: validated first (one invalid event refuses the whole
   * group, with every problem, before anything is queued), then chained consecutively, in the
   * given order, in ONE transaction: all are committed or none. Resolves once committed.
   */
  appendAll(inputs: readonly unknown[], options: AppendOptions = {}): Promise<StoredAuditEvent[]> {
    let normal: Required<AuditEventInput>[];
    try {
      normal = checkAuditEventInputs(inputs);
    } catch (error) {
      return Promise.reject(error);
    }
    if (normal.length === 0) return Promise.resolve([]);
    return this.#enqueue(normal, options);
  }

  #enqueue(inputs: Required<AuditEventInput>[], options: AppendOptions): Promise<StoredAuditEvent[]> {
    return new Promise<StoredAuditEvent[]>((resolve, reject) => {
      this.#queue.push({ inputs, now: options.now ?? (() => new Date()), resolve, reject });
      if (!this.#scheduled && this.#inFlight < this.#depth && !this.#lockedInFlight) {
        this.#scheduled = true;
        // One event-loop turn lets appends issued together (one burst of requests) share a batch.
        setImmediate(() => {
          this.#scheduled = false;
          this.#pump();
        });
      }
    });
  }

  /** Subscribes to committed batches; returns the unsubscribe function. */
  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when nothing is queued or being committed (for shutdown: publish the final head after). */
  whenIdle(): Promise<void> {
    if (!this.#scheduled && this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Whole groups from the front of the queue, up to maxBatch events (always at least one group). */
  #take(): Pending[] {
    let events = 0;
    let n = 0;
    while (n < this.#queue.length) {
      const size = this.#queue[n]!.inputs.length;
      if (n > 0 && events + size > this.#maxBatch) break;
      events += size;
      n += 1;
    }
    return this.#queue.splice(0, n);
  }

  /**
   * Sends batches while there is room in the pipeline: up to PIPELINE_DEPTH batches in flight,
   * each chained onto the one before it (its speculative head), so the next batch is hashed,
   * serialised and on the wire while the previous one commits. The database inserts a batch only
   * if the head under the lock is the one it was chained onto, so a batch whose predecessor
   * failed or was re-chained inserts nothing and is chained again under the lock. A batch going
   * the locked way (head unknown) is sent alone.
   */
  #pump(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#depth && !this.#lockedInFlight) {
      const batch = this.#take();
      const onto = this.#tail;
      const speculative = onto ? chainBatch(batch, onto) : null;
      const sentTail = speculative ? headOf(speculative) : null;
      this.#tail = sentTail;
      this.#inFlight += 1;
      if (!onto) this.#lockedInFlight = true;
      this.#commit(batch, onto, speculative).then(
        (stored) => {
          // Re-chained (locked way): what follows is chained onto this unless another was sent since.
          if (stored !== speculative && this.#tail === sentTail) this.#tail = headOf(stored);
          this.#settled(onto);
          let at = 0;
          for (const pending of batch) {
            pending.resolve(stored.slice(at, at + pending.inputs.length));
            at += pending.inputs.length;
          }
          const head = headOf(stored);
          if (head.seq > this.#notifiedSeq) {
            this.#notifiedSeq = head.seq;
            for (const listener of this.#listeners) {
              try {
                listener(head as ChainHead, stored);
              } catch {
                // A listener (checkpoint publishing) must never undo or block a committed batch.
              }
            }
          }
          this.#pump();
        },
        (error: unknown) => {
          // Unknown outcome (a lost COMMIT reply): the head is read under the lock next time,
          // unless a later batch was sent since (it settles the question for itself).
          if (this.#tail === sentTail) this.#tail = null;
          this.#settled(onto);
          for (const pending of batch) pending.reject(error);
          this.#pump();
        },
      );
    }
    this.#whenNothingLeft();
  }

  #whenNothingLeft(): void {
    if (this.#inFlight === 0 && this.#queue.length === 0 && !this.#scheduled) {
      for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  #settled(onto: Head | null): void {
    this.#inFlight -= 1;
    if (!onto) this.#lockedInFlight = false;
  }

  /** One transaction for the batch: one statement when chained onto a head, else the locked way. */
  async #commit(
    batch: Pending[],
    onto: Head | null,
    speculative: StoredAuditEvent[] | null,
  ): Promise<StoredAuditEvent[]> {
    if (onto && speculative) {
      const [result] = await this.#handle.query<{ inserted: number }>(
        APPEND_EVENTS_SQL,
        [JSON.stringify(speculative.map(toRow)), onto.seq, onto.hash],
        { prepare: true },
      );
      if (result?.inserted === speculative.length) return speculative;
      // The head under the lock was not `onto` (another writer, or a predecessor that failed or
      // was re-chained): nothing was inserted; chain the batch again under the lock.
    }
    return this.#commitLocked(batch);
  }

  /**
   * BEGIN, lock and head read (pipelined: one round trip, but two statements so the read's
   * snapshot is taken after the lock is granted), chain under the lock, insert, COMMIT.
   */
  #commitLocked(batch: Pending[]): Promise<StoredAuditEvent[]> {
    return this.#handle.transaction(async (tx) => {
      // Both settled before anything is thrown: no statement is left in flight at ROLLBACK.
      const [lock, head] = await Promise.allSettled([
        tx.query(CHAIN_LOCK),
        tx.query<{ seq: string; hash: string; occurred_at: string }>(HEAD_SQL),
      ]);
      if (lock.status === 'rejected') throw lock.reason;
      if (head.status === 'rejected') throw head.reason;
      const [last] = head.value;
      const stored = chainBatch(
        batch,
        last
          ? { seq: Number(last.seq), hash: last.hash, occurredAt: last.occurred_at }
          : { seq: 0, hash: GENESIS_HASH, occurredAt: null },
      );
      await tx.query(INSERT_BATCH_SQL, [JSON.stringify(stored.map(toRow))]);
      return stored;
    });
  }
}

const writers = new WeakMap<object, AuditChainWriter>();

/** The one group-commit writer of a database handle (created on first use). */
export function auditWriterFor(handle: Pick<DbHandle, 'transaction' | 'query'>): AuditChainWriter {
  let writer = writers.get(handle);
  if (!writer) {
    writer = new AuditChainWriter(handle);
    writers.set(handle, writer);
  }
  return writer;
}

/**
 * Appends one event to the chain and returns it as stored, once committed. Goes through the
 * handle's group-commit writer (AuditChainWriter): concurrent appends on one handle share one
 * transaction. Invalid input is rejected before it touches the chain or anyone's batch.
 */
export function appendAuditEvent(
  handle: Pick<DbHandle, 'transaction' | 'query'>,
  input: AuditEventInput,
  options: AppendOptions = {},
): Promise<StoredAuditEvent> {
  return auditWriterFor(handle).append(input, options);
}

/**
 * The pre-group-commit path: one transaction, one lock and three statements per event. Kept
 * only as the benchmark's baseline (scripts/bench/audit-chain.ts); use appendAuditEvent.
 */
export async function appendAuditEventUnbatched(
  handle: Pick<DbHandle, 'transaction'>,
  input: AuditEventInput,
  options: AppendOptions = {},
): Promise<StoredAuditEvent> {
  const normal = normaliseAuditEventInput(input);
  return handle.transaction(async (tx) => {
    await tx.query(CHAIN_LOCK);
    const [last] = await tx.query<{ seq: string; hash: string; occurred_at: string }>(HEAD_SQL);
    const now = (options.now ?? (() => new Date()))();
    const lastTime = last ? Date.parse(last.occurred_at) : Number.NEGATIVE_INFINITY;
    const occurredAt = new Date(Math.max(now.getTime(), lastTime));
    const event = buildAuditEvent(normal, { seq: last ? Number(last.seq) + 1 : 1, occurredAt });
    const prevHash = last?.hash ?? GENESIS_HASH;
    const hash = chainHash(prevHash, event);
    const stored: StoredAuditEvent = {
      ...event,
      childIds: event.children.map((child) => child.childId),
      prevHash,
      hash,
    };
    await tx.query(INSERT_BATCH_SQL, [JSON.stringify([toRow(stored)])]);
    return stored;
  });
}
