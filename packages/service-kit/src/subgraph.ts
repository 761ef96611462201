import {
  type AccessGrantCheck,
  checkAccessGrant,
  type InternalContext,
  type SystemTokenVerifier,
  signAccessGrant,
} from '@hub/auth';
import type { DbHandle } from '@hub/db';
import type { ChildAccessFacts } from '@hub/policy';
import { graphqlTelemetry, telemetryPlugin } from '@hub/telemetry';
import { mercuriusFederationPlugin } from '@mercuriusjs/federation';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import type { DestinationStream } from 'pino';
import { compactAccess } from './access.ts';
import { ACCESS_EXTENSION, type AccessReport } from './access-report.ts';
import { HubError, hubErrorFormatter } from './errors.ts';
import { internalContextPlugin } from './internal-context-plugin.ts';
import { loggerOptions } from './logger.ts';
import { readSchema } from './schema.ts';

/** What every resolver and loader of a subgraph receives in its context. */
export interface SubgraphContext {
  hub: InternalContext;
  db: DbHandle;
  log: FastifyBaseLogger;
  /** Access reports for this operation; returned to the gateway in `extensions.hubAccess`. */
  access: AccessReport[];
  /** The signed context as received, to forward to the record service's access-facts endpoint. */
  hubToken: string;
  /** Base URL of the record service (adapters fetch access facts there). */
  recordBaseUrl: string | undefined;
  /** Issues (record) and checks (adapters) access grants for this request's caller (@hub/auth access-grant.ts). */
  accessGrants: AccessGrants;
}

/** Access grants bound to one request's verified context; the secret stays in the closure. */
export interface AccessGrants {
  /** The grant for one child's facts, or null when the context carries no nonce to bind it to. */
  issue(facts: ChildAccessFacts): string | null;
  /** Checks a grant presented for `childId`; `unbound` when the context carries no nonce. */
  check(token: string, childId: string): AccessGrantCheck | { status: 'unbound' };
}

function accessGrantsFor(secret: string, hub: InternalContext | null): AccessGrants {
  const binding = hub?.nonce ? { nonce: hub.nonce, principal: hub.principal, purpose: hub.purpose } : null;
  return {
    issue: (facts) => (binding ? signAccessGrant(secret, binding, facts) : null),
    check: (token, childId) =>
      binding ? checkAccessGrant(secret, token, binding, childId) : { status: 'unbound' },
  };
}

export interface SubgraphOptions {
  /** Service name: also the SDL file `schema/<name>.graphql`. */
  name: string;
  db: DbHandle;
  internalContextSecret: string;
  logLevel: string;
  resolvers: IResolvers;
  loaders?: MercuriusLoaders;
  recordBaseUrl?: string | undefined;
  /** Where log lines go (tests read them); stdout by default. */
  logStream?: DestinationStream | undefined;
  /** METRICS_TOKEN: GET /metrics needs it as a bearer token when set; open inside the cluster when not. */
  metricsToken?: string | undefined;
  /** Verifies agency systems' tokens on `hubAccess: 'system'` routes (none: such routes refuse). */
  systemTokens?: SystemTokenVerifier | undefined;
}

declare module 'mercurius' {
  // Resolvers and loaders see the subgraph context on mercurius' own context type.
  interface MercuriusContext extends SubgraphContext {}
}

/**
 * A Fastify app serving one federation subgraph at /graphql plus /health. Not listening:
 * `server.ts` listens, tests use `inject` or listen on port 0.
 */
export function buildSubgraph(options: SubgraphOptions): FastifyInstance {
  const app = Fastify({ ...loggerOptions(options.name, options.logLevel, options.logStream) });
  // First: its hooks open the request's span and time it before any other plugin runs.
  app.register(telemetryPlugin, {
    service: options.name,
    // Only the gateway and other services reach a subgraph: continue their trace.
    trustIncomingTraceContext: true,
    metrics: options.metricsToken ? { access: 'token', token: options.metricsToken } : { access: 'public' },
    // Operational numbers only (no personal data); a scraper has no gateway context.
    metricsRouteConfig: { hubAccess: 'public' },
  });
  app.register(internalContextPlugin, {
    secret: options.internalContextSecret,
    systemTokens: options.systemTokens,
  });
  app.register(mercuriusFederationPlugin, {
    schema: readSchema(options.name),
    resolvers: options.resolvers,
    ...(options.loaders ? { loaders: options.loaders } : {}),
    errorFormatter: hubErrorFormatter as never,
    graphiql: false,
    // Compiled queries (graphql-jit) from the second time a query text is seen: the gateway sends
    // the same few query texts over and over (docs/performance.md).
    jit: 1,
    // Declared on the route (GET and POST /graphql), read by the internal-context guard.
    additionalRouteOptions: { config: { hubAccess: 'graphql' } },
    context: (request) => ({
      hub: request.hubContext,
      hubToken: request.hubContextToken,
      db: options.db,
      log: request.log,
      access: [],
      recordBaseUrl: options.recordBaseUrl,
      accessGrants: accessGrantsFor(options.internalContextSecret, request.hubContext),
    }),
  });
  graphqlTelemetry(app);
  app.register(async (scoped) => {
    // After errors are formatted: attach what this operation returned/withheld, per child.
    scoped.graphql.addHook('onResolution', async (execution, context) => {
      const access = (context as unknown as SubgraphContext).access;
      if (access.length > 0) {
        const result = execution as { extensions?: Record<string, unknown> };
        result.extensions = { ...result.extensions, [ACCESS_EXTENSION]: compactAccess(access) };
      }
    });
  });
  app.get('/health', { config: { hubAccess: 'public' } }, async () => ({
    status: 'ok',
    service: options.name,
  }));
  return app;
}

/** Resolvers call this first: only gateway-signed requests carry a caller. */
export function requireCaller(ctx: Partial<SubgraphContext>): asserts ctx is SubgraphContext {
  if (!ctx.hub)
    throw new HubError('UNAUTHENTICATED', 'This service only accepts requests from the hub gateway.');
}

/** Child ids from a federation loader batch, deduplicated, in first-seen order. */
export function idsOf(queries: readonly { obj: { id?: unknown } }[]): string[] {
  return [...new Set(queries.map((q) => String(q.obj.id)))];
}
