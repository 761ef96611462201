import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createServiceMetrics, errorCodeLabel, type ServiceMetrics } from './metrics.ts';
import { failSpan, hubTracer, isTracing } from './tracing.ts';

export interface TelemetryPluginOptions {
  /** The service's name: a label on every metric, an attribute on its server spans. */
  service: string;
  /**
   * Continue the caller's trace from its `traceparent`. True for subgraphs (only the gateway and
   * other services reach them); FALSE for the gateway: a trace context from the internet would
   * let anyone choose trace ids and force sampling (tracing cost on demand), so end users'
   * requests always start a new trace.
   */
  trustIncomingTraceContext: boolean;
  /**
   * GET /metrics. `token` (METRICS_TOKEN): a bearer token is required. `public`: no token
   * (subgraphs inside the cluster, without METRICS_TOKEN). `off`: no route (the gateway when
   * no token is configured: it faces end users).
   */
  metrics: { access: 'public' } | { access: 'token'; token: string } | { access: 'off' };
  /** Route config for /metrics (e.g. a subgraph's `{ hubAccess: 'public' }`, opting out of load shedding). */
  metricsRouteConfig?: Record<string, unknown>;
  /** process_* and nodejs_* metrics (default true). */
  processMetrics?: boolean;
}

const GRAPHQL_ROUTE = '/graphql';
/** Probes and scrapes: no spans (noise), and /metrics is not counted in itself. */
const UNTRACED_ROUTES = new Set(['/health', '/metrics']);

interface RequestTelemetry {
  start: bigint;
  span: Span | undefined;
  context: Context | undefined;
  operation: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    hubTelemetry: RequestTelemetry | null;
  }
  interface FastifyInstance {
    hubMetrics: ServiceMetrics;
  }
}

/**
 * Server spans and RED metrics for every route of one service, plus GET /metrics. Registered
 * first by the shared builders (service-kit's buildSubgraph and the gateway), so its hooks run
 * before every other plugin's.
 *
 * Context: the span's context is entered in onRequest, and entered AGAIN in preValidation
 * because Fastify reads the body from stream events, which run in the socket's async context,
 * not the request's: without re-entering, resolvers (and their database spans and outgoing
 * calls) would lose their parent. onResponse runs the rest of the chain (Fastify's "request
 * completed" log line included) inside it too, so the logger's trace ids are on that line.
 */
