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
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  AuditChainWriter,
  anAuditEventInput,
  appendAuditEventUnbatched,
  migrateAudit,
  TEST_CHILD_A,
  TEST_CHILD_B,
  verifyAuditChain,
} from '@hub/audit';
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

/** `writers` loops appending back to back for SECONDS; returns appends per second. */
async function measure(append: (i: number) => Promise<unknown>, writers: number): Promise<number> {
  let count = 0;
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
  return count / ((performance.now() - started) / 1000);
}

const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const name = `hub_bench_chain_${randomBytes(4).toString('hex')}`;
await admin.unsafe(`create database ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
let db: DbHandle | undefined;
try {
  db = await openDatabase({ url: url.toString(), maxConnections: 70 });
  await migrateAudit(db);
  const handle = db;
  const writer = new AuditChainWriter(handle);
  const best: Record<string, number> = {};
  console.log(`bench:audit-chain on ${url.host}, ${SECONDS}s per measurement, ${ROUNDS} rounds (best kept)`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const writers of WRITERS) {
      const old = await measure((i) => appendAuditEventUnbatched(handle, eventFor(i)), writers);
      const grouped = await measure((i) => writer.append(eventFor(i)), writers);
      best[`old-${writers}`] = Math.max(best[`old-${writers}`] ?? 0, old);
      best[`group-${writers}`] = Math.max(best[`group-${writers}`] ?? 0, grouped);
      console.log(
        `  round ${round}, ${String(writers).padStart(2)} writers: old ${Math.round(old)}/s, group commit ${Math.round(grouped)}/s (×${(grouped / old).toFixed(1)})`,
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
    const started = performance.now();
    const result = await verifyAuditChain(handle);
    const rate = result.checked / ((performance.now() - started) / 1000);
    if (!result.ok) throw new Error(`chain broken: ${JSON.stringify(result.firstBroken)}`);
    verified = result.checked;
    verifyRate = Math.max(verifyRate, rate);
    console.log(`  verify round ${round}: ${result.checked} events at ${Math.round(rate)} events/s`);
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
