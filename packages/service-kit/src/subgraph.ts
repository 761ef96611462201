import type { AccessDoor, ChildKey } from '@hub/access';
import { ACCESS_EXTENSION } from '@hub/access';
import { openDoor } from '@hub/access/plumbing';
import {
  type AccessGrantCheck,
  checkAccessGrant,
  type GrantedAssessment,
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
import { recordFactsLoader } from './access.ts';
import { type DoorPlumbing, enforceDoor } from './door-check.ts';
import { HubError, hubErrorFormatter } from './errors.ts';
import { internalContextPlugin } from './internal-context-plugin.ts';
import { loggerOptions } from './logger.ts';
import { readSchema } from './schema.ts';

/** What every resolver and loader of a subgraph receives in its context. */
export interface SubgraphContext {
  hub: InternalContext;
  db: DbHandle;
  log: FastifyBaseLogger;
  /**
   * The access door (@hub/access), bound to this request's caller: the only way to a child's
   * data, and the only writer of the access reports returned to the gateway in
   * `extensions.hubAccess` (those are not reachable from a resolver).
   */
  door: AccessDoor;
  /** The signed context as received, to forward to the record service's access-facts endpoint. */
  hubToken: string;
  /** Base URL of the record service (adapters fetch access facts there). */
  recordBaseUrl: string | undefined;
  /** Issues (record) and checks (adapters) access grants for this request's caller (@hub/auth access-grant.ts). */
  accessGrants: AccessGrants;
}

/** Access grants bound to one request's verified context; the secret stays in the closure. */
export interface AccessGrants {
  /**
   * The grant for the assessment this request made of one child, or null when the context
   * carries no nonce to bind it to.
   */
  issue(childId: string, assessment: GrantedAssessment): string | null;
  /** Checks a grant presented for `childId`; `unbound` when the context carries no nonce. */
  check(token: string, childId: string): AccessGrantCheck | { status: 'unbound' };
}

function accessGrantsFor(secret: string, hub: InternalContext | null): AccessGrants {
  const binding = hub?.nonce ? { nonce: hub.nonce, principal: hub.principal, purpose: hub.purpose } : null;
  return {
    issue: (childId, assessment) => (binding ? signAccessGrant(secret, binding, childId, assessment) : null),
    check: (token, childId) =>
      binding ? checkAccessGrant(secret, token, binding, childId) : { status: 'unbound' },
  };
}

export interface SubgraphOptions {
  /** Service name: also the SDL file `schema/<name>.graphql`. */
  name: string;
  /** The SDL itself instead of `schema/<name>.graphql` (tests of the plumbing). */
  sdl?: string;
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
  /**
   * Where the access door reads facts: the record service passes its repository; by default
   * (adapters, audit) the record's access grants, then the record's `/internal/access-facts`.
   */
  accessFacts?:
    | ((db: DbHandle) => (childIds: string[]) => Promise<Map<string, ChildAccessFacts>>)
    | undefined;
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
  // Each request's door, by the door itself: only this plumbing reads the reports.
  const doors = new WeakMap<AccessDoor, DoorPlumbing>();
  const checked = enforceDoor(options.resolvers, options.loaders, (ctx) => doors.get(ctx.door));
  const ownFacts = options.accessFacts?.(options.db);
  app.register(mercuriusFederationPlugin, {
    schema: options.sdl ?? readSchema(options.name),
    resolvers: checked.resolvers,
    ...(checked.loaders ? { loaders: checked.loaders } : {}),
    errorFormatter: hubErrorFormatter as never,
    graphiql: false,
    // Compiled queries (graphql-jit) from the second time a query text is seen: the gateway sends
    // the same few query texts over and over (docs/performance.md).
    jit: 1,
    // Declared on the route (GET and POST /graphql), read by the internal-context guard.
    additionalRouteOptions: { config: { hubAccess: 'graphql' } },
    context: (request) => {
      const accessGrants = accessGrantsFor(options.internalContextSecret, request.hubContext);
      const hubToken = request.hubContextToken;
      const opened = openDoor({
        caller: () => {
          if (!request.hubContext)
            throw new HubError('UNAUTHENTICATED', 'This service only accepts requests from the hub gateway.');
          return request.hubContext;
        },
        load: ownFacts
          ? async (children: readonly ChildKey[]) => ({
              facts: await ownFacts(children.map((c) => c.childId)),
            })
          : recordFactsLoader({
              accessGrants,
              hubToken: hubToken ?? '',
              recordBaseUrl: options.recordBaseUrl,
              log: request.log,
            }),
      });
      doors.set(opened.door, { ...opened, violations: [] });
      return {
        hub: request.hubContext,
        hubToken,
        db: options.db,
        log: request.log,
        door: opened.door,
        recordBaseUrl: options.recordBaseUrl,
        accessGrants,
      };
    },
  });
  graphqlTelemetry(app);
  app.register(async (scoped) => {
    // After errors are formatted: attach what this operation returned/withheld, per child.
    scoped.graphql.addHook('onResolution', async (execution, context) => {
      const plumbing = doors.get((context as unknown as SubgraphContext).door);
      if (!plumbing) return;
      const result = execution as {
        data?: unknown;
        errors?: unknown[];
        extensions?: Record<string, unknown>;
      };
      if (plumbing.violations.length > 0) {
        // Child data resolved without a door decision: nothing of this answer leaves the service.
        (context as unknown as SubgraphContext).log.error(
          { unchecked: plumbing.violations },
          'child data resolved without going through the access door; answer refused',
        );
        result.data = null;
        result.errors = [{ message: 'Internal error.', extensions: { code: 'INTERNAL' } }];
      }
      // One report per child and subject (the door merges them as they are made).
      const access = plumbing.reports();
      if (access.length > 0) {
        result.extensions = { ...result.extensions, [ACCESS_EXTENSION]: access };
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
