import { Writable } from 'node:stream';
import { service as record } from '@hub/record';
import {
  hubTracer,
  type ReadableSpan,
  SpanKind,
  SpanStatusCode,
  startTelemetry,
  type Telemetry,
} from '@hub/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Observability through the real hub: one trace across gateway → subgraphs → database with
 * W3C trace context, RED metrics in Prometheus text on each service, log lines carrying the
 * trace id of their request. Tracing goes to an in-memory exporter (startTelemetry's `memory`).
 */
const CHILD_RECORD = /* GraphQL */ `
  query ChildRecord($id: ID!) {
    child(id: $id) {
      id givenName familyName dateOfBirth nhsNumber
      education { senStatus provisions { description } }
      health { pathwayWaits { pathway weeksWaited } }
      healthAdvice { id }
      socialCare { status }
    }
  }
`;
const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

/** Polls until `check` holds (spans end in onResponse, just after the reply is sent). */
async function until<T>(what: string, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe('observability across the hub', () => {
  let telemetry: Telemetry;
  let hub: TestHub;
  beforeAll(async () => {
    // Before the hub: databases and apps look once whether tracing is on (as in server.ts).
    telemetry = startTelemetry('hub-under-test', {
      traces: { exporter: 'memory' },
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      resourceAttributes: {},
    });
    hub = await startHub({ metricsToken: METRICS_TOKEN });
  });
  afterAll(async () => {
    await hub?.close();
    await telemetry?.shutdown();
  });

  const memory = () => telemetry.memory!;

  it('one trace id spans gateway → record → education/health/social care → database, parent to child, without values', async () => {
    const child = hub.dataset.children.find((c) => c.health && c.socialCare);
    if (!child) throw new Error('seed has no child with all four sections');
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment');
    memory().reset();

    const result = await hub.query(CHILD_RECORD, {
      as: demoUser(hub.dataset, 'demo-la-1'),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(result.errors).toBeUndefined();
    expect((result.data?.child as { socialCare: unknown } | undefined)?.socialCare).toBeTruthy();

    const gatewaySpan = await until('the gateway span', () =>
      memory()
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.attributes['hub.service'] === 'gateway'),
    );
    expect(gatewaySpan.name).toBe('POST /graphql');
    expect(gatewaySpan.parentSpanContext).toBeUndefined();
    expect(gatewaySpan.attributes['graphql.operation.type']).toBe('query');
    const traceId = gatewaySpan.spanContext().traceId;
    const servers = ['record', 'education', 'health', 'social-care', 'audit'];
    // Every service's spans end before it answers; the audit write is the last call.
    const spans = await until('a span from every service', () => {
      const inTrace = memory()
        .getFinishedSpans()
        .filter((s) => s.spanContext().traceId === traceId);
      const seen = new Set(inTrace.map((s) => s.attributes['hub.service']));
      return servers.every((name) => seen.has(name)) ? inTrace : undefined;
    });
    // Nothing of this request landed in another trace.
    const others = memory()
      .getFinishedSpans()
      .filter((s) => s.spanContext().traceId !== traceId);
    expect(others.map((s) => s.name)).toEqual([]);

    const byId = new Map(spans.map((s) => [idOf(s), s]));
    const ancestors = (span: ReadableSpan): ReadableSpan[] => {
      const chain: ReadableSpan[] = [];
      for (let p = parentOf(span); p !== undefined; p = parentOf(byId.get(p)!)) {
        const parent = byId.get(p);
        expect(parent, `parent ${p} of ${span.name} is in the trace`).toBeDefined();
        chain.push(parent!);
      }
      return chain;
    };
    const serverOf = (span: ReadableSpan) =>
      ancestors(span).find((s) => s.kind === SpanKind.SERVER)?.attributes['hub.service'];

    // Each subgraph's server span is the child of a CLIENT span opened by its caller, and every
    // span's chain ends at the gateway's span.
    for (const span of spans) {
      if (span !== gatewaySpan) expect(ancestors(span).at(-1)).toBe(gatewaySpan);
      if (span.kind === SpanKind.SERVER && span !== gatewaySpan) {
        const parent = byId.get(parentOf(span)!)!;
        expect(parent.kind, `${span.attributes['hub.service']} ${span.name}`).toBe(SpanKind.CLIENT);
        expect(parent.attributes['http.response.status_code']).toBe(
          span.attributes['http.response.status_code'],
        );
      }
    }
    // The gateway called each subgraph's /graphql and the audit service's write route.
    for (const name of ['record', 'education', 'health', 'social-care']) {
      const server = spans.find(
        (s) =>
          s.kind === SpanKind.SERVER && s.attributes['hub.service'] === name && s.name === 'POST /graphql',
      );
      expect(server, `${name} /graphql span`).toBeDefined();
      expect(serverOf(server!)).toBe('gateway');
    }
    const auditWrite = spans.find(
      (s) =>
        s.attributes['hub.service'] === 'audit' && s.attributes['http.route'] === '/internal/audit-batches',
    );
    expect(auditWrite && serverOf(auditWrite)).toBe('gateway');
    // The sections' access facts came with the record's access grants: no adapter asked the
    // record for them. Health advice still asks the record, inside health's own request.
    const factsCalls = (name: string) =>
      spans.filter(
        (s) =>
          s.attributes['hub.service'] === 'record' &&
          s.attributes['http.route'] === '/internal/access-facts' &&
          serverOf(s) === name,
      );
    expect(factsCalls('health'), 'health (advice) → record /internal/access-facts').toHaveLength(1);
    for (const name of ['education', 'social-care']) expect(factsCalls(name), name).toEqual([]);
    // Database spans under every subgraph (and the audit service), with the SQL text.
    const dbSpans = spans.filter((s) => s.attributes['db.system.name'] === 'postgresql');
    for (const name of [...servers]) {
      expect(
        dbSpans.some((s) => serverOf(s) === name),
        `a database span under ${name}`,
      ).toBe(true);
    }
    for (const span of dbSpans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      if (span.name !== 'transaction') expect(String(span.attributes['db.query.text'])).toMatch(/\S/);
    }
    expect(dbSpans.some((s) => /\$1/.test(String(s.attributes['db.query.text'])))).toBe(true);
    console.info(`one child record: ${spans.length} spans, ${dbSpans.length} of them database statements`);

    // No value of the request in any span: the child's id (bound as $1 in the record's
    // queries), its names, date of birth and NHS number appear nowhere, nor do parameter keys.
    const values = [child.id, child.givenName, child.familyName, child.dateOfBirth, child.nhsNumber];
    for (const span of spans) {
      for (const [key, value] of Object.entries(span.attributes)) {
        expect(key).not.toMatch(/param|variables/i);
        for (const secret of values) expect(String(value), `${span.name} ${key}`).not.toContain(secret);
      }
      expect(span.name).not.toContain(child.id);
    }
  });

  it('a failed statement’s span has the SQL text and PostgreSQL’s code, never the value PostgreSQL quoted', async () => {
    memory().reset();
    const value = 'not-a-uuid-9434765919';
    const db = hub.subgraphs.record.appDb;
    // PostgreSQL's message for this one quotes the value: invalid input syntax for type uuid: "…".
    await expect(
      hubTracer().startActiveSpan('caller', async (span) => {
        try {
          return await db.query('select id from record.child where id = $1::uuid', [value]);
        } finally {
          span.end();
        }
      }),
    ).rejects.toMatchObject({ code: '22P02' });
    const failed = await until('the failed statement', () =>
      memory()
        .getFinishedSpans()
        .find((s) => s.attributes['db.response.status_code'] === '22P02'),
    );
    expect(failed).toMatchObject({
      name: 'SELECT',
      status: { code: SpanStatusCode.ERROR },
      attributes: {
        'db.system.name': 'postgresql',
        'db.query.text': 'select id from record.child where id = $1::uuid',
        'error.type': '22P02',
      },
    });
    expect(failed.parentSpanContext?.spanId).toBe(
      memory()
        .getFinishedSpans()
        .find((s) => s.name === 'caller')
        ?.spanContext().spanId,
    );
    expect(
      JSON.stringify({ ...failed.attributes, events: failed.events, status: failed.status }),
    ).not.toContain(value);
  });

  it('the gateway starts a new trace whatever traceparent an end user sends; subgraphs continue their caller’s', async () => {
    memory().reset();
    const chosen = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await hub.token(demoUser(hub.dataset, 'demo-la-1'))}`,
        traceparent: `00-${chosen}-00f067aa0ba902b7-01`,
      },
      payload: { query: '{ __typename }' },
    });
    expect(response.statusCode).toBe(200);
    const gatewaySpan = await until('the gateway span', () =>
      memory()
        .getFinishedSpans()
        .find((s) => s.attributes['hub.service'] === 'gateway'),
    );
    expect(gatewaySpan.spanContext().traceId).not.toBe(chosen);
    expect(gatewaySpan.parentSpanContext).toBeUndefined();

    const health = await fetch(hub.subgraphs.record.url.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    const subgraph = await fetch(hub.subgraphs.record.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${chosen}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(subgraph.status).toBe(200);
    const continued = await until('the record span', () =>
      memory()
        .getFinishedSpans()
        .find((s) => s.attributes['hub.service'] === 'record' && s.spanContext().traceId === chosen),
    );
    expect(continued.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    // Probes make no spans.
    expect(
      memory()
        .getFinishedSpans()
        .some((s) => s.attributes['http.route'] === '/health'),
    ).toBe(false);
  });

  it('a log line of a request carries the trace id and span id of its span', async () => {
    const lines: Record<string, unknown>[] = [];
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = record.buildApp(
      { INTERNAL_CONTEXT_SECRET: hub.secret, LOG_LEVEL: 'info' },
      { db: hub.subgraphs.record.appDb, logStream },
    );
    try {
      memory().reset();
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const response = await app.inject({
        method: 'POST',
        url: '/graphql',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        payload: { query: '{ _service { sdl } }' },
      });
      expect(response.statusCode).toBe(200);
      const span = await until('the record span', () =>
        memory()
          .getFinishedSpans()
          .find((s) => s.spanContext().traceId === traceId),
      );
      const completed = await until('the request completed line', () =>
        lines.find((l) => l.msg === 'request completed'),
      );
      expect(completed).toMatchObject({ trace_id: traceId, span_id: span.spanContext().spanId });
    } finally {
      await app.close();
    }
  });

  it('every subgraph serves RED metrics by matched route, status and operation type; counters move', async () => {
    const scrape = async (name: keyof TestHub['subgraphs']) => {
      const response = await fetch(hub.subgraphs[name].url.replace(/\/graphql$/, '/metrics'));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      return response.text();
    };
    const sample = (text: string, metric: string, labels: Record<string, string>): number => {
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith(`${metric}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
        );
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const child = hub.dataset.children.find((c) => c.health && c.socialCare)!;
    const graphql = { route: '/graphql', status_code: '200', operation: 'query', method: 'POST' };
    const before = { record: await scrape('record'), education: await scrape('education') };
    const answered = await hub.query(CHILD_RECORD, {
      as: demoUser(hub.dataset, 'demo-la-1'),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(answered.errors).toBeUndefined();
    const stray = await fetch(
      hub.subgraphs.record.url.replace(/\/graphql$/, `/no-such-route/${child.id}?nhs=${child.nhsNumber}`),
    );
    expect(stray.status).toBe(404);
    // A service counts a request in onResponse, once its answer is sent: poll until it has.
    const moved = async (name: 'record' | 'education') => {
      const labels = { ...graphql, service: name };
      let text = '';
      const deadline = Date.now() + 10_000;
      do {
        text = await scrape(name);
        if (
          sample(text, 'hub_http_requests_total', labels) >
          sample(before[name], 'hub_http_requests_total', labels)
        )
          break;
      } while (Date.now() < deadline);
      return text;
    };
    const after = { record: await moved('record'), education: await moved('education') };

    for (const name of ['record', 'education'] as const) {
      const labels = { ...graphql, service: name };
      expect(sample(after[name], 'hub_http_requests_total', labels)).toBeGreaterThan(
        sample(before[name], 'hub_http_requests_total', labels),
      );
      expect(sample(after[name], 'hub_http_request_duration_seconds_count', labels)).toBeGreaterThan(
        sample(before[name], 'hub_http_request_duration_seconds_count', labels),
      );
      expect(after[name]).toMatch(/hub_http_request_duration_seconds_bucket\{le="0\.05",.*route="\/graphql"/);
    }
    // The adapters' calls for access facts (health advice) are counted under their route pattern.
    const facts = { route: '/internal/access-facts', status_code: '200', operation: 'none' };
    expect(sample(after.record, 'hub_http_requests_total', facts)).toBeGreaterThan(
      sample(before.record, 'hub_http_requests_total', facts),
    );
    // The stray request is `unmatched`: no raw path, id or query string in any label.
    expect(sample(after.record, 'hub_http_requests_total', { route: 'unmatched', status_code: '404' })).toBe(
      sample(before.record, 'hub_http_requests_total', { route: 'unmatched', status_code: '404' }) + 1,
    );
    expect(after.record).not.toContain('no-such-route');
    expect(after.record).not.toContain(child.id);
    expect(after.record).not.toContain(child.nhsNumber);
    // Process metrics come along.
    expect(after.record).toMatch(/^process_cpu_user_seconds_total\{service="record"\} /m);
  });

  it('the gateway’s /metrics needs METRICS_TOKEN; GraphQL errors are counted by code', async () => {
    const noToken = await hub.gateway.inject({ method: 'GET', url: '/metrics' });
    expect(noToken.statusCode).toBe(401);
    expect(noToken.json().errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const wrong = await hub.gateway.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(wrong.statusCode).toBe(401);

    // A SENCO asking for a child not on their roll: an error in a 200 response.
    const senco = demoUser(hub.dataset, 'demo-senco-1');
    const other = hub.dataset.children.find((c) => c.schoolId !== senco.orgId)!;
    const refused = await hub.query('query One($id: ID!) { child(id: $id) { id } }', {
      as: senco,
      variables: { id: other.id },
    });
    const code = refused.errors?.[0]?.extensions?.code;
    expect(code).toBeDefined();
    const mutation = await hub.query(
      'mutation { withdrawConsent(id: "00000000-0000-4000-8000-000000000000") { id } }',
      {
        as: senco,
      },
    );
    expect(mutation.errors).toBeDefined();

    const response = await hub.gateway.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(response.statusCode).toBe(200);
    const text = response.body;
    expect(text).toMatch(
      /^hub_http_requests_total\{method="POST",route="\/graphql",status_code="200",operation="query",service="gateway"\} [1-9]/m,
    );
    expect(text).toMatch(/operation="mutation",service="gateway"\} [1-9]/);
    expect(text).toMatch(
      new RegExp(
        `^hub_graphql_errors_total\\{operation="query",code="${code}",service="gateway"\\} [1-9]`,
        'm',
      ),
    );
    expect(text).not.toContain(other.id);
  });
});
