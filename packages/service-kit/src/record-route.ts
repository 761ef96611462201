import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HubErrorCode, isHubError } from './errors.ts';
import { ContextRequiredError } from './internal-context-plugin.ts';
import { type Problem, RECORD_API, type RecordApi, type RecordRouteName } from './record-api.ts';

/** The HTTP status each catalogue code answers with on the record's internal routes. */
export const STATUS_OF_CODE: Partial<Record<HubErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
};

const problem = (code: string, message: string): Problem => ({ error: { code, message } });

/**
 * The route options of one record internal route, from its definition (method, path, access
 * kind in `config`, body and answer schemas), for the record to add its handler:
 *
 *   typedRoutes(app).route({ ...recordRoute('accessFacts'), handler: async (request) => … })
 *
 * The body is validated before the handler runs (a mismatch is 400 INVALID_INPUT with the
 * definition's message and ajv's detail); a HubError the handler throws is answered with its
 * status (NOT_FOUND 404, FORBIDDEN 403, …) in the problem shape; anything else goes on to
 * Fastify's error handler (500, logged).
 */
export function recordRoute<N extends RecordRouteName>(name: N) {
  const definition: RecordApi[N] = RECORD_API[name];
  return {
    method: definition.method,
    url: definition.url,
    config: definition.config as RecordApi[N]['config'],
    schema: definition.schema as RecordApi[N]['schema'],
    ...('bodyLimit' in definition ? { bodyLimit: definition.bodyLimit } : {}),
    errorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
      if (error.validation) {
        return reply.code(400).send(problem('INVALID_INPUT', `${definition.invalid} (${error.message}).`));
      }
      if (isHubError(error) && STATUS_OF_CODE[error.code] !== undefined) {
        return reply.code(STATUS_OF_CODE[error.code]!).send(problem(error.code, error.message));
      }
      if (error instanceof ContextRequiredError) {
        return reply.code(401).send(problem('UNAUTHENTICATED', error.message));
      }
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        // A request Fastify could not read (not JSON, too large): the caller's mistake.
        return reply.code(error.statusCode).send(problem('INVALID_INPUT', error.message));
      }
      throw error;
    },
  } as const;
}

/** The app with TypeBox route typing: a handler's body and answer are the definition's types. */
export function typedRoutes(app: FastifyInstance) {
  return app.withTypeProvider<TypeBoxTypeProvider>();
}
