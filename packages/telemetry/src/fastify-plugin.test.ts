import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { telemetryPlugin } from './fastify-plugin.ts';
import { safeAttributes } from './tracing.ts';

async function appWith(metrics: Parameters<typeof telemetryPlugin>[1]['metrics']) {
  const app = Fastify();
  await app.register(telemetryPlugin, {
    service: 'test',
    trustIncomingTraceContext: false,
    metrics,
    processMetrics: false,
  });
  app.get('/things/:id', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return app;
}

describe('telemetryPlugin', () => {
  it('serves no /metrics when off (the gateway without METRICS_TOKEN)', async () => {
    const app = await appWith({ access: 'off' });
    expect((await app.inject('/metrics')).statusCode).toBe(404);
    await app.close();
  });

  it('needs the bearer token when one is configured', async () => {
    const token = 'a-token-of-sixteen-or-more';
    const app = await appWith({ access: 'token', token });
    expect((await app.inject('/metrics')).statusCode).toBe(401);
    expect(
      (await app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } })).statusCode,
    ).toBe(401);
    const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    await app.close();
  });

  it('labels by route pattern and status, errors included, never the raw URL; /metrics is not counted', async () => {
    const app = await appWith({ access: 'public' });
    await app.inject('/things/child-42?nhs=9434765919');
    await app.inject('/things/child-43');
    await app.inject('/boom');
    await app.inject('/nowhere/child-44');
    await app.inject('/metrics');
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain(
      'hub_http_requests_total{method="GET",route="/things/:id",status_code="200",operation="none",service="test"} 2',
    );
    expect(text).toContain(
      'hub_http_requests_total{method="GET",route="/boom",status_code="500",operation="none",service="test"} 1',
    );
    expect(text).toContain('route="unmatched",status_code="404"');
    expect(text).toMatch(/hub_http_request_duration_seconds_count\{[^}]*route="\/things\/:id"[^}]*\} 2/);
    expect(text).not.toMatch(/child-4|9434765919|nowhere|route="\/metrics"/);
    await app.close();
  });
});

describe('safeAttributes', () => {
  it('drops attributes that could carry values, keeps the rest', () => {
    expect(
      safeAttributes({
        'db.query.text': 'select $1',
        'drizzle.query.params': '["9434765919"]',
        'db.query.parameter.0': '9434765919',
        'graphql.variables': '{}',
      }),
    ).toEqual({ 'db.query.text': 'select $1' });
  });
});
