import { Readable } from 'node:stream';
import type { AuditEventInput, AuditOutcome, OperationType } from '@hub/audit';
import {
  AuthError,
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  signInternalContext,
  signServiceToken,
  type UserTokenVerifier,
} from '@hub/auth';
import type { AccessReport } from '@hub/service-kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type DocumentNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import type { AccessTap } from './access-tap.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Access reports from the subgraphs for this request (filled by the AccessTap). */
    auditAccess: AccessReport[] | null;
    /** Set once this request's one audit event has been handed to the writer. */
    audited: boolean;
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
}

export const AUDIT_FAILED_MESSAGE =
  'The request could not be recorded in the audit log, so no data was returned.';
const AUDIT_FAILED = {
  data: null,
  errors: [{ message: AUDIT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE' } }],
};

const DENIAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN_FIELD']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isGraphqlRequest = (request: FastifyRequest) => request.url.startsWith('/graphql');

/** The operation a GraphQL request asked for, read from the request itself (it may not parse). */
export function describeOperation(body: unknown): {
  operationName: string | null;
  operationType: OperationType;
} {
  const { query, operationName } = (body ?? {}) as { query?: unknown; operationName?: unknown };
  if (typeof query !== 'string') return { operationName: null, operationType: 'unknown' };
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return { operationName: null, operationType: 'unknown' };
  }
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation) return { operationName: null, operationType: 'unknown' };
  // `Name:rootFields` (or just the root fields when anonymous): the client picks the name, the
  // root fields say what was actually asked or done (`Grant:grantConsent`, `child`).
  const rootFields = operation.selectionSet.selections
    .flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []))
    .join(',');
  const name = [operation.name?.value, rootFields].filter(Boolean).join(':');
  return { operationName: name.slice(0, 300) || null, operationType: operation.operation };
}

/** ok / denied / error, from what the caller is about to receive. */
export function outcomeOf(statusCode: number, errorCodes: string[], fieldsDenied: string[]): AuditOutcome {
  if (errorCodes.some((code) => DENIAL_CODES.has(code)) || fieldsDenied.length > 0) return 'denied';
  if (statusCode === 401 || statusCode === 403) return 'denied';
  if (errorCodes.length > 0 || statusCode >= 400) return 'error';
  return 'ok';
}

/**
 * The one event of a /graphql request: who, what operation, which children, which fields were
 * returned and which denied (by the subgraphs' reports and by the gateway's own field guard),
 * break-glass, outcome. Field names and ids only: the response body's data is never read.
 */
export function graphqlAuditEvent(
  request: FastifyRequest,
  statusCode: number,
  body: unknown,
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
  const sections = new Map<string, Set<string>>();
  for (const report of reports) {
    const seen = sections.get(report.childId) ?? new Set<string>();
    if (report.fieldsReturned.length > 0) seen.add(report.subject);
    sections.set(report.childId, seen);
  }
  const breakGlass = reports.some((r) => r.breakGlass);
  const { operationName, operationType } = describeOperation(
    request.method === 'GET' ? request.query : request.body,
  );
  return {
    requestId: request.id,
    actor: actorOf(request),
    purpose: request.purpose,
    operationName,
    operationType,
    outcome: outcomeOf(statusCode, errorCodes, fieldsDenied),
    errorCodes,
    fieldsReturned,
    fieldsDenied,
    breakGlass,
    breakGlassReason: breakGlass ? (reports.find((r) => r.breakGlassReason)?.breakGlassReason ?? null) : null,
    clientIp: request.ip,
    children: [...sections].map(([childId, subjects]) => ({ childId, sections: [...subjects] })),
  };
}

