import { Readable } from 'node:stream';
import {
  type AuditFilter,
  AuditInputError,
  appendAuditEvent,
  auditWriterFor,
  FHIR_NDJSON_CONTENT_TYPE,
  iterateAuditEvents,
  NDJSON_CONTENT_TYPE,
  OUTCOMES,
  type StoredAuditEvent,
  toFhirNdjsonLine,
  toNdjsonLine,
  validateAuditQuery,
} from '@hub/audit';
import {
  AuthError,
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  verifyInternalContext,
  verifyServiceToken,
} from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { councilOf, type Principal } from '@hub/policy';
import type { FastifyInstance } from 'fastify';

/** Most events in one `POST /internal/audit-batches` (the store's default batch bound). */
export const AUDIT_BATCH_MAX_EVENTS = 1000;
/** Largest batch body accepted (a single event's bounds are the store's, AUDIT_EVENT_LIMITS). */
export const AUDIT_BATCH_MAX_BYTES = 16 * 1024 * 1024;

const problem = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message, ...extra },
});

/**
 * `POST /internal/audit-events`: the gateway appends the one event of a request. Authenticated
 * by a service token (audience audit-writer), not a user context: the gateway also records
 * callers it could not authenticate. 201 with the stored event (seq, hash); 400 lists every
 * problem; any other failure is a 5xx, which the gateway turns into "no data returned".
 */
