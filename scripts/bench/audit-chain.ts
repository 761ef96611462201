// `pnpm bench:audit-chain [--seconds 4] [--verify-events 200000] [--rounds 2] [--baseline <checkout>] [--verify-only]`
//
// The audit chain's write and verify throughput on PostgreSQL (DATABASE_URL), in a FRESH
// database it creates and drops (never an existing one):
// - store appends/s with 1, 8, 64 and 512 concurrent writers: the old path (one transaction and one
//   lock per event, appendAuditEventUnbatched), group commit as the --baseline checkout has it
//   (its own store module, imported from there), and this checkout's group commit, side by side,
//   interleaved in rounds so all see the same machine state; the best round of each is kept;
// - appends/s through the audit SERVICE over HTTP (its own process, built as its server.ts
//   builds it, by hub-process.ts) with 64 and 512 concurrent callers: one POST
//   /internal/audit-events per event with a service token each (the gateway's path before
//   issue 14; sent to the baseline's audit service when --baseline is given), and the gateway's
//   batching client (AuditBatchClient: POST /internal/audit-batches) to this checkout's;
// - after the appends: every append reported stored is in the table (count = sent, none
//   failed) and the chain verifies;
// - verifyAuditChain events/s over a chain of --verify-events events (built by group commit), and
//   the verifier before issue 14's verification round (verify-json.ts, every row read as JSON)
//   on the same chain, alternately, so the machine's noise hits both alike; best round kept.
// --verify-only skips the append measurements (the chain is still built by group commit).
// Ends with one summary line to compare between commits.
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AuditChainWriter, appendAuditEventUnbatched, migrateAudit, verifyAuditChain } from '@hub/audit';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from '@hub/audit/testing';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { type DbHandle, openDatabase } from '@hub/db';
import postgres from 'postgres';
import { Pool } from 'undici';
import { verifyAuditChainJson } from '../../packages/audit/src/verify-json.ts';
import { AuditBatchClient } from '../../services/gateway/src/audit-writer.ts';
import type { ProcessStats, ToBench } from './lib/hub-process.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    'verify-events': { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
    baseline: { type: 'string' },
    'verify-only': { type: 'boolean', default: false },
  },
});
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BASELINE = values.baseline ? resolve(values.baseline) : null;
const VERIFY_ONLY = values['verify-only'];
const HTTP_WRITERS = VERIFY_ONLY ? [] : [64, 512];
const SECRET = randomBytes(32).toString('hex');
const SECONDS = Number(values.seconds);
const VERIFY_EVENTS = Number(values['verify-events']);
const ROUNDS = Number(values.rounds);
const WRITERS = VERIFY_ONLY ? [] : [1, 8, 64, 512];

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error(
    'bench:audit-chain needs DATABASE_URL (a PostgreSQL server): it creates and drops its own database there.',
  );
  process.exit(2);
}

/** A realistic event: one child, a handful of fields, as a SENCO's record read writes. */
const eventFor = (i: number) =>
  anAuditEventInput({
    requestId: `bench-${i}`,
    fieldsReturned: [
      'Child.givenName',
      'Child.familyName',
      'Child.dateOfBirth',
      'EducationSection.senStatus',
    ],
    children: [{ childId: i % 2 ? TEST_CHILD_A : TEST_CHILD_B, sections: ['Child', 'EducationSection'] }],
  });

/**
 * CPU seconds used so far by this process and by the PostgreSQL backends serving the bench
 * database (from /proc, on Linux with the server on this machine; null otherwise). Throughput on
 * a shared machine depends on what else runs; CPU per event does not, so both are reported.
 */
async function cpuSeconds(handle: DbHandle): Promise<{ client: number; server: number | null }> {
  const { user, system } = process.cpuUsage();
  let server: number | null = 0;
  try {
    const pids = await handle.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database()',
    );
    const tick = 100; // USER_HZ on Linux
    for (const { pid } of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      server += (Number(fields[11]) + Number(fields[12])) / tick;
    }
  } catch {
    server = null;
  }
  return { client: (user + system) / 1e6, server };
}

