import { describe, expect, it } from 'vitest';
import { loadTelemetryConfig, TelemetryConfigError } from './config.ts';

describe('loadTelemetryConfig', () => {
  it('is off with nothing configured: no exporter, so no SDK starts', () => {
    expect(loadTelemetryConfig({})).toMatchObject({
      traces: { exporter: 'none' },
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as given, with the OTLP headers', () => {
    expect(
      loadTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b,tenant=hub',
      }).traces,
    ).toEqual({
      exporter: 'otlp',
      url: 'http://collector:4318/v1/traces',
      headers: { 'x-api-key': 'a b', tenant: 'hub' },
    });
    expect(
      loadTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp',
      }).traces,
    ).toMatchObject({ url: 'https://traces.example/otlp' });
  });

  it('OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none win over an endpoint', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(loadTelemetryConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' }).traces.exporter).toBe('none');
    expect(loadTelemetryConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).traces.exporter).toBe('none');
    expect(loadTelemetryConfig({ OTEL_TRACES_EXPORTER: 'console' }).traces.exporter).toBe('console');
  });

  it('reads the standard sampler variables', () => {
    expect(
      loadTelemetryConfig({
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.05',
      }),
    ).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.05 });
  });

  it('lists every problem at once', () => {
    try {
      loadTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_TRACES_SAMPLER: 'sometimes',
        OTEL_TRACES_SAMPLER_ARG: '2',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        METRICS_TOKEN: 'short',
        OTEL_RESOURCE_ATTRIBUTES: 'novalue',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TelemetryConfigError);
      const problems = (error as TelemetryConfigError).problems.join('\n');
      for (const name of [
        'OTEL_EXPORTER_OTLP_ENDPOINT',
        'OTEL_TRACES_SAMPLER:',
        'OTEL_TRACES_SAMPLER_ARG',
        'OTEL_EXPORTER_OTLP_PROTOCOL',
        'METRICS_TOKEN',
        'OTEL_RESOURCE_ATTRIBUTES',
      ])
        expect(problems).toContain(name);
    }
  });
});
