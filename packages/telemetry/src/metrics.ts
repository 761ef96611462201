import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * RED metrics of one service (Rate, Errors, Duration), Prometheus text format.
 *
 * Why prom-client rather than @opentelemetry/sdk-metrics + exporter-prometheus: metrics are on
 * in every deployment while tracing is optional, and prom-client is the Prometheus data model
 * itself (one dependency, no meter provider, views or export pipeline to configure; it renders
 * the text format directly). One Registry per app, not the global one, so the several services
 * a test runs in one process keep separate numbers.
 *
 * Labels are bounded by construction: `route` is the matched route PATTERN (`unmatched` for a
 * 404, never the raw URL), `operation` the GraphQL operation TYPE (never the client-chosen
 * operation name), `code` an error code from the hub's catalogue.
 */
export interface ServiceMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status_code' | 'operation'>;
  duration: Histogram<'method' | 'route' | 'status_code' | 'operation'>;
  graphqlErrors: Counter<'operation' | 'code'>;
}

/** Seconds. Fine below 100 ms, where the hub's requests are meant to be. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createServiceMetrics(service: string, options: { processMetrics?: boolean } = {}) {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const metrics: ServiceMetrics = {
    registry,
    requests: new Counter({
      name: 'hub_http_requests_total',
      help: 'HTTP requests answered, by method, matched route, status code and GraphQL operation type.',
      labelNames: ['method', 'route', 'status_code', 'operation'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'hub_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, in seconds.',
      labelNames: ['method', 'route', 'status_code', 'operation'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    graphqlErrors: new Counter({
      name: 'hub_graphql_errors_total',
      help: 'Errors in GraphQL responses (HTTP 200 included), by operation type and error code.',
      labelNames: ['operation', 'code'],
      registers: [registry],
    }),
  };
  // CPU, memory, event-loop lag, GC: process_* and nodejs_* series.
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  return metrics;
}

/** An error code as a label value: the catalogue's UPPER_CASE codes, anything else is OTHER. */
export function errorCodeLabel(code: unknown): string {
  return typeof code === 'string' && /^[A-Z][A-Z_]{0,39}$/.test(code) ? code : 'OTHER';
}
