import { Readable } from 'node:stream';
import { AuthError, INTERNAL_CONTEXT_HEADER, signInternalContext, type UserTokenVerifier } from '@hub/auth';
import type { FastifyInstance } from 'fastify';
import { actorOf, outcomeOf } from './audit-event.ts';
import { AUDIT_FAILED, type AuditWriter } from './audit-writer.ts';

export interface AuditExportOptions {
  /** Base URL of the audit service. */
  auditUrl: string;
  secret: string;
  verifier: UserTokenVerifier;
  writer: AuditWriter;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `GET /audit/export`: bearer token as for /graphql; the audit service checks the role
 * (auditor) and streams NDJSON or FHIR NDJSON. The export is itself audited, before the
 * first byte is sent: if that write fails, nothing is exported.
 */
export function registerAuditExport(app: FastifyInstance, options: AuditExportOptions): void {
  const { writer } = options;
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
      const recorded = await writer.write(
        {
          ...base,
          actor: actorOf(request.principal),
          outcome: outcomeOf(status, [code], []),
          errorCodes: [code],
        },
        request,
      );
      if (!recorded) return reply.code(503).send(AUDIT_FAILED);
      return reply.code(status).send({ error: { code, message } });
    };

    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match?.[1])
      return refuse(401, 'UNAUTHENTICATED', 'Sign in first: send an "Authorization: Bearer <token>" header.');
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
    const recorded = await writer.write(
      {
        ...base,
        actor: actorOf(request.principal),
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
}
