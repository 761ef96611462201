import { AuthError, SERVICE_TOKEN_HEADER, verifyServiceToken } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { recordRoute, typedRoutes } from '@hub/service-kit';
import { todayInEngland } from '@hub/synthetic';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { currentLinks, resolveBatch } from './store.ts';
import { ResolveRequestError, validateLinksRequest, validateResolveRequest } from './validate.ts';

const problem = (code: string, message: string, extra: Record<string, unknown> = {}) => ({
  error: { code, message, ...extra },
});

/**
 * The adapters' identity routes (the contract in README "Identity matching"). Service-token
 * authenticated (audience identity-resolve): the route-bound guard checks the token before the
 * body is read, and each handler verifies it again for the request id it records.
 *
 * Registered from their definitions (@hub/service-kit RECORD_API identityResolve, identityLinks):
 * - `POST /internal/identity/resolve` {orgId, records[≤2000]} → {results} in the same order.
 * - `POST /internal/identity/links` {system, sourceIds[≤2000]} → {links}: the current child of
 *   each source record, so adapters hide rows whose link was undone.
 * Their bodies are checked here, record by record, not by a schema (see RECORD_API).
 */
export function registerIdentityRoutes(app: FastifyInstance, deps: { db: DbHandle; secret: string }): void {
  async function caller(token: unknown, reply: FastifyReply) {
    try {
      return await verifyServiceToken(
        deps.secret,
        'identity-resolve',
        typeof token === 'string' ? token : undefined,
      );
    } catch (error) {
      reply
        .code(401)
        .send(problem('UNAUTHENTICATED', error instanceof AuthError ? error.message : 'Unauthenticated.'));
      return null;
    }
  }

  const routes = typedRoutes(app);
  routes.route({
    ...recordRoute('identityResolve'),
    handler: async (request, reply) => {
      const token = await caller(request.headers[SERVICE_TOKEN_HEADER], reply);
      if (!token) return reply;
      let parsed: ReturnType<typeof validateResolveRequest>;
      try {
        parsed = validateResolveRequest(request.body, todayInEngland());
      } catch (error) {
        if (error instanceof ResolveRequestError)
          return reply.code(400).send(problem('INVALID_INPUT', error.message, { problems: error.problems }));
        throw error;
      }
      const results = await resolveBatch(deps.db, {
        orgId: parsed.orgId,
        checked: parsed.checked,
        actor: { sub: 'identity-resolve', role: 'system', org: parsed.orgId, requestId: token.requestId },
      });
      return { results };
    },
  });

  routes.route({
    ...recordRoute('identityLinks'),
    handler: async (request, reply) => {
      const token = await caller(request.headers[SERVICE_TOKEN_HEADER], reply);
      if (!token) return reply;
      try {
        const { system, sourceIds } = validateLinksRequest(request.body);
        return { links: await currentLinks(deps.db, system, sourceIds) };
      } catch (error) {
        if (error instanceof ResolveRequestError)
          return reply.code(400).send(problem('INVALID_INPUT', error.message, { problems: error.problems }));
        throw error;
      }
    },
  });
}