export function registerAuditRoutes(app: FastifyInstance, deps: { db: DbHandle; secret: string }): void {
  app.post('/internal/audit-events', { config: { serviceAuth: 'audit-writer' } }, async (request, reply) => {
    const token = request.headers[SERVICE_TOKEN_HEADER];
    try {
      await verifyServiceToken(deps.secret, 'audit-writer', typeof token === 'string' ? token : undefined);
    } catch (error) {
      return reply.code(401).send(problem('UNAUTHENTICATED', (error as Error).message));
    }
    try {
      const stored = await appendAuditEvent(deps.db, request.body as never);
      return reply.code(201).send({ event: stored });
    } catch (error) {
      if (error instanceof AuditInputError) {
        return reply.code(400).send(problem('INVALID_INPUT', error.message, { problems: error.problems }));
      }
      request.log.error({ err: error }, 'audit append failed');
      return reply.code(503).send(problem('UNAVAILABLE', 'The audit log could not record the event.'));
    }
  });

  /**
   * `POST /internal/audit-batches` `{ events: [...] }`: the gateway's group commit (its writer
   * coalesces the events of concurrent requests into one call, audit-writer.ts). The batch is
   * appended in ONE transaction, in the given order, consecutively: 201 with each event's seq
   * and hash in that order once the whole batch is durable. All or nothing: one invalid event
   * is a 400 listing every problem (`events[i].…`) and nothing of the batch is stored; any
   * other failure is a 503 and nothing is stored either (one transaction). Why not per event:
   * a partial answer would let part of a batch be durable while the gateway fails the rest
   * closed, the chain order of a batch would have holes, and the gateway already checks each
   * event with the same validator before queueing it, so an innocent request never shares a
   * batch with an event the store would refuse.
   */
  app.post<{ Body: { events: unknown[] } }>(
    '/internal/audit-batches',
    {
      config: { serviceAuth: 'audit-writer' },
      // Up to AUDIT_BATCH_MAX_EVENTS events; the gateway also caps a batch's bytes below this.
      bodyLimit: AUDIT_BATCH_MAX_BYTES,
      schema: {
        body: {
          type: 'object',
          required: ['events'],
          additionalProperties: false,
          properties: {
            events: {
              type: 'array',
              minItems: 1,
              maxItems: AUDIT_BATCH_MAX_EVENTS,
              items: { type: 'object' },
            },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['events'],
            properties: {
              events: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['seq', 'hash'],
                  properties: { seq: { type: 'integer' }, hash: { type: 'string' } },
                },
              },
            },
          },
        },
      },
      // The envelope's problems in this service's problem shape (the events' own are listed below).
      attachValidation: true,
    },
    async (request, reply) => {
      const token = request.headers[SERVICE_TOKEN_HEADER];
      try {
        await verifyServiceToken(deps.secret, 'audit-writer', typeof token === 'string' ? token : undefined);
      } catch (error) {
        return reply.code(401).send(problem('UNAUTHENTICATED', (error as Error).message));
      }
      if (request.validationError) {
        const message = `Invalid audit batch: body${request.validationError.message.replace(/^body/, '')}.`;
        return reply.code(400).send(problem('INVALID_INPUT', message, { problems: [message] }));
      }
      try {
        const stored = await auditWriterFor(deps.db).appendAll(request.body.events);
        return reply
          .code(201)
          .send({ events: stored.map((event) => ({ seq: event.seq, hash: event.hash })) });
      } catch (error) {
        if (error instanceof AuditInputError) {
          return reply.code(400).send(problem('INVALID_INPUT', error.message, { problems: error.problems }));
        }
        request.log.error({ err: error, events: request.body.events.length }, 'audit batch append failed');
        return reply.code(503).send(problem('UNAVAILABLE', 'The audit log could not record the batch.'));
      }
    },
  );

  /**
   * `GET /audit/export?format=ndjson|fhir&childId&actorSub&organisation&from&to&breakGlass&outcome&withoutOutcome`:
   * every matching event (the same filter as the auditEvents query), oldest first, one JSON
   * document per line, streamed from the database a batch at a time. Reached through the
   * gateway (which verifies the user's token, forwards a signed context and audits the export
   * itself); auditors only. The internal-context guard refuses callers without a context
   * first (`hubAccess: 'context'`); the handler verifies the context again itself.
   */
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/audit/export',
    { config: { hubAccess: 'context' } },
    async (request, reply) => {
      const token = request.headers[INTERNAL_CONTEXT_HEADER];
      let principal: Principal;
      try {
        principal = (await verifyInternalContext(deps.secret, typeof token === 'string' ? token : ''))
          .principal;
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Unauthenticated.';
        return reply.code(401).send(problem('UNAUTHENTICATED', message));
      }
      // Tenancy: an auditor exports their own council's events (see AuditFilter.council).
      const council = councilOf(principal);
      if (principal.role !== 'auditor' || council === null)
        return reply.code(403).send(problem('FORBIDDEN', 'Only auditors may export the audit log.'));
      const query = request.query;
      const format = query.format ?? 'ndjson';
      const problems: string[] = [];
      if (format !== 'ndjson' && format !== 'fhir') problems.push('format must be ndjson or fhir');
      if (query.breakGlass !== undefined && query.breakGlass !== 'true' && query.breakGlass !== 'false') {
        problems.push('breakGlass must be true or false');
      }
      // The GraphQL filter's spelling (DENIED) and the stored one (denied) both work, so the portal
      // sends the export exactly the filter it sent auditEvents.
      const outcome = query.outcome?.toLowerCase();
      if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) {
        problems.push(`outcome must be one of ${OUTCOMES.join(', ')}`);
      }
      if (
        query.withoutOutcome !== undefined &&
        query.withoutOutcome !== 'true' &&
        query.withoutOutcome !== 'false'
      ) {
        problems.push('withoutOutcome must be true or false');
      }
      const filter: AuditFilter = {
        childId: query.childId ?? null,
        actorSub: query.actorSub ?? null,
        organisation: query.organisation ?? null,
        from: query.from ?? null,
        to: query.to ?? null,
        breakGlass: query.breakGlass === undefined ? null : query.breakGlass === 'true',
        outcome: (OUTCOMES as readonly string[]).includes(outcome ?? '')
          ? (outcome as AuditFilter['outcome'])
          : null,
        withoutOutcome: query.withoutOutcome === 'true' ? true : null,
        council,
      };
      try {
        validateAuditQuery(filter);
      } catch (error) {
        if (!(error instanceof AuditInputError)) throw error;
        problems.push(...error.problems);
      }
      if (problems.length > 0) {
        return reply
          .code(400)
          .send(problem('INVALID_INPUT', `Invalid export: ${problems.join('; ')}.`, { problems }));
      }
      const line = format === 'fhir' ? toFhirNdjsonLine : toNdjsonLine;
      async function* lines(): AsyncGenerator<string> {
        for await (const event of iterateAuditEvents(deps.db, filter) as AsyncGenerator<StoredAuditEvent>)
          yield line(event);
      }
      return reply
        .type(format === 'fhir' ? FHIR_NDJSON_CONTENT_TYPE : NDJSON_CONTENT_TYPE)
        .header(
          'content-disposition',
          `attachment; filename="audit-events.${format === 'fhir' ? 'fhir.' : ''}ndjson"`,
        )
        .send(Readable.from(lines()));
    },
  );
}
