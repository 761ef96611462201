// The OpenTelemetry API, re-exported so the hub's other packages depend on @hub/telemetry alone.
// (A direct @opentelemetry/api dependency elsewhere makes pnpm resolve drizzle-orm's optional
// peer on it, giving that package a second drizzle-orm copy whose types do not match.)
export {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
export type { ReadableSpan } from '@opentelemetry/sdk-trace-node';
// For a service's own metrics on its registry (app.hubMetrics.registry), e.g. the gateway's audit batches.
export { Counter, Gauge } from 'prom-client';
export {
  loadTelemetryConfig,
  type SamplerName,
  type TelemetryConfig,
  TelemetryConfigError,
} from './config.ts';
export { graphqlTelemetry, type TelemetryPluginOptions, telemetryPlugin } from './fastify-plugin.ts';
export { createServiceMetrics, errorCodeLabel, type ServiceMetrics } from './metrics.ts';
export {
  failSpan,
  hubTracer,
  isTracing,
  type OutgoingCall,
  safeAttributes,
  startTelemetry,
  type Telemetry,
  TRACER_NAME,
  traceHeaders,
  traceOutgoing,
} from './tracing.ts';
