import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SimpleSpanProcessor,
  type SpanExporter,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TelemetryConfig } from './config.ts';

/** The one tracer every hub package writes its spans with. */
export const TRACER_NAME = '@hub/telemetry';

let started: Telemetry | undefined;

/**
 * True once `startTelemetry` started an SDK. Everything that would create spans checks this
 * first, so with tracing off the hub does none of the work (no proxies, no header injection).
 */
export function isTracing(): boolean {
  return started !== undefined;
}

export function hubTracer() {
  return trace.getTracer(TRACER_NAME);
}

export interface Telemetry {
  /** Spans finished so far (only with the `memory` exporter: tests). */
  readonly memory: InMemorySpanExporter | undefined;
  /** Flushes what is buffered and stops the SDK (SIGTERM). */
  shutdown(): Promise<void>;
}

/**
 * Attribute keys that could carry a query's or request's values. None of the hub's code sets
 * them; the exporter drops them anyway, because libraries do: drizzle's (currently disabled)
 * tracing sets `drizzle.query.params`, and OpenTelemetry's database conventions define opt-in
 * `db.query.parameter.<key>`. Spans leave the process with SQL text and placeholders only.
 */
const UNSAFE_ATTRIBUTE = /(^|\.)(params|parameters|parameter|variables|args)(\.|$)/i;

export function safeAttributes(attributes: Attributes): Attributes {
  let unsafe = false;
  for (const key in attributes) if (UNSAFE_ATTRIBUTE.test(key)) unsafe = true;
  if (!unsafe) return attributes;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (!UNSAFE_ATTRIBUTE.test(key)) out[key] = value;
  return out;
}

/** Wraps an exporter so no span leaves with a value-carrying attribute (see UNSAFE_ATTRIBUTE). */
class ScrubbingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    const safe = spans.map((span) => {
      const attributes = safeAttributes(span.attributes);
      // Same span, one property shadowed: every other getter keeps working.
      return attributes === span.attributes
        ? span
        : (Object.create(span, { attributes: { value: attributes } }) as ReadableSpan);
    });
    this.inner.export(safe, done);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function samplerFor(config: TelemetryConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Starts tracing for this process when the config asks for it, else does nothing (returns a
 * handle whose shutdown is a no-op). Call once, in server.ts, before the app is built.
 * Propagation is W3C Trace Context only (`traceparent`/`tracestate`), no baggage: nothing a
 * caller sends is carried further than the trace ids.
 */
export function startTelemetry(serviceName: string, config: TelemetryConfig): Telemetry {
  if (started) return started;
  if (config.traces.exporter === 'none') return { memory: undefined, shutdown: async () => {} };
  const memory = config.traces.exporter === 'memory' ? new InMemorySpanExporter() : undefined;
  const exporter: SpanExporter =
    memory ??
    (config.traces.exporter === 'console'
      ? new ConsoleSpanExporter()
      : new OTLPTraceExporter({
          url: (config.traces as { url: string }).url,
          headers: (config.traces as { headers: Record<string, string> }).headers,
        }));
  const scrubbed = new ScrubbingExporter(exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName ?? serviceName,
    }),
    sampler: samplerFor(config),
    // Tests read spans as soon as a request ends; services export in the background in batches.
    spanProcessors: [memory ? new SimpleSpanProcessor(scrubbed) : new BatchSpanProcessor(scrubbed)],
  });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const handle: Telemetry = {
    memory,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      started = undefined;
    },
  };
  started = handle;
  return handle;
}

/** The `traceparent` (and `tracestate`) headers for the active span, to send with an outgoing call. */
export function traceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (isTracing()) propagation.inject(context.active(), carrier);
  return carrier;
}

export interface OutgoingCall {
  method: string;
  /** The target: its origin and a FIXED path (no ids, no query string: it names the span). */
  origin: string;
  path: string;
}

/**
 * A CLIENT span around one outgoing HTTP call, with its `traceparent` given to `send`.
 *
 * Why not @opentelemetry/instrumentation-undici: it creates the span and injects the header in
 * undici's `request:create` diagnostics event, which a Pool fires only when a connection is
 * free. Under load the pool queues the request and creates it later from another request's
 * socket callback, so the span (and the traceparent sent) would belong to that other trace.
 * Here the span is opened where the call is made, in the caller's own context.
 * With tracing off this is just `send({})`.
 */
export async function traceOutgoing<T extends { statusCode: number }>(
  call: OutgoingCall,
  send: (headers: Record<string, string>) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return send({});
  const url = new URL(call.origin);
  const span = hubTracer().startSpan(`${call.method} ${call.path}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': call.method,
      'server.address': url.hostname,
      'server.port': Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      'url.scheme': url.protocol.replace(':', ''),
      'url.path': call.path,
    },
  });
  const ctx = trace.setSpan(context.active(), span);
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  try {
    const response = await context.with(ctx, () => send(headers));
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 400) {
      span.setAttribute('error.type', String(response.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    return response;
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Marks a span failed with the error's class or code only. Never the message: a database or
 * HTTP library may quote a value in it ('invalid input syntax for type uuid: "…"').
 */
export function failSpan(span: Span, error: unknown): void {
  const e = error as { code?: unknown; name?: unknown } | null;
  const type = typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : typeof error;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}
