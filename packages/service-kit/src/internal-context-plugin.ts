import {
  AuthError,
  INTERNAL_CONTEXT_HEADER,
  type InternalContext,
  SERVICE_TOKEN_HEADER,
  type ServiceAudience,
  type SystemPrincipal,
  type SystemScope,
  type SystemTokenVerifier,
  verifyInternalContext,
  verifyServiceToken,
} from '@hub/auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Who may call a subgraph route, declared on the route itself (`config`), never worked out
 * from the URL. A route that declares nothing (neither `hubAccess` nor `serviceAuth`) is closed
 * to every caller: forgetting the declaration cannot open a route.
 */
export type RouteAccess =
  /** Anyone: liveness checks. Nothing behind such a route may read or write data. */
  | 'public'
  /** A user's request, forwarded with the gateway-signed internal context (the record's internal routes). */
  | 'context'
  /**
   * The GraphQL endpoint: the internal context, except for the gateway's start-up SDL fetch
   * (`{ _service { sdl } }`), which it makes before any user exists. The SDL is public (the file in schema/).
   */
  | 'graphql'
  /**
   * An agency's system (OAuth client credentials): `Authorization: Bearer <token>` verified
   * against the identity provider's JWKS (createSystemTokenVerifier) for the route's
   * `systemScope`. Refused when the service has no JWKS configured.
   */
  | 'system';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Absent (and no `serviceAuth`): the route is closed to every caller (deny by default). */
    hubAccess?: RouteAccess;
    /**
     * Service-to-service route: the caller proves itself with a service token of this
     * audience (see @hub/auth signServiceToken) instead of a user context. Checked before the
     * handler runs; the handler checks again.
     */
    serviceAuth?: ServiceAudience;
    /** With `hubAccess: 'system'`: the scope the system token must carry. */
    systemScope?: SystemScope;
  }
  interface FastifyRequest {
    /** Verified context from the gateway; set on every request a protected route serves. */
    hubContext: InternalContext | null;
    /** The raw signed context, forwarded when this subgraph asks the record service for access facts. */
    hubContextToken: string | null;
    /** Verified machine caller of a `hubAccess: 'system'` route. */
    systemPrincipal: SystemPrincipal | null;
  }
}

export const GATEWAY_ONLY_MESSAGE = 'This service only accepts requests from the hub gateway.';
export const UNDECLARED_ROUTE_MESSAGE = 'This route declares no access kind, so it is closed.';

/** Thrown by requireContext; Fastify answers with its statusCode and code. */
export class ContextRequiredError extends Error {
  readonly statusCode = 401;
  readonly code = 'UNAUTHENTICATED';
  constructor(message = GATEWAY_ONLY_MESSAGE) {
    super(message);
    this.name = 'ContextRequiredError';
  }
}

/**
 * Handlers of protected routes call this first: the verified internal context, or a 401.
 * Defence in depth: the route-level guard below already refused a caller without one, but a
 * handler must not rely on a hook someone could reorder, scope away or remove.
 */
export function requireContext(request: FastifyRequest): InternalContext {
  const context = (request as Partial<FastifyRequest>).hubContext;
  if (!context) throw new ContextRequiredError();
  return context;
}

/**
 * Subgraphs are never called by end users. The guard is bound to the route Fastify matched
 * (its `config`), not to `request.url`: the router matches the percent-decoded path, so any
 * test on the raw URL (`/%69nternal/...`) can disagree with what is actually served.
 *
 * Deny by default: every route declares who may call it (`hubAccess` or `serviceAuth` in its
 * route options); a route that declares neither is closed to every caller, even one with a valid
 * context (403: a programming mistake, not the caller's). The hooks are registered on the root (this
 * plugin is not encapsulated), before any route or plugin of the service, so they run for
 * every route, including routes in encapsulated plugins (mercurius) and Fastify's own HEAD
 * routes. Only a request that matched no route (404) passes untouched: it reaches no handler.
 */
