import { randomUUID } from 'node:crypto';
import {
  INTERNAL_CONTEXT_HEADER,
  internalContextToken,
  type PublicOidcProvider,
  type UserTokenVerifier,
} from '@hub/auth';
import { GATEWAY_LIMIT_DEFAULTS, type GatewayConfig, type GatewayLimits } from '@hub/config';
import { loggerOptions } from '@hub/service-kit';
import { graphqlTelemetry, telemetryPlugin } from '@hub/telemetry';
import mercuriusGateway from '@mercuriusjs/gateway';
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyRequest } from 'fastify';
import { AccessTap } from './access-tap.ts';
import { auditPlugin } from './audit-plugin.ts';
import { authPlugin } from './auth-plugin.ts';
import { CouncilDirectory } from './councils.ts';
import { type DemoIdpDeps, demoIdpRoutes } from './demo-idp.ts';
import { createGatewayErrorFormatter } from './error-formatter.ts';
import { fieldGuardPlugin } from './field-guard.ts';
import { limitsPlugin, queryLimitsPlugin } from './limits.ts';
import { portalRoutes } from './portal.ts';
import type { ServiceName } from './sections.ts';
import { signInRoutes } from './sign-in-routes.ts';

export interface GatewayDeps {
  verifier: UserTokenVerifier;
  /** Subgraph GraphQL endpoints. */
  services: Record<ServiceName, string>;
  /** Base URL of the audit service: composed as a subgraph (`/graphql`) and written to for every request. */
  audit: string;
  /** How long to keep retrying subgraphs that are down at start (the dev runner starts them first). */
  retry?: { count: number; intervalMs: number };
  /** DEMO identity provider: adds `POST /demo-idp/token` for the portal's demo sign-in. Never set in production. */
  demoIdp?: DemoIdpDeps;
  /** Folder of the built web portal (services/portal/dist), served from `/`. */
  portalDir?: string;
  /** OpenID Connect providers the portal offers (`GET /auth/providers`); `verifier` must accept their tokens. */
  oidcProviders?: readonly PublicOidcProvider[];
  /** How long an audit write may take before the request fails closed (default 5 s). */
  auditTimeoutMs?: number;
}

/**
 * The thin gateway: verify the caller, compose the subgraphs, forward a signed internal
 * context, mask internal errors. It holds no domain data.
 */