export const telemetryPlugin = fp(
  async (app: FastifyInstance, options: TelemetryPluginOptions) => {
    const metrics = createServiceMetrics(options.service, {
      processMetrics: options.processMetrics ?? true,
    });
    app.decorate('hubMetrics', metrics);
    app.decorateRequest('hubTelemetry', null);

    app.addHook('onRequest', (request, _reply, done) => {
      const state: RequestTelemetry = {
        start: process.hrtime.bigint(),
        span: undefined,
        context: undefined,
        operation: undefined,
      };
      request.hubTelemetry = state;
      const route = request.routeOptions.url;
      if (!isTracing() || (route !== undefined && UNTRACED_ROUTES.has(route))) return done();
      const parent = options.trustIncomingTraceContext
        ? propagation.extract(ROOT_CONTEXT, request.headers)
        : ROOT_CONTEXT;
      // Named by the route pattern; the raw URL (ids, query strings) is never recorded.
      state.span = hubTracer().startSpan(
        `${request.method} ${route ?? 'unmatched'}`,
        {
          kind: SpanKind.SERVER,
          attributes: {
            'http.request.method': request.method,
            'http.route': route ?? 'unmatched',
            'url.scheme': request.protocol,
            'hub.service': options.service,
            'hub.request_id': request.id,
          },
        },
        parent,
      );
      state.context = trace.setSpan(parent, state.span);
      context.with(state.context, done);
    });

    app.addHook('preValidation', (request, _reply, done) => {
      const ctx = request.hubTelemetry?.context;
      if (ctx) context.with(ctx, done);
      else done();
    });

    app.addHook('onError', (request, _reply, error, done) => {
      const span = request.hubTelemetry?.span;
      if (span) failSpan(span, error);
      done();
    });

    app.addHook('onResponse', (request, reply, done) => {
      const state = request.hubTelemetry;
      if (!state) return done();
      const route = request.routeOptions.url ?? 'unmatched';
      const status = reply.statusCode;
      if (route !== '/metrics') {
        const labels = {
          method: request.method,
          route,
          status_code: String(status),
          operation: state.operation ?? (route === GRAPHQL_ROUTE ? 'unknown' : 'none'),
        };
        metrics.requests.inc(labels);
        metrics.duration.observe(labels, Number(process.hrtime.bigint() - state.start) / 1e9);
      }
      const span = state.span;
      if (!span) return done();
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
      context.with(state.context as Context, done);
    });

    if (options.metrics.access !== 'off') {
      const expected =
        options.metrics.access === 'token' ? digest(`Bearer ${options.metrics.token}`) : undefined;
      app.get(
        '/metrics',
        { config: { ...options.metricsRouteConfig } },
        async (request: FastifyRequest, reply: FastifyReply) => {
          if (expected && !timingSafeEqual(digest(request.headers.authorization ?? ''), expected)) {
            reply.code(401).header('www-authenticate', 'Bearer');
            return {
              errors: [
                {
                  message: 'Metrics need the METRICS_TOKEN bearer token.',
                  extensions: { code: 'UNAUTHENTICATED' },
                },
              ],
            };
          }
          reply.header('content-type', metrics.registry.contentType);
          return metrics.registry.metrics();
        },
      );
    }
  },
  { name: '@hub/telemetry', fastify: '5.x' },
);

/** Equal-length digests, so comparing them takes the same time whatever was sent. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

interface MercuriusLike {
  graphql: {
    addHook(
      name: 'preExecution',
      hook: (schema: unknown, document: DocumentLike, context: HookContext) => Promise<void>,
    ): void;
    addHook(
      name: 'onResolution',
      hook: (execution: { errors?: readonly unknown[] }, context: HookContext) => Promise<void>,
    ): void;
  };
}
interface DocumentLike {
  definitions: readonly { kind: string; operation?: string; name?: { value: string } }[];
}
interface HookContext {
  reply?: { request?: FastifyRequest };
}

/**
 * GraphQL-aware parts, for an app with mercurius (or the mercurius gateway) registered: labels
 * requests with their operation TYPE (query/mutation/subscription) and counts GraphQL errors
 * by code. Call after the GraphQL plugin is registered, like any `app.graphql.addHook`.
 */
export function graphqlTelemetry(app: FastifyInstance): void {
  app.register(async (scoped) => {
    const gql = (scoped as unknown as MercuriusLike).graphql;
    // preExecution, not preValidation: mercurius caches validated documents and skips the
    // validation hooks for them, while every execution passes here.
    gql.addHook('preExecution', async (_schema, document, ctx) => {
      const request = ctx.reply?.request;
      const state = request?.hubTelemetry;
      if (!request || !state) return;
      const operationName = (request.body as { operationName?: unknown } | undefined)?.operationName;
      const operations = document.definitions.filter((d) => d.kind === 'OperationDefinition');
      const chosen =
        operations.length === 1 ? operations[0] : operations.find((d) => d.name?.value === operationName);
      state.operation = chosen?.operation ?? 'unknown';
      state.span?.setAttribute('graphql.operation.type', state.operation);
    });
    gql.addHook('onResolution', async (execution, ctx) => {
      const errors = execution.errors;
      if (!errors || errors.length === 0) return;
      const operation = ctx.reply?.request?.hubTelemetry?.operation ?? 'unknown';
      for (const error of errors) {
        const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
        scoped.hubMetrics.graphqlErrors.inc({ operation, code: errorCodeLabel(code) });
      }
    });
  });
}
