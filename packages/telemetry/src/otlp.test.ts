import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTelemetryConfig } from './config.ts';
import { telemetryPlugin } from './fastify-plugin.ts';
import { startTelemetry } from './tracing.ts';

/** A stand-in OpenTelemetry collector: records what arrives at /v1/traces. */
describe('OTLP/HTTP export configured by the standard variables', () => {
  const received: { url: string | undefined; headers: IncomingMessage['headers']; body: string }[] = [];
  const collector = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ url: request.url, headers: request.headers, body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  it('sends the service’s spans to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces with its headers and resource', async () => {
    const { port } = collector.address() as AddressInfo;
    const config = loadTelemetryConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=secret-key',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.instance.id=record-0',
    });
    const telemetry = startTelemetry('record', config);
    const app = Fastify();
    await app.register(telemetryPlugin, {
      service: 'record',
      trustIncomingTraceContext: true,
      metrics: { access: 'off' },
      processMetrics: false,
    });
    app.get('/things/:id', async () => ({ ok: true }));
    const traceId = '5b8aa5a2d2c872e8321cf37308d69df2';
    await app.inject({ url: '/things/42', headers: { traceparent: `00-${traceId}-051581bf3cb55c13-01` } });
    await app.close();
    // Flushes the batch: what a SIGTERM does in server.ts.
    await telemetry.shutdown();

    const batch = received.find((r) => r.url === '/v1/traces');
    expect(batch?.headers['x-collector-key']).toBe('secret-key');
    const body = JSON.parse(batch!.body);
    const resource = body.resourceSpans[0].resource.attributes as {
      key: string;
      value: { stringValue: string };
    }[];
    const attr = (key: string) => resource.find((a) => a.key === key)?.value.stringValue;
    expect(attr('service.name')).toBe('record');
    expect(attr('service.instance.id')).toBe('record-0');
    const span = body.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span).toMatchObject({ name: 'GET /things/:id', traceId, parentSpanId: '051581bf3cb55c13' });
  });
});
