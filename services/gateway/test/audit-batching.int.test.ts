import type { IncomingMessage } from 'node:http';
import { verifyAuditChain } from '@hub/audit';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ATTEMPT_FAILED_MESSAGE, AUDIT_FAILED_MESSAGE } from '../src/audit-plugin.ts';
import { auditEventsOf, decisionMaker, demoUser, GRANT_CONSENT, startHub, type TestHub } from './hub.ts';

const METRICS_TOKEN = 'audit-batching-metrics-token';

/**
 * Group commit at the gateway (issue 14): the events of concurrent requests reach the audit
 * service in fewer calls than there are requests (POST /internal/audit-batches), each request
 * still answered only once ITS event is durable; a batch that cannot be recorded fails every
 * request in it closed, with the messages of one request alone.
 */
describe('audit batching: concurrent requests share calls to the audit service, and fail closed together', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  /** Every HTTP request the audit service's server received, by path. */
  const received: string[] = [];
  beforeAll(async () => {
    hub = await startHub({ children: 20, metricsToken: METRICS_TOKEN });
    hub.audit.app.server.on('request', (request: IncomingMessage) => {
      received.push((request.url ?? '').split('?')[0]!);
    });
    child = hub.dataset.children.find((c) => c.health && c.socialCare)!;
    expect(child).toBeDefined();
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const read = (requestId: string) =>
    hub.query<{ child: { id: string; givenName: string } | null }>(
      'query ($id: ID!) { child(id: $id) { id givenName } }',
      { as: la(), variables: { id: child.id }, purpose: 'ehc_assessment', requestId },
    );

  /** A gauge or counter of the gateway's GET /metrics. */
  async function metric(name: string): Promise<number> {
    const response = await hub.gateway.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    const line = response.body.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.split(' ').at(-1)) : Number.NaN;
  }

  /** Waits for a condition (never a fixed sleep). */
  async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > 60_000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('100 concurrent reads: every one answered with its own event, in far fewer calls than requests', async () => {
    const before = await verifyAuditChain(hub.audit.db);
    received.length = 0;
    const ids = Array.from({ length: 100 }, (_, i) => `batched-read-${i}`);
    const results = await Promise.all(ids.map(read));
    expect(results.map((r) => r.statusCode)).toEqual(ids.map(() => 200));
    for (const result of results) expect(result.data?.child?.id).toBe(child.id);
    for (const id of ids) {
      expect((await auditEventsOf(hub, id)).map((e) => e.outcome)).toEqual(['ok']);
    }
    expect(await verifyAuditChain(hub.audit.db)).toMatchObject({ ok: true, checked: before.checked + 100 });
    // The gateway's only calls to the audit service were batches, and fewer than the requests.
    const calls = received.filter((path) => path.startsWith('/internal/audit-'));
    expect(new Set(calls)).toEqual(new Set(['/internal/audit-batches']));
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThan(100);
    console.info(`100 concurrent reads: ${calls.length} calls to the audit service`);
  });

  it('a batch the store refuses: every request in it gets a 503 and no data, innocent or not, and no mutation in it runs', async () => {
    const consents = async () =>
      (
        await hub.subgraphs.record.db.query<{ n: number }>(
          'select count(*)::int as n from record.consent where child_id = $1',
          [child.id],
        )
      )[0]!.n;
    const consentsBefore = await consents();
    const batchesBefore = await metric('hub_audit_batches_total');
    // Hold the chain lock, so the first request's batch waits in the audit service while the
    // others queue at the gateway behind it.
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = await hub.database.open({ maxConnections: 1 });
    const holding = holder.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext('tell-it-once:audit-chain'))");
      locked();
      await released;
    });
    let results: Awaited<ReturnType<typeof read>>[];
    let mutations: Awaited<ReturnType<typeof hub.query>>[];
    try {
      await lockTaken;
      const first = read('batch-first');
      await until('the first batch waiting for the chain lock', async () => {
        const [row] = await hub.audit.db.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`,
        );
        return row!.n > 0;
      });
      const doomed = Array.from({ length: 10 }, (_, i) => read(`doomed-${i}`));
      const innocent = Array.from({ length: 10 }, (_, i) => read(`innocent-${i}`));
      const granting = [
        ['education', 'annual_review'],
        ['health', 'annual_review'],
        ['social_care', 'early_help'],
      ].map(([domain, purpose], i) =>
        hub.query(GRANT_CONSENT, {
          as: decisionMaker(hub.dataset, child),
          variables: { input: { childId: child.id, domain, recipientOrgType: 'school', purpose } },
          requestId: `innocent-mutation-${i}`,
        }),
      );
      // All 23 events (20 reads, 3 write-ahead attempts) are queued behind the first batch.
      await until(
        '23 events queued at the gateway',
        async () => (await metric('hub_audit_queued_events')) === 23,
      );
      await hub.audit.db.exec(`
        create function audit.test_refuse_doomed() returns trigger language plpgsql as $$
        begin
          if new.request_id like 'doomed-%' then raise exception 'test: audit store refuses %', new.request_id; end if;
          return new;
        end $$;
        create trigger test_refuse_doomed before insert on audit.event
          for each row execute function audit.test_refuse_doomed();`);
      release();
      await holding;
      expect((await first).statusCode).toBe(200);
      results = await Promise.all([...doomed, ...innocent]);
      mutations = await Promise.all(granting);
    } finally {
      release();
      await holding.catch(() => {});
      await holder.close();
      await hub.audit.db.exec(
        'drop trigger if exists test_refuse_doomed on audit.event; drop function if exists audit.test_refuse_doomed();',
      );
    }
    // One call for the first request, ONE for the 23 queued behind it.
    expect((await metric('hub_audit_batches_total')) - batchesBefore).toBe(2);
    for (const result of results) {
      expect(result.statusCode).toBe(503);
      expect(result.data).toBeNull();
      expect(result.errors).toEqual([{ message: AUDIT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE' } }]);
      expect(JSON.stringify(result)).not.toContain(child.givenName);
    }
    for (const result of mutations) {
      expect(result.statusCode).toBe(503);
      expect(result.errors).toEqual([
        { message: AUDIT_ATTEMPT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: false } },
      ]);
    }
    expect(await consents()).toBe(consentsBefore);
    for (const id of [
      ...Array.from({ length: 10 }, (_, i) => `doomed-${i}`),
      ...Array.from({ length: 10 }, (_, i) => `innocent-${i}`),
      ...[0, 1, 2].map((i) => `innocent-mutation-${i}`),
    ]) {
      expect(await auditEventsOf(hub, id), id).toEqual([]);
    }
    expect((await auditEventsOf(hub, 'batch-first')).map((e) => e.outcome)).toEqual(['ok']);
    // The store works again: the next request is answered and the chain is whole.
    const after = await read('after-refusal');
    expect(after.statusCode).toBe(200);
    expect((await auditEventsOf(hub, 'after-refusal')).map((e) => e.outcome)).toEqual(['ok']);
    expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
  });
});