export const internalContextPlugin = fp(
  async (
    app: FastifyInstance,
    options: { secret: string; systemTokens?: SystemTokenVerifier | undefined },
  ) => {
    app.decorateRequest('hubContext', null);
    app.decorateRequest('hubContextToken', null);
    app.decorateRequest('systemPrincipal', null);

    // onRequest, before the body is read: an unauthenticated caller costs no body parsing.
    app.addHook('onRequest', async (request, reply) => {
      if (request.is404) return;
      const config = request.routeOptions.config;
      if (config.hubAccess === undefined && config.serviceAuth === undefined) {
        request.log.error({ route: request.routeOptions.url }, 'route declares no access kind');
        return refuse(request, reply, UNDECLARED_ROUTE_MESSAGE, 403);
      }
      if (config.hubAccess === 'public') return;
      if (config.hubAccess === 'system') {
        const header = request.headers.authorization;
        const token = typeof header === 'string' && /^Bearer /i.test(header) ? header.slice(7).trim() : '';
        if (!options.systemTokens || config.systemScope === undefined)
          return refuse(request, reply, 'This service accepts no system callers.');
        try {
          request.systemPrincipal = await options.systemTokens.verify(token, config.systemScope);
        } catch (error) {
          return refuse(request, reply, error instanceof AuthError ? error.message : 'Unauthenticated.');
        }
        return;
      }
      if (config.serviceAuth !== undefined) {
        const token = request.headers[SERVICE_TOKEN_HEADER];
        try {
          await verifyServiceToken(
            options.secret,
            config.serviceAuth,
            typeof token === 'string' ? token : undefined,
          );
        } catch (error) {
          return refuse(request, reply, error instanceof AuthError ? error.message : GATEWAY_ONLY_MESSAGE);
        }
        return;
      }
      const token = request.headers[INTERNAL_CONTEXT_HEADER];
      if (typeof token !== 'string') {
        // The SDL exception needs the body: decided in preHandler.
        if (config.hubAccess === 'graphql') return;
        return refuse(request, reply, GATEWAY_ONLY_MESSAGE);
      }
      try {
        request.hubContext = await verifyInternalContext(options.secret, token);
        request.hubContextToken = token;
      } catch (error) {
        return refuse(request, reply, error instanceof AuthError ? error.message : 'Unauthenticated.');
      }
    });

    // The one request a protected route serves without a context: the SDL fetch on /graphql.
    app.addHook('preHandler', async (request, reply) => {
      if (request.is404 || request.hubContext || request.systemPrincipal) return;
      const config = request.routeOptions.config;
      if (config.hubAccess === 'public' || config.serviceAuth !== undefined) return;
      if (
        config.hubAccess === 'graphql' &&
        isSdlQuery(request.method === 'GET' ? request.query : request.body)
      )
        return;
      return refuse(request, reply, GATEWAY_ONLY_MESSAGE);
    });
  },
  { name: 'hub-internal-context' },
);

/** Handlers of `hubAccess: 'system'` routes call this first (defence in depth, as requireContext). */
export function requireSystem(request: FastifyRequest): SystemPrincipal {
  const principal = (request as Partial<FastifyRequest>).systemPrincipal;
  if (!principal) throw new ContextRequiredError('This route only accepts an agency system token.');
  return principal;
}

/**
 * 401 in the shape the route speaks: a GraphQL result for the GraphQL route, the REST problem
 * shape (`{ error: { code, message } }`, as the audit routes answer) for every other route.
 */
function refuse(request: FastifyRequest, reply: FastifyReply, message: string, status: 401 | 403 = 401) {
  const graphql = request.routeOptions.config.hubAccess === 'graphql';
  const code = status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN';
  return reply
    .code(status)
    .send(
      graphql ? { data: null, errors: [{ message, extensions: { code } }] } : { error: { code, message } },
    );
}

function isSdlQuery(body: unknown): boolean {
  const query = (body as { query?: unknown } | undefined)?.query;
  return (
    typeof query === 'string' && /^\s*(query\s+\w*\s*)?\{\s*_service\s*\{\s*sdl\s*\}\s*\}\s*$/.test(query)
  );
}
