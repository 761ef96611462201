import { AUDIT_EVENT_LIMITS, type AuditEventInput } from '@hub/audit';
import type { UserTokenVerifier } from '@hub/auth';
import type { AccessReport } from '@hub/service-kit';
import { Counter, Gauge } from '@hub/telemetry';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AccessTap } from './access-tap.ts';
import {
  actorOf,
  describeRequest,
  outcomeOf,
  type RequestedOperation,
  summariseAuditEvent,
} from './audit-event.ts';
import { registerAuditExport } from './audit-export.ts';
import {
  AUDIT_ATTEMPT_FAILED,
  AUDIT_FAILED,
  AUDIT_OUTCOME_FAILED,
  createAuditWriter,
} from './audit-writer.ts';
import type { CouncilDirectory } from './councils.ts';

export { describeRequest, outcomeOf, summariseAuditEvent } from './audit-event.ts';
export {
  AUDIT_ATTEMPT_FAILED_MESSAGE,
  AUDIT_FAILED_MESSAGE,
  AUDIT_OUTCOME_FAILED_MESSAGE,
} from './audit-writer.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Access reports from the subgraphs for this request (filled by the AccessTap). */
    auditAccess: AccessReport[] | null;
    /** Set once this request's (outcome) audit event has been handed to the writer. */
    audited: boolean;
    /** Set once a mutation's write-ahead `attempted` event is durably recorded. */
    auditAttempted: boolean;
    /** The operation as read from the request (parsed once). */
    auditRequested: RequestedOperation | null;
  }
}

export interface AuditPluginOptions {
  /** Base URL of the audit service. */
  auditUrl: string;
  secret: string;
  tap: AccessTap;
  /** For `/audit/export`, which the gateway serves outside /graphql. */
  verifier: UserTokenVerifier;
  /** How long a write may take before the request fails closed. */
  timeoutMs?: number;
  /**
   * The token limit mercurius parses with (GATEWAY_MAX_TOKENS). Must be the same number: a
   * document over it is not a mutation here because mercurius will not run it either.
   */
  maxTokens?: number;
  /** Tenancy: tags each event with the councils it concerns (see councils.ts). */
  councils?: CouncilDirectory;
}

// The matched route, never request.url: `/%67raphql` is routed to /graphql too (see auth-plugin).
const isGraphqlRequest = (request: FastifyRequest) => request.routeOptions.url === '/graphql';

/**
 * The outcome event of a /graphql request: who, what operation, which children (every child the
 * operation names in its arguments, plus every child a subgraph reported; sections empty when
 * nothing was returned), which fields were returned and which denied (by the subgraphs' reports
 * and by the gateway's own field guard), break-glass, outcome. Field names and ids only: the
 * response body's data is never read. Summarised so it always fits the store.
 */
export function graphqlAuditEvent(
  request: FastifyRequest,
  statusCode: number,
  body: unknown,
  maxTokens?: number,
): AuditEventInput {
  const reports = request.auditAccess ?? [];
  const errors = (body as { errors?: unknown } | null)?.errors;
  const errorCodes = Array.isArray(errors)
    ? errors.flatMap((e) => {
        const code = (e as { extensions?: { code?: unknown } } | null)?.extensions?.code;
        return typeof code === 'string' ? [code] : [];
      })
    : [];
  const fieldsReturned = reports.flatMap((r) => r.fieldsReturned.map((field) => `${r.subject}.${field}`));
  const fieldsDenied = [
    ...reports.flatMap((r) => r.fieldsDenied.map((d) => `${r.subject}.${d.field}:${d.reason}`)),
    ...(request.gatewayDenials ?? []).map((d) => `${d.field}:${d.reason}`),
  ];
  const requested = requestedOperation(request, maxTokens);
  const sections = new Map<string, Set<string>>();
  for (const childId of requested.childIds) sections.set(childId, new Set());
  for (const report of reports) {
    const id = report.childId.toLowerCase();
    const seen = sections.get(id) ?? new Set<string>();
    if (report.fieldsReturned.length > 0) seen.add(report.subject);
    sections.set(id, seen);
  }
  const breakGlass = reports.some((r) => r.breakGlass);
  return summariseAuditEvent({
    requestId: request.id,
    actor: actorOf(request.principal),
    purpose: request.purpose,
    operationName: requested.operationName,
    operationType: requested.operationType,
    outcome: outcomeOf(statusCode, errorCodes, fieldsDenied),
    errorCodes,
    fieldsReturned,
    fieldsDenied,
    breakGlass,
    breakGlassReason: breakGlass ? (reports.find((r) => r.breakGlassReason)?.breakGlassReason ?? null) : null,
    clientIp: request.ip,
    children: [...sections].map(([childId, subjects]) => ({ childId, sections: [...subjects] })),
  });
}