export function buildApp(
  // The limits are optional here (defaults from @hub/config) so tests can override a few.
  config: Pick<GatewayConfig, 'INTERNAL_CONTEXT_SECRET' | 'LOG_LEVEL'> &
    Partial<GatewayLimits> & {
      /** From @hub/telemetry's loadTelemetryConfig: GET /metrics exists only with this token. */
      METRICS_TOKEN?: string | undefined;
    },
  deps: GatewayDeps,
): FastifyInstance {
  const limits = limitsOf(config);
  const app = Fastify({
    ...loggerOptions('gateway', config.LOG_LEVEL),
    bodyLimit: limits.GATEWAY_BODY_LIMIT_BYTES,
  });
  // Before every other plugin: its hooks open the request's span and time it (@hub/telemetry).
  app.register(telemetryPlugin, {
    service: 'gateway',
    // End users' requests always start a new trace: a traceparent from the internet would let
    // anyone pick trace ids and force sampling.
    trustIncomingTraceContext: false,
    // The gateway faces end users: /metrics only exists behind METRICS_TOKEN.
    metrics: config.METRICS_TOKEN ? { access: 'token', token: config.METRICS_TOKEN } : { access: 'off' },
    // A scrape is answered under load too: that is when its numbers matter.
    metricsRouteConfig: { pressureHandler: () => null },
  });
  // Reads each subgraph response's access reports for the audit event (see access-tap.ts).
  const accessTap = new AccessTap();
  // Tenancy: which council each audited child belongs to (councils.ts).
  const councils = new CouncilDirectory(
    deps.services.record.replace(/\/graphql$/, ''),
    config.INTERNAL_CONTEXT_SECRET,
  );
  app.addHook('onClose', () => councils.close());
  // First: load shedding answers before any other work (token verification included); the time
  // budget and the rate limit attach to the routes declared after it (limits.ts).
  app.register(limitsPlugin, limits);
  app.register(authPlugin, { verifier: deps.verifier });
  app.register(auditPlugin, {
    auditUrl: deps.audit,
    secret: config.INTERNAL_CONTEXT_SECRET,
    tap: accessTap,
    verifier: deps.verifier,
    // The same token limit mercurius parses with: the audit hooks read every request first.
    maxTokens: limits.GATEWAY_MAX_TOKENS,
    councils,
    ...(deps.auditTimeoutMs ? { timeoutMs: deps.auditTimeoutMs } : {}),
  });

  // Also called (without a context) for the start-up SDL fetch, which needs no caller.
  // One signed context per request, not one per subgraph call: every call of a request carries
  // the same principal, request id and purpose. Re-signed after 30 s, so a call late in a long
  // request (the time budget is configurable) never carries a context near its 60 s expiry.
  // The nonce is drawn once per request and kept when re-signing: the record's access grants
  // are bound to it (@hub/auth access-grant.ts), and unlike the request id no client chooses it.
  // Each token is bound to the request's report sink and time budget (AccessTap.bind) until
  // the response has gone (onResponse below): that is how a subgraph answer finds its request.
  const contexts = new WeakMap<
    FastifyRequest,
    { token: string; signedAt: number; nonce: string; tokens: string[]; ended: boolean }
  >();
  const rewriteHeaders = (_headers: unknown, context?: { reply?: { request: FastifyRequest } }) => {
    const request = context?.reply?.request;
    if (!request?.principal) return {};
    let signed = contexts.get(request);
    if (!signed || Date.now() - signed.signedAt > 30_000) {
      const nonce = signed?.nonce ?? randomUUID();
      const token = internalContextToken(config.INTERNAL_CONTEXT_SECRET, {
        principal: request.principal,
        requestId: request.id,
        purpose: request.purpose,
        nonce,
      });
      const tokens = signed?.tokens ?? [];
      const ended = signed?.ended ?? false;
      // Never bound once the request has ended: a late call is refused (access-tap.ts).
      if (!ended && request.auditAccess) {
        accessTap.bind(token, request.auditAccess, request.timeBudget?.signal);
        tokens.push(token);
      }
      signed = { token, signedAt: Date.now(), nonce, tokens, ended };
      contexts.set(request, signed);
    }
    return { [INTERNAL_CONTEXT_HEADER]: signed.token, 'x-request-id': request.id };
  };
  app.addHook('onResponse', (request, _reply, done) => {
    const signed = contexts.get(request);
    if (signed) {
      signed.ended = true;
      for (const token of signed.tokens) accessTap.release(token);
      signed.tokens.length = 0;
    }
    done();
  });

  const services = [
    ...(Object.entries(deps.services) as [ServiceName, string][]),
    ['audit', `${deps.audit}/graphql`] as const,
  ].map(([name, url]) => ({
    name,
    url,
    // The core record is mandatory; a missing adapter only removes its section. Without the
    // audit service nothing can be answered at all (fail closed), so it is mandatory too.
    mandatory: name === 'record' || name === 'audit',
    rewriteHeaders,
    agent: accessTap.agentFor(url),
  }));
  // @mercuriusjs/gateway is CommonJS; under NodeNext the plugin may sit on `.default`.
  const plugin = ((mercuriusGateway as unknown as { default?: unknown }).default ??
    mercuriusGateway) as FastifyPluginAsync<Record<string, unknown>>;
  app.register(plugin, {
    gateway: {
      services,
      retryServicesCount: deps.retry?.count ?? 10,
      retryServicesInterval: deps.retry?.intervalMs ?? 1000,
    },
    errorFormatter: createGatewayErrorFormatter({ suggestions: limits.GATEWAY_INTROSPECTION }) as never,
    graphiql: false,
    // Compiled queries (graphql-jit) from the second time a query text is seen (docs/performance.md).
    jit: 1,
    // The parser stops at the first token over the limit: a huge document is never fully parsed.
    graphql: { parseOptions: { maxTokens: limits.GATEWAY_MAX_TOKENS } },
  });
  app.register(queryLimitsPlugin, limits);
  // Operation type on the request's metrics and span; GraphQL errors counted by code.
  graphqlTelemetry(app);

  // After the gateway plugin: it needs `app.graphql` to add its preExecution hook.
  app.register(fieldGuardPlugin);
  // Answered even under pressure (it opts out of load shedding), and says so then.
  app.get('/health', { config: { pressureHandler: () => null } }, async (_request, reply) => {
    if (!app.isUnderPressure()) return { status: 'ok', service: 'gateway' };
    reply.code(503).header('retry-after', '10');
    return { status: 'overloaded', service: 'gateway' };
  });
  if (deps.demoIdp) app.register(demoIdpRoutes, deps.demoIdp);
  app.register(signInRoutes, {
    verifier: deps.verifier,
    providers: deps.oidcProviders ?? [],
    demo: deps.demoIdp !== undefined,
  });
  if (deps.portalDir) app.register(portalRoutes, { root: deps.portalDir });
  return app;
}

/** The configured limits, each missing one at its documented default. */
function limitsOf(config: Partial<GatewayLimits>): GatewayLimits {
  const limits = { ...GATEWAY_LIMIT_DEFAULTS };
  for (const key of Object.keys(limits) as (keyof GatewayLimits)[]) {
    if (config[key] !== undefined) (limits as Record<string, unknown>)[key] = config[key];
  }
  return limits;
}
