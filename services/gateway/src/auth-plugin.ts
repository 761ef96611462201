import { AuthError, type UserTokenVerifier } from '@hub/auth';
import { isPurpose, type Principal, PURPOSES, type Purpose } from '@hub/policy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    purpose: Purpose | null;
  }
}

export const PURPOSE_HEADER = 'x-hub-purpose';

/** The path mercurius serves GraphQL on (GET and POST). */
export const GRAPHQL_ROUTE = '/graphql';

/**
 * True when Fastify matched the GraphQL route for this request, however the URL was spelled
 * (`/%67raphql` is routed to it too). Guards ask this, never `request.url`: the router
 * matches the percent-decoded path, the raw URL is whatever the caller sent.
 */
export function isGraphqlRoute(request: FastifyRequest): boolean {
  return !request.is404 && request.routeOptions.url === GRAPHQL_ROUTE;
}

function graphqlError(message: string, code: string) {
  return { data: null, errors: [{ message, extensions: { code } }] };
}

/**
 * Every request the GraphQL route serves (GET, POST and Fastify's HEAD) needs a valid
 * end-user bearer token (401 otherwise, before any GraphQL runs). Bound to the matched route,
 * not the URL. The declared purpose (consent is per purpose) comes from X-Hub-Purpose.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: { verifier: UserTokenVerifier }) => {
    app.decorateRequest('principal', null);
    app.decorateRequest('purpose', null);
    app.addHook('onRequest', async (request, reply) => {
      if (!isGraphqlRoute(request)) return;
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!match?.[1]) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send(
            graphqlError('Sign in first: send an "Authorization: Bearer <token>" header.', 'UNAUTHENTICATED'),
          );
      }
      try {
        request.principal = await options.verifier.verify(match[1]);
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Token could not be verified.';
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer error="invalid_token"')
          .send(graphqlError(message, 'UNAUTHENTICATED'));
      }
      const purpose = request.headers[PURPOSE_HEADER];
      if (purpose !== undefined) {
        if (!isPurpose(purpose)) {
          return reply
            .code(400)
            .send(graphqlError(`Unknown purpose. Use one of: ${PURPOSES.join(', ')}.`, 'INVALID_INPUT'));
        }
        request.purpose = purpose;
      }
    });
  },
  { name: 'hub-auth' },
);