interface Measurement {
  /** Appends reported stored (each counted once the caller's promise resolved). */
  count: number;
  /** Appends that failed (0 expected). */
  failed: number;
  perSecond: number;
  /** CPU microseconds per append of the audit service process (HTTP scenarios only). */
  serviceUs?: number;
  /** CPU microseconds per append: this process, and the PostgreSQL backends (null if unknown). */
  clientUs: number;
  serverUs: number | null;
}

/** `writers` loops appending back to back for SECONDS. `service`: an audit process whose CPU to count. */
async function measure(
  handle: DbHandle,
  append: (i: number) => Promise<unknown>,
  writers: number,
  service?: AuditProcess,
): Promise<Measurement> {
  let count = 0;
  let failed = 0;
  let next = 0;
  const before = await cpuSeconds(handle);
  const serviceBefore = service ? await service.cpuMicros() : 0;
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        try {
          await append(next++);
          count += 1;
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await cpuSeconds(handle);
  const serviceAfter = service ? await service.cpuMicros() : 0;
  return {
    count,
    failed,
    perSecond: count / seconds,
    clientUs: ((after.client - before.client) * 1e6) / count,
    serverUs:
      after.server !== null && before.server !== null ? ((after.server - before.server) * 1e6) / count : null,
    ...(service ? { serviceUs: (serviceAfter - serviceBefore) / count } : {}),
  };
}

interface AuditProcess {
  url: string;
  child: ChildProcess;
  cpuMicros(): Promise<number>;
}

/** The audit service as its own process (scripts/bench/lib/hub-process.ts of `tree`) on the bench database. */
function startAuditProcess(tree: string, databaseUrl: string): Promise<AuditProcess> {
  const child = fork(join(tree, 'scripts/bench/lib/hub-process.ts'), {
    cwd: tree,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      BENCH_ROLE: 'audit',
      DATABASE_URL: databaseUrl,
      INTERNAL_CONTEXT_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      BENCH_DB_POOL: '5',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<(stats: ProcessStats) => void> = [];
  return new Promise((ready, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`audit process (${tree}) exited (${code}) before it was ready`)),
    );
    child.on('message', (message: ToBench) => {
      if (message.type === 'ready')
        ready({
          url: `http://127.0.0.1:${message.port}`,
          child,
          cpuMicros: () =>
            new Promise((r) => {
              waiting.push((stats) => r(stats.cpuMicros));
              child.send({ type: 'stats' });
            }),
        });
      else if (message.type === 'stats') waiting.shift()?.(message.stats);
    });
  });
}

/**
 * The gateway's audit write before issue 14: one POST /internal/audit-events per event, a
 * service token signed for each, over a 16-connection keep-alive pool.
 */
