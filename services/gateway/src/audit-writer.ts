import { type AuditEventInput, UNKNOWN_COUNCIL } from '@hub/audit';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { councilOf } from '@hub/policy';
import { traceOutgoing } from '@hub/telemetry';
import type { FastifyRequest } from 'fastify';
import { Pool } from 'undici';
import type { CouncilDirectory } from './councils.ts';

/**
 * The gateway's client of the audit service: hands one event to `POST /internal/audit-events`
 * and says whether the store recorded it (201). It never throws for a failed write: the caller
 * replies with one of the payloads below instead of the data (no audit, no data).
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
  /** How long a write may take before the request fails closed. */
  timeoutMs: number;
  /** Tenancy: tags each event with the councils it concerns (see councils.ts). */
  councils?: CouncilDirectory | undefined;
}

export interface AuditWriter {
  /** True once the store has recorded the event; false (logged) when it could not. */
  write(event: AuditEventInput, request: FastifyRequest): Promise<boolean>;
  close(): Promise<void>;
}

export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const { timeoutMs } = options;
  // Every request writes at least one event: a keep-alive pool, not global fetch, whose WHATWG
  // machinery cost more CPU than the write itself (scripts/bench/record-load.ts profiles).
  const auditBase = new URL(options.auditUrl);
  const appendPath = `${auditBase.pathname.replace(/\/$/, '')}/internal/audit-events`;
  const auditPool = new Pool(auditBase.origin, {
    connections: 16,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveMaxTimeout: 5_000,
  });

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
    try {
      const token = await signServiceToken(options.secret, 'audit-writer', request.id);
      // A CLIENT span and its traceparent, when tracing is on (@hub/telemetry).
      const response = await traceOutgoing(
        { method: 'POST', origin: auditBase.origin, path: '/internal/audit-events' },
        (trace) =>
          auditPool.request({
            path: appendPath,
            method: 'POST',
            headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token, ...trace },
            body: JSON.stringify(event),
            signal: AbortSignal.timeout(timeoutMs),
          }),
      );
      if (response.statusCode === 201) {
        await response.body.dump();
        return true;
      }
      request.log.error(
        { status: response.statusCode, body: await response.body.text() },
        'audit write refused',
      );
    } catch (error) {
      request.log.error({ err: error }, 'audit write failed');
    }
    return false;
  }

  return { write, close: () => auditPool.close() };
}
