/**
 * Telemetry settings, read once by each service's server from the standard OpenTelemetry
 * variables (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/)
 * plus METRICS_TOKEN. Pure: takes the env object, returns settings or throws listing every problem.
 *
 * Tracing is OFF unless an OTLP endpoint is configured (or OTEL_TRACES_EXPORTER=console): with
 * nothing set, no SDK starts and the hub pays for no spans at all.
 */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

const SAMPLERS: readonly SamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

export interface TelemetryConfig {
  /** Where spans go: OTLP/HTTP (protobuf-free JSON), the console, an in-memory buffer (tests), or nowhere. */
  traces:
    | { exporter: 'otlp'; url: string; headers: Record<string, string> }
    | { exporter: 'console' }
    | { exporter: 'memory' }
    | { exporter: 'none' };
  sampler: SamplerName;
  /** Ratio for the *traceidratio samplers, 0..1. */
  samplerRatio: number;
  /** OTEL_SERVICE_NAME: overrides the service's own name on its spans. */
  serviceName?: string | undefined;
  /** OTEL_RESOURCE_ATTRIBUTES, e.g. `deployment.environment.name=prod,service.instance.id=record-0`. */
  resourceAttributes: Record<string, string>;
  /**
   * METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <token>` on every
   * service. The gateway serves /metrics ONLY when it is set (it faces end users).
   */
  metricsToken?: string | undefined;
}

export class TelemetryConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid telemetry configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'TelemetryConfigError';
  }
}

/** `k1=v1,k2=v2` with percent-encoded values (W3C Baggage octets), as the spec defines for OTLP headers. */
function keyValues(name: string, text: string | undefined, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!text) return out;
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const at = pair.indexOf('=');
    if (at <= 0) {
      problems.push(`${name}: "${pair.trim()}" is not key=value`);
      continue;
    }
    try {
      out[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      problems.push(`${name}: the value of "${pair.slice(0, at).trim()}" is not percent-encoded text`);
    }
  }
  return out;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function loadTelemetryConfig(env: Record<string, string | undefined>): TelemetryConfig {
  const problems: string[] = [];
  const disabled = (env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true';

  const exporterName = (env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase();
  if (!['', 'otlp', 'console', 'none'].includes(exporterName))
    problems.push(`OTEL_TRACES_EXPORTER: "${exporterName}" is not one of otlp, console, none`);
  // The signal-specific endpoint is used as is; the base one gets the signal's path appended.
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const baseEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  let url: string | undefined;
  if (tracesEndpoint) {
    if (isHttpUrl(tracesEndpoint)) url = tracesEndpoint;
    else problems.push('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: must be an http(s) URL');
  } else if (baseEndpoint) {
    if (isHttpUrl(baseEndpoint)) url = `${baseEndpoint.replace(/\/+$/, '')}/v1/traces`;
    else problems.push('OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL');
  }
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL;
  if (protocol && protocol !== 'http/json')
    problems.push(`OTEL_EXPORTER_OTLP_PROTOCOL: only http/json is supported here, not "${protocol}"`);
  const headers = {
    ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS, problems),
    ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, problems),
  };

  const samplerText = (env.OTEL_TRACES_SAMPLER ?? 'parentbased_always_on').trim().toLowerCase();
  const sampler = SAMPLERS.find((s) => s === samplerText);
  if (!sampler) problems.push(`OTEL_TRACES_SAMPLER: "${samplerText}" is not one of ${SAMPLERS.join(', ')}`);
  let samplerRatio = 1;
  if (env.OTEL_TRACES_SAMPLER_ARG !== undefined && env.OTEL_TRACES_SAMPLER_ARG.trim() !== '') {
    samplerRatio = Number(env.OTEL_TRACES_SAMPLER_ARG);
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1)
      problems.push('OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1');
  }

  const metricsToken = env.METRICS_TOKEN?.trim() || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16)
    problems.push('METRICS_TOKEN: must be at least 16 characters');

  const resourceAttributes = keyValues('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES, problems);
  if (problems.length > 0) throw new TelemetryConfigError(problems);

  let traces: TelemetryConfig['traces'] = { exporter: 'none' };
  if (!disabled && exporterName !== 'none') {
    if (exporterName === 'console') traces = { exporter: 'console' };
    else if (url) traces = { exporter: 'otlp', url, headers };
  }
  return {
    traces,
    sampler: sampler ?? 'parentbased_always_on',
    samplerRatio,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || undefined,
    resourceAttributes,
    metricsToken,
  };
}
