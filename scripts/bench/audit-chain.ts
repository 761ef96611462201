// `pnpm bench:audit-chain [--seconds 4] [--verify-events 200000] [--rounds 2]`
//
// The audit chain's write and verify throughput on PostgreSQL (DATABASE_URL), in a FRESH
// database it creates and drops (never an existing one):
// - appends/s with 1, 8 and 64 concurrent writers, the old path (one transaction and one lock
//   per event, appendAuditEventUnbatched) and group commit (appendAuditEvent) side by side,
//   interleaved in rounds so both see the same machine state; the best round of each is kept;
// - verifyAuditChain events/s over a chain of --verify-events events (built by group commit).
// Ends with one summary line to compare between commits.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AuditChainWriter, appendAuditEventUnbatched, migrateAudit, verifyAuditChain } from '@hub/audit';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from '@hub/audit/testing';
import { type DbHandle, openDatabase } from '@hub/db';
import postgres from 'postgres';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    'verify-events': { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '2' },
  },
});
const SECONDS = Number(values.seconds);
const VERIFY_EVENTS = Number(values['verify-events']);
const ROUNDS = Number(values.rounds);
const WRITERS = [1, 8, 64];

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
  perSecond: number;
  /** CPU microseconds per append: this process, and the PostgreSQL backends (null if unknown). */
  clientUs: number;
  serverUs: number | null;
}

/** `writers` loops appending back to back for SECONDS. */
async function measure(
  handle: DbHandle,
  append: (i: number) => Promise<unknown>,
  writers: number,
): Promise<Measurement> {
  let count = 0;
  const before = await cpuSeconds(handle);
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        await append(count);
        count += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await cpuSeconds(handle);
  return {
    perSecond: count / seconds,
    clientUs: ((after.client - before.client) * 1e6) / count,
    serverUs:
      after.server !== null && before.server !== null ? ((after.server - before.server) * 1e6) / count : null,
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
  const best: Record<string, number> = {};
  console.log(`bench:audit-chain on ${url.host}, ${SECONDS}s per measurement, ${ROUNDS} rounds (best kept)`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const writers of WRITERS) {
      const old = await measure(handle, (i) => appendAuditEventUnbatched(handle, eventFor(i)), writers);
      const grouped = await measure(handle, (i) => writer.append(eventFor(i)), writers);
      best[`old-${writers}`] = Math.max(best[`old-${writers}`] ?? 0, old.perSecond);
      best[`group-${writers}`] = Math.max(best[`group-${writers}`] ?? 0, grouped.perSecond);
      const cpu = (m: Measurement) =>
        `CPU/append ${Math.round(m.clientUs)}µs client + ${m.serverUs === null ? '?' : Math.round(m.serverUs)}µs PostgreSQL`;
      console.log(
        `  round ${round}, ${String(writers).padStart(2)} writers: old ${Math.round(old.perSecond)}/s (${cpu(old)}), group commit ${Math.round(grouped.perSecond)}/s (${cpu(grouped)}) ×${(grouped.perSecond / old.perSecond).toFixed(1)}`,
      );
    }
  }
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
  let verifyRate = 0;
  let verified = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const before = await cpuSeconds(handle);
    const started = performance.now();
    const result = await verifyAuditChain(handle);
    const rate = result.checked / ((performance.now() - started) / 1000);
    const after = await cpuSeconds(handle);
    if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.firstBroken)}`);
    verified = result.checked;
    verifyRate = Math.max(verifyRate, rate);
    const us = (a: number, b: number) => (((a - b) * 1e6) / result.checked).toFixed(1);
    console.log(
      `  verify round ${round}: ${result.checked} events at ${Math.round(rate)} events/s` +
        ` (CPU/event ${us(after.client, before.client)}µs client + ${after.server !== null && before.server !== null ? us(after.server, before.server) : '?'}µs PostgreSQL)`,
    );
  }
  if (missing > 0)
    console.log(
      `  (chain filled by group commit, 4000 callers in flight: ${Math.round(fillRate)} appends/s)`,
    );
  const cell = (writers: number) =>
    `${writers}w ${Math.round(best[`old-${writers}`]!)}→${Math.round(best[`group-${writers}`]!)}/s`;
  console.log(
    `SUMMARY audit-chain: appends old→group ${WRITERS.map(cell).join(', ')}; verify ${Math.round(verifyRate)} events/s over ${verified} events`,
  );
} finally {
  await db?.close();
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}