function perEventClient(url: string) {
  const pool = new Pool(url, { connections: 16, keepAliveMaxTimeout: 5_000 });
  return {
    async append(event: unknown, i: number): Promise<void> {
      const token = await signServiceToken(SECRET, 'audit-writer', `bench-${i}`);
      const response = await pool.request({
        path: '/internal/audit-events',
        method: 'POST',
        headers: { 'content-type': 'application/json', [SERVICE_TOKEN_HEADER]: token },
        body: JSON.stringify(event),
      });
      await response.body.dump();
      if (response.statusCode !== 201) throw new Error(`audit service answered ${response.statusCode}`);
    },
    close: () => pool.close(),
  };
}

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const name = `hub_bench_chain_${randomBytes(4).toString('hex')}`;
await admin.unsafe(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
let db: DbHandle | undefined;
try {
  db = await openDatabase({ url: url.toString(), maxConnections: 12 });
  await migrateAudit(db);
  const handle = db;
  const writer = new AuditChainWriter(handle);
  // This checkout's group commit with one batch in flight at a time (no pipelining).
  const serialWriter = new AuditChainWriter(handle, { pipelineDepth: 1 });
  // The baseline checkout's own group commit (its store module, run against this database).
  const baseWriter = BASELINE
    ? new (
        (await import(join(BASELINE, 'packages/audit/src/store.ts'))) as {
          AuditChainWriter: typeof AuditChainWriter;
        }
      ).AuditChainWriter(handle)
    : null;
  const best: Record<string, number> = {};
  const keep = (key: string, m: Measurement) => {
    best[key] = Math.max(best[key] ?? 0, m.perSecond);
  };
  let stored = 0;
  let failed = 0;
  const tally = (...ms: Measurement[]) => {
    for (const m of ms) {
      stored += m.count;
      failed += m.failed;
    }
  };
  const cpu = (m: Measurement) =>
    `CPU/append ${Math.round(m.clientUs)}µs client${m.serviceUs === undefined ? '' : ` + ${Math.round(m.serviceUs)}µs audit service`} + ${m.serverUs === null ? '?' : Math.round(m.serverUs)}µs PostgreSQL`;
  console.log(
    `bench:audit-chain on ${url.host}, ${SECONDS}s per measurement, ${ROUNDS} rounds (best kept)${BASELINE ? `, baseline ${BASELINE}` : ''}`,
  );
  for (let round = 1; round <= ROUNDS; round++) {
    for (const writers of WRITERS) {
      const old = await measure(handle, (i) => appendAuditEventUnbatched(handle, eventFor(i)), writers);
      const base = baseWriter ? await measure(handle, (i) => baseWriter.append(eventFor(i)), writers) : null;
      const serial = await measure(handle, (i) => serialWriter.append(eventFor(i)), writers);
      const grouped = await measure(handle, (i) => writer.append(eventFor(i)), writers);
      tally(old, serial, grouped, ...(base ? [base] : []));
      keep(`serial-${writers}`, serial);
      keep(`old-${writers}`, old);
      if (base) keep(`base-${writers}`, base);
      keep(`group-${writers}`, grouped);
      console.log(
        `  round ${round}, ${String(writers).padStart(2)} writers: old ${Math.round(old.perSecond)}/s (${cpu(old)})` +
          (base ? `, baseline group commit ${Math.round(base.perSecond)}/s (${cpu(base)})` : '') +
          `, group commit one in flight ${Math.round(serial.perSecond)}/s (${cpu(serial)})` +
          `, group commit ${Math.round(grouped.perSecond)}/s (${cpu(grouped)}) ×${(grouped.perSecond / (base ?? old).perSecond).toFixed(1)}`,
      );
    }
  }

  // Through the audit service over HTTP, the service in its own process.
  if (HTTP_WRITERS.length > 0) {
    const current = await startAuditProcess(ROOT, url.toString());
    const before = BASELINE ? await startAuditProcess(BASELINE, url.toString()) : current;
    const single = perEventClient(before.url);
    const batched = new AuditBatchClient({ auditUrl: current.url, secret: SECRET, timeoutMs: 60_000 });
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        for (const writers of HTTP_WRITERS) {
          const one = await measure(handle, (i) => single.append(eventFor(i), i), writers, before);
          const calls = batched.batches;
          const many = await measure(
            handle,
            async (i) => {
              const failure = await batched.send(eventFor(i));
              if (failure) throw new Error(`batch ${failure.reason}`);
            },
            writers,
            current,
          );
          tally(one, many);
          keep(`http-single-${writers}`, one);
          keep(`http-batched-${writers}`, many);
          const perCall = many.count / Math.max(1, batched.batches - calls);
          console.log(
            `  round ${round}, HTTP ${String(writers).padStart(3)} callers: one POST per event${BASELINE ? ' (baseline service)' : ''} ${Math.round(one.perSecond)}/s (${cpu(one)}), batched ${Math.round(many.perSecond)}/s (${cpu(many)}, ${perCall.toFixed(1)} events per call) ×${(many.perSecond / one.perSecond).toFixed(1)}`,
          );
        }
      }
    } finally {
      await single.close();
      await batched.close();
      for (const p of new Set([current, before])) p.child.send({ type: 'stop' });
    }
  }
  const [rows] = await handle.query<{ n: number }>('select count(*)::int as n from audit.event');
  if (failed > 0 || rows!.n !== stored)
    throw new Error(
      `events lost or failed: ${stored} reported stored, ${rows!.n} in the table, ${failed} failed`,
    );
  console.log(`  every append accounted for: ${stored} reported stored = ${rows!.n} rows, 0 failed`);
  const intact = await verifyAuditChain(handle);
  if (!intact.ok)
    throw new Error(`chain broken after the append runs: ${JSON.stringify(intact.firstBroken)}`);

  // Grow the chain to VERIFY_EVENTS with group commit (many callers in flight), then verify it all.
  const missing = VERIFY_EVENTS - intact.checked;
  const fillStarted = performance.now();
  for (let done = 0; done < missing; ) {
    const n = Math.min(4000, missing - done);
    await Promise.all(Array.from({ length: n }, (_, i) => writer.append(eventFor(done + i))));
    done += n;
  }
  const fillRate = missing > 0 ? missing / ((performance.now() - fillStarted) / 1000) : 0;
  const verifiers = { before: verifyAuditChainJson, after: verifyAuditChain } as const;
  const verifyRate = { before: 0, after: 0 };
  let verified = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = round % 2 ? (['before', 'after'] as const) : (['after', 'before'] as const);
    for (const which of order) {
      const before = await cpuSeconds(handle);
      const started = performance.now();
      const result = await verifiers[which](handle);
      const rate = result.checked / ((performance.now() - started) / 1000);
      const after = await cpuSeconds(handle);
      if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.firstBroken)}`);
      verified = result.checked;
      verifyRate[which] = Math.max(verifyRate[which], rate);
      const us = (a: number, b: number) => (((a - b) * 1e6) / result.checked).toFixed(1);
      console.log(
        `  verify round ${round}, ${which.padEnd(6)}: ${result.checked} events at ${Math.round(rate)} events/s` +
          ` (CPU/event ${us(after.client, before.client)}µs client + ${after.server !== null && before.server !== null ? us(after.server, before.server) : '?'}µs PostgreSQL)`,
      );
    }
  }
  if (missing > 0)
    console.log(
      `  (chain filled by group commit, 4000 callers in flight: ${Math.round(fillRate)} appends/s)`,
    );
  const cell = (writers: number) =>
    `${writers}w ${Math.round(best[`old-${writers}`]!)}→${BASELINE ? `${Math.round(best[`base-${writers}`]!)}→` : ''}${Math.round(best[`serial-${writers}`]!)}→${Math.round(best[`group-${writers}`]!)}/s`;
  const httpCell = (writers: number) =>
    `${writers} callers ${Math.round(best[`http-single-${writers}`]!)}→${Math.round(best[`http-batched-${writers}`]!)}/s`;
  const appends = VERIFY_ONLY
    ? ''
    : `appends old→${BASELINE ? 'baseline group→' : ''}group one in flight→group pipelined ${WRITERS.map(cell).join(', ')}; HTTP one-per-event→batched ${HTTP_WRITERS.map(httpCell).join(', ')}; ${stored} appends, none lost; `;
  console.log(
    `SUMMARY audit-chain: ${appends}verify ${Math.round(verifyRate.after)} events/s over ${verified} events` +
      ` (before issue 14's verification round: ${Math.round(verifyRate.before)} events/s, ×${(verifyRate.after / verifyRate.before).toFixed(2)})`,
  );
} finally {
  await db?.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