/**
 * The write-ahead event of a mutation, recorded before it is forwarded: who, what, why, the
 * children it names, and (for openBreakGlass) the reason given. No fields: nothing has run.
 */
export function attemptAuditEvent(request: FastifyRequest, requested: RequestedOperation): AuditEventInput {
  return summariseAuditEvent({
    requestId: request.id,
    actor: actorOf(request.principal),
    purpose: request.purpose,
    operationName: requested.operationName,
    operationType: requested.operationType,
    outcome: 'attempted',
    errorCodes: [],
    fieldsReturned: [],
    fieldsDenied: [],
    breakGlass: requested.breakGlass,
    breakGlassReason: requested.breakGlass ? requested.breakGlassReason : null,
    clientIp: request.ip,
    children: requested.childIds.map((childId) => ({ childId, sections: [] })),
  });
}

/** What the request asked for; parsed once per request (the attempt and the outcome share it). */
function requestedOperation(request: FastifyRequest, maxTokens?: number): RequestedOperation {
  request.auditRequested ??= describeRequest(
    request.method === 'GET' ? request.query : request.body,
    maxTokens,
  );
  return request.auditRequested;
}

/**
 * No audit, no access. Every /graphql request produces exactly one audit event, written
 * before the response leaves the gateway; if the write fails the response is replaced by a
 * 503 with no data. Requests refused before GraphQL runs (no or bad token, bad purpose,
 * unparseable body) are recorded too: they reach the same hooks with their error payload.
 */
