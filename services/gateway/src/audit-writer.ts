import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AuditEventInput, checkAuditEventInput, UNKNOWN_COUNCIL } from '@hub/audit';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { councilOf } from '@hub/policy';
import { isTracing, traceOutgoing } from '@hub/telemetry';
import type { FastifyRequest } from 'fastify';
import { Pool } from 'undici';
import type { CouncilDirectory } from './councils.ts';

/**
 * The gateway's client of the audit service: hands each request's event to the audit service,
 * batched with concurrent requests' events (AuditBatchClient, `POST /internal/audit-batches`),
 * and says whether the store recorded it (201 for its batch). It never throws for a failed
 * write: the caller replies with one of the payloads below instead of the data (no audit, no data).
 */

export const AUDIT_FAILED_MESSAGE =
  'The request could not be recorded in the audit log, so no data was returned.';
export const AUDIT_FAILED = {
  data: null,
  errors: [{ message: AUDIT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE' } }],
};

/** A mutation whose attempt could not be recorded: refused before anything was forwarded. */
export const AUDIT_ATTEMPT_FAILED_MESSAGE =
  'The change could not be recorded in the audit log, so it was not made: nothing was saved. Try again later.';
export const AUDIT_ATTEMPT_FAILED = {
  data: null,
  errors: [{ message: AUDIT_ATTEMPT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: false } }],
};

/**
 * A mutation whose attempt WAS recorded and forwarded, but whose outcome could not be: the
 * change may well have been saved, so the caller is told so (never "nothing was saved") and
 * asked to check before repeating it. The result is still withheld: no audit, no data.
 */
export const AUDIT_OUTCOME_FAILED_MESSAGE =
  'The change was sent and may have been saved, but its outcome could not be recorded in the audit log, so the result is not shown. Check the record before trying again.';
export const AUDIT_OUTCOME_FAILED = {
  data: null,
  errors: [
    { message: AUDIT_OUTCOME_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: 'unknown' } },
  ],
};

export interface AuditWriterOptions {
  /** Base URL of the audit service. */
  auditUrl: string;
  secret: string;
  /** How long a write may take, queued and sent, before the request fails closed. */
  timeoutMs: number;
  /** Tenancy: tags each event with the councils it concerns (see councils.ts). */
  councils?: CouncilDirectory | undefined;
  /** Most events in one call to the audit service (default AUDIT_BATCH_MAX_EVENTS_SENT). */
  maxBatch?: number;
}

export interface AuditWriter {
  /** True once the store has recorded the event; false (logged) when it could not. */
  write(event: AuditEventInput, request: FastifyRequest): Promise<boolean>;
  /** Calls made to the audit service so far, and events waiting for the next one. */
  stats(): { batches: number; queued: number };
  close(): Promise<void>;
}

/** Default cap on events per call: one statement's worth for the store, well under its 1,000. */
export const AUDIT_BATCH_MAX_EVENTS_SENT = 256;
/** A batch's JSON stays under this many bytes (the audit service accepts 16 MiB). */
export const AUDIT_BATCH_MAX_BYTES_SENT = 4 * 1024 * 1024;

/** Why a batch was not recorded (logged once per request in it). */
interface BatchFailure {
  status?: number;
  body?: string;
  err?: unknown;
  reason: string;
}

const runHere = <R>(fn: () => R): R => fn();

interface Queued {
  /** The event's JSON (serialised once, when queued). */
  json: string;
  /** performance.now() after which this request no longer waits: it fails closed. */
  deadline: number;
  /** Runs a function in the queueing request's async context (its trace, for the CLIENT span). */
  inContext: <R>(fn: () => R) => R;
  done(failure: BatchFailure | null): void;
}

/**
 * Group commit at the gateway (issue 14): the events of concurrent requests go to the audit
 * service in ONE call, `POST /internal/audit-batches`, which appends them in one transaction.
 * No timer: a lone event is sent at once; while a batch is in flight the next accumulates and
 * is sent when the previous call finishes (at most `maxBatch` events or AUDIT_BATCH_MAX_BYTES_SENT
 * bytes per call). Each caller's promise settles only with its batch: `null` once the audit
 * service answered 201 for the whole batch (durable), else the failure. All or nothing, as the
 * service answers: a refused, failed or timed-out batch fails every request in it. A request
 * waits at most `timeoutMs` in all (queued and sent): the call's deadline is its oldest event's,
 * and an event whose deadline passed while queued is failed without being sent.
 * One service token per call, not per event.
 */
export class AuditBatchClient {
  readonly #pool: Pool;
  readonly #origin: string;
  readonly #path: string;
  readonly #secret: string;
  readonly #timeoutMs: number;
  readonly #maxBatch: number;
  #queue: Queued[] = [];
  #inFlight = false;
  #batches = 0;