function actorOf(request: FastifyRequest): AuditEventInput['actor'] {
  const p = request.principal;
  return p ? { sub: p.sub, role: p.role, orgId: p.orgId } : { sub: null, role: null, orgId: null };
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

    async function write(event: AuditEventInput, request: FastifyRequest): Promise<boolean> {
      try {
        const response = await fetch(`${options.auditUrl}/internal/audit-events`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SERVICE_TOKEN_HEADER]: await signServiceToken(options.secret, 'audit-writer', request.id),
          },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.status === 201) {
          await response.body?.cancel();
          return true;
        }
        request.log.error({ status: response.status, body: await response.text() }, 'audit write refused');
      } catch (error) {
        request.log.error({ err: error }, 'audit write failed');
      }
      return false;
    }

    /** Writes the event for a GraphQL response; returns the payload to send instead when it failed. */
    async function auditGraphql(
      request: FastifyRequest,
      reply: FastifyReply,
      body: unknown,
    ): Promise<typeof AUDIT_FAILED | null> {
      request.audited = true;
      let ok: boolean;
      try {
        ok = await write(graphqlAuditEvent(request, reply.statusCode, body), request);
      } catch (error) {
        request.log.error({ err: error }, 'could not build the audit event');
        ok = false;
      }
      if (ok) return null;
      reply.code(503);
      return AUDIT_FAILED;
    }

    // Everything the handler (and the gateway's subgraph calls) does runs inside collect(),
    // so the AccessTap knows which request a subgraph response belongs to. Callback style on
    // purpose: the rest of the chain runs inside `done`, in the AsyncLocalStorage context.
    app.addHook('preHandler', (request, _reply, done) => {
      if (!isGraphqlRequest(request)) return done();
      const sink: AccessReport[] = [];
      request.auditAccess = sink;
      options.tap.collect(sink, done);
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

    /**
     * `GET /audit/export`: bearer token as for /graphql; the audit service checks the role
     * (auditor) and streams NDJSON or FHIR NDJSON. The export is itself audited, before the
     * first byte is sent: if that write fails, nothing is exported.
     */
    app.get<{ Querystring: Record<string, string | undefined> }>('/audit/export', async (request, reply) => {
      const format = request.query.format === 'fhir' ? 'fhir' : 'ndjson';
      const childId = request.query.childId;
      const base = {
        requestId: request.id,
        purpose: null,
        operationName: `audit.export:${format}`,
        operationType: 'export' as const,
        clientIp: request.ip,
        children: childId && UUID.test(childId) ? [{ childId, sections: ['AuditTrail'] }] : [],
      };
      const refuse = async (status: number, code: string, message: string) => {
        const recorded = await write(
          { ...base, actor: actorOf(request), outcome: outcomeOf(status, [code], []), errorCodes: [code] },
          request,
        );
        if (!recorded) return reply.code(503).send(AUDIT_FAILED);
        return reply.code(status).send({ error: { code, message } });
      };

      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      if (!match?.[1])
        return refuse(
          401,
          'UNAUTHENTICATED',
          'Sign in first: send an "Authorization: Bearer <token>" header.',
        );
      try {
        request.principal = await options.verifier.verify(match[1]);
      } catch (error) {
        return refuse(
          401,
          'UNAUTHENTICATED',
          error instanceof AuthError ? error.message : 'Token could not be verified.',
        );
      }
      const token = await signInternalContext(options.secret, {
        principal: request.principal,
        requestId: request.id,
        purpose: null,
      });
      const query = new URLSearchParams(
        Object.entries(request.query).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
      let upstream: Response;
      try {
        upstream = await fetch(`${options.auditUrl}/audit/export?${query}`, {
          headers: { [INTERNAL_CONTEXT_HEADER]: token, 'x-request-id': request.id },
        });
      } catch (error) {
        request.log.error({ err: error }, 'audit export unavailable');
        return refuse(503, 'UNAVAILABLE', 'The audit log is unavailable right now.');
      }
      const upstreamError = upstream.ok
        ? null
        : ((await upstream.json().catch(() => null)) as {
            error?: { code?: string; message?: string };
          } | null);
      const code = upstreamError?.error?.code ?? (upstream.ok ? null : 'UNAVAILABLE');
      const recorded = await write(
        {
          ...base,
          actor: actorOf(request),
          outcome: outcomeOf(upstream.status, code ? [code] : [], []),
          errorCodes: code ? [code] : [],
        },
        request,
      );
      if (!recorded) {
        await upstream.body?.cancel();
        return reply.code(503).send(AUDIT_FAILED);
      }
      if (upstreamError) return reply.code(upstream.status).send(upstreamError);
      reply.code(upstream.status).type(upstream.headers.get('content-type') ?? 'application/x-ndjson');
      const disposition = upstream.headers.get('content-disposition');
      if (disposition) reply.header('content-disposition', disposition);
      return reply.send(upstream.body ? Readable.fromWeb(upstream.body as never) : '');
    });

    app.addHook('onClose', async () => {
      await options.tap.close();
    });
  },
  { name: 'hub-audit', dependencies: ['hub-auth'] },
);