export const auditPlugin = fp(
  async (app: FastifyInstance, options: AuditPluginOptions) => {
    const timeoutMs = options.timeoutMs ?? 5_000;
    app.decorateRequest('auditAccess', null);
    app.decorateRequest('audited', false);
    app.decorateRequest('auditAttempted', false);
    app.decorateRequest('auditRequested', null);

    const writer = createAuditWriter({
      auditUrl: options.auditUrl,
      secret: options.secret,
      timeoutMs,
      councils: options.councils,
    });

    // Group commit, observable: calls to the audit service and events waiting for the next one
    // (GET /metrics; the registry is the telemetry plugin's, absent when it is not registered).
    const registry = (app as Partial<Pick<FastifyInstance, 'hubMetrics'>>).hubMetrics?.registry;
    if (registry) {
      new Counter({
        name: 'hub_audit_batches_total',
        help: 'Calls made to the audit service, each carrying one batch of audit events.',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(writer.stats().batches);
        },
      });
      new Gauge({
        name: 'hub_audit_queued_events',
        help: 'Audit events waiting for the batch in flight to be recorded before they are sent.',
        registers: [registry],
        collect() {
          this.set(writer.stats().queued);
        },
      });
    }

    /** Writes the event for a GraphQL response; returns the payload to send instead when it failed. */
    async function auditGraphql(
      request: FastifyRequest,
      reply: FastifyReply,
      body: unknown,
    ): Promise<typeof AUDIT_FAILED | typeof AUDIT_OUTCOME_FAILED | null> {
      request.audited = true;
      let ok: boolean;
      try {
        ok = await writer.write(
          graphqlAuditEvent(request, reply.statusCode, body, options.maxTokens),
          request,
        );
      } catch (error) {
        request.log.error({ err: error }, 'could not build the audit event');
        ok = false;
      }
      if (ok) return null;
      reply.code(503);
      return request.auditAttempted ? AUDIT_OUTCOME_FAILED : AUDIT_FAILED;
    }

    /**
     * Write-ahead for mutations: the `attempted` event must be durably recorded (201 from the
     * store) before the mutation is forwarded to any subgraph. Returns the reply to send instead
     * of running GraphQL, or null to go on. Queries, and requests that do not parse (they never
     * execute), go straight on: their one event is written after they ran, before any data leaves.
     */
    async function writeAhead(request: FastifyRequest, reply: FastifyReply): Promise<unknown | null> {
      const requested = requestedOperation(request, options.maxTokens);
      if (requested.operationType !== 'mutation') return null;
      // A reason the audit log could not hold is refused before anything is stored anywhere:
      // recorded (with the child) as an INVALID_INPUT error by the normal outcome path.
      if ((requested.breakGlassReason?.length ?? 0) > AUDIT_EVENT_LIMITS.breakGlassReason) {
        reply.code(400);
        return {
          data: null,
          errors: [
            {
              message: `The break-glass reason is too long: at most ${AUDIT_EVENT_LIMITS.breakGlassReason} characters.`,
              extensions: { code: 'INVALID_INPUT', field: 'reason' },
            },
          ],
        };
      }
      let ok: boolean;
      try {
        ok = await writer.write(attemptAuditEvent(request, requested), request);
      } catch (error) {
        request.log.error({ err: error }, 'could not build the attempt event');
        ok = false;
      }
      if (ok) {
        request.auditAttempted = true;
        return null;
      }
      // Nothing was forwarded and the store is failing: no outcome event is attempted either.
      request.audited = true;
      reply.code(503);
      return AUDIT_ATTEMPT_FAILED;
    }

    // The request's report sink: the gateway binds it to the request's signed context when it
    // makes the first subgraph call (app.ts rewriteHeaders, AccessTap.bind), so each subgraph
    // response's reports land here. A mutation first has its attempt recorded (writeAhead);
    // only then does the handler run.
    app.addHook('preHandler', (request, reply, done) => {
      if (!isGraphqlRequest(request)) return done();
      const sink: AccessReport[] = [];
      request.auditAccess = sink;
      writeAhead(request, reply).then(
        (refusal) => {
          if (refusal === null) done();
          // Replying from a callback hook: send without calling done (fastify Hooks guide).
          else reply.send(refusal);
        },
        (error: unknown) => done(error as Error),
      );
    });

    // Normal path: the response object before serialisation (GraphQL results and errors, and
    // the auth plugin's 401/400 replies).
    app.addHook('preSerialization', async (request, reply, payload) => {
      if (!isGraphqlRequest(request) || request.audited) return payload;
      return (await auditGraphql(request, reply, payload)) ?? payload;
    });

    // Safety net: replies that skip preSerialization (already-serialised strings, fastify's
    // fallback error handler). Parsed only to read the error codes.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!isGraphqlRequest(request) || request.audited) return payload;
      let body: unknown = null;
      if (typeof payload === 'string') {
        try {
          body = JSON.parse(payload);
        } catch {
          body = null;
        }
      }
      const failed = await auditGraphql(request, reply, body);
      if (!failed) return payload;
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(failed);
    });

    registerAuditExport(app, {
      auditUrl: options.auditUrl,
      secret: options.secret,
      verifier: options.verifier,
      writer,
    });

    app.addHook('onClose', async () => {
      await writer.close();
      await options.tap.close();
    });
  },
  { name: 'hub-audit', dependencies: ['hub-auth'] },
);