  constructor(options: {
    auditUrl: string;
    secret: string;
    timeoutMs: number;
    maxBatch?: number | undefined;
  }) {
    const base = new URL(options.auditUrl);
    this.#origin = base.origin;
    this.#path = `${base.pathname.replace(/\/$/, '')}/internal/audit-batches`;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBatch = Math.max(1, options.maxBatch ?? AUDIT_BATCH_MAX_EVENTS_SENT);
    // A keep-alive pool, not global fetch, whose WHATWG machinery cost more CPU than the write
    // itself (scripts/bench/record-load.ts profiles). One call in flight at a time.
    this.#pool = new Pool(this.#origin, {
      connections: 2,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveMaxTimeout: 5_000,
    });
  }

  /** Calls made to the audit service so far. */
  get batches(): number {
    return this.#batches;
  }

  /** Events waiting for the call in flight to finish (not yet sent). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues one (already valid) event; resolves null once it is durable, else with why not. */
  send(event: AuditEventInput): Promise<BatchFailure | null> {
    return new Promise((resolve) => {
      this.#queue.push({
        json: JSON.stringify(event),
        deadline: performance.now() + this.#timeoutMs,
        // Only tracing reads the context (a snapshot per event was ~1% of the gateway's CPU).
        inContext: isTracing() ? AsyncLocalStorage.snapshot() : runHere,
        done: resolve,
      });
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#inFlight) return;
    const now = performance.now();
    // Events that waited their whole time in the queue fail closed unsent (so never stored).
    while (this.#queue.length > 0 && this.#queue[0]!.deadline <= now) {
      this.#queue.shift()!.done({ reason: 'timed out before it could be sent' });
    }
    if (this.#queue.length === 0) return;
    let bytes = 0;
    let n = 0;
    while (n < this.#queue.length && n < this.#maxBatch) {
      const size = this.#queue[n]!.json.length + 1;
      if (n > 0 && bytes + size > AUDIT_BATCH_MAX_BYTES_SENT) break;
      bytes += size;
      n += 1;
    }
    const batch = this.#queue.splice(0, n);
    this.#inFlight = true;
    this.#batches += 1;
    // The oldest event's deadline bounds the call (FIFO, one timeout: later events have later ones).
    const timeout = Math.max(1, Math.ceil(batch[0]!.deadline - now));
    batch[0]!
      .inContext(() => this.#post(batch, timeout))
      .then(
        (failure) => {
          for (const queued of batch) queued.done(failure);
          this.#inFlight = false;
          this.#flush();
        },
        // #post never throws; this only keeps the queue moving if it ever did.
        (err: unknown) => {
          for (const queued of batch) queued.done({ reason: 'failed', err });
          this.#inFlight = false;
          this.#flush();
        },
      );
  }

  async #post(batch: readonly Queued[], timeoutMs: number): Promise<BatchFailure | null> {
    try {
      const token = await signServiceToken(this.#secret, 'audit-writer', `audit-batch-${randomUUID()}`);
      const body = `{"events":[${batch.map((q) => q.json).join(',')}]}`;
      // A CLIENT span and its traceparent, when tracing is on (@hub/telemetry).
      const response = await traceOutgoing(
        { method: 'POST', origin: this.#origin, path: '/internal/audit-batches' },
        (trace) =>
          this.#pool.request({
            path: this.#path,
            method: 'POST',
            headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token, ...trace },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          }),
      );
      if (response.statusCode === 201) {
        const answer = (await response.body.json()) as { events?: unknown[] };
        // Durable only if the service says it stored exactly this batch.
        if (answer.events?.length === batch.length) return null;
        return {
          status: 201,
          reason: `answered ${answer.events?.length ?? 'no'} events for ${batch.length}`,
        };
      }
      return { status: response.statusCode, body: await response.body.text(), reason: 'refused' };
    } catch (err) {
      return { err, reason: 'failed' };
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const client = new AuditBatchClient(options);

  /**
   * Tenancy: the councils an event concerns are those of the children it names plus the
   * actor's own (an LA officer's or auditor's). If the record cannot say, the event is marked
   * `unknown` (shown to every council's auditors) rather than lost: no audit, no access.
   */
  async function withCouncils(event: AuditEventInput, request: FastifyRequest): Promise<AuditEventInput> {
    if (!options.councils) return event;
    const own = request.principal ? councilOf(request.principal) : null;
    let found: string[];
    try {
      const map = await options.councils.councilsOf(
        (event.children ?? []).map((child) => child.childId),
        request.id,
      );
      found = [...map.values()].filter((council): council is string => council !== null);
    } catch (error) {
      request.log.error({ err: error }, 'could not find the councils of an audit event');
      found = [UNKNOWN_COUNCIL];
    }
    return { ...event, councils: [...new Set([...(own ? [own] : []), ...found])] };
  }

  async function write(plain: AuditEventInput, request: FastifyRequest): Promise<boolean> {
    const event = await withCouncils(plain, request);
    // Checked here with the store's own validator, so an event the store would refuse fails
    // this request alone instead of the batch it would share with others' events.
    try {
      checkAuditEventInput(event);
    } catch (error) {
      request.log.error({ err: error }, 'audit event refused before sending');
      return false;
    }
    const failure = await client.send(event);
    if (failure === null) return true;
    const { reason, ...detail } = failure;
    request.log.error(detail, `audit write ${reason}`);
    return false;
  }

  return {
    write,
    stats: () => ({ batches: client.batches, queued: client.queued }),
    close: () => client.close(),
  };
}
