import { AuthError, INTERNAL_CONTEXT_HEADER, type InternalContext, verifyInternalContext } from '@hub/auth';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks a service token itself (see @hub/auth signServiceToken); no user context. */
    serviceAuth?: boolean;
  }
  interface FastifyRequest {
    /** Verified context from the gateway; set on every /graphql request that reaches a resolver. */
    hubContext: InternalContext | null;
    /** The raw signed context, forwarded when this subgraph asks the record service for access facts. */
    hubContextToken: string | null;
  }
}

/**
 * Subgraphs are never called by end users: every GraphQL request must carry the
 * gateway-signed internal context. Anything else is a 401 before GraphQL runs.
 * The gateway's own schema-introspection call (`_service { sdl }`) is the one exception:
 * the SDL is public (it is the file in schema/), and the gateway fetches it at start.
 */
export const internalContextPlugin = fp(
  async (app: FastifyInstance, options: { secret: string }) => {
    app.decorateRequest('hubContext', null);
    app.decorateRequest('hubContextToken', null);
    app.addHook('preHandler', async (request, reply) => {
      if (!request.url.startsWith('/graphql') && !request.url.startsWith('/internal/')) return;
      // Service-to-service routes (the gateway writing audit events, also for callers it could
      // not authenticate) carry no user context and verify their own service token instead.
      if (request.routeOptions.config?.serviceAuth === true) return;
      const token = request.headers[INTERNAL_CONTEXT_HEADER];
      if (typeof token !== 'string') {
        if (request.url.startsWith('/graphql') && isSdlQuery(request.body)) return;
        return reply
          .code(401)
          .send(unauthenticated('This service only accepts requests from the hub gateway.'));
      }
      try {
        request.hubContext = await verifyInternalContext(options.secret, token);
        request.hubContextToken = token;
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Unauthenticated.';
        return reply.code(401).send(unauthenticated(message));
      }
    });
  },
  { name: 'hub-internal-context' },
);

function unauthenticated(message: string) {
  return { data: null, errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] };
}

function isSdlQuery(body: unknown): boolean {
  const query = (body as { query?: unknown } | undefined)?.query;
  return (
    typeof query === 'string' && /^\s*(query\s+\w*\s*)?\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/.test(query)
  );
}
