// FHIR ingest throughput and memory: `DATABASE_URL=postgres://… node --import tsx scripts/bench/fhir-ingest.ts [--sizes 1000,10000]`
//
// For each size a FRESH process (so peak RSS is that size's alone) starts the real record
// (identity index), audit and health services on a fresh database, then an NHS trust's system
// POSTs one batch bundle of that many resources (per patient: Patient with a verified NHS
// number, Condition, ServiceRequest referral, Encounter first appointment, CareTeam), then the
// same bundle again (all unchanged). Prints resources/s and peak RSS for each, and the ratio of
// peak RSS growth between the largest and smallest size (flat memory: far below the size ratio).
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fhirBenchBundle as bundleOf } from './lib/fhir-bundle.ts';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1000,10000' }, one: { type: 'string' } },
});

if (!process.env.DATABASE_URL) {
  console.error(
    'bench fhir-ingest needs DATABASE_URL (a PostgreSQL server): it creates and drops its own database.',
  );
  process.exit(2);
}

interface Run {
  resources: number;
  firstMs: number;
  /** CPU time of this process (health + record + audit services) during the first ingest. */
  firstCpuMs: number;
  againMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
  /** Peak V8 heap in use above the start (live objects and not yet collected garbage). */
  heapGrowthMb: number;
  created: number;
  unchanged: number;
  rejected: number;
  timing: string;
}

if (values.one) {
  console.log(JSON.stringify(await runOne(Number(values.one))));
  process.exit(0);
}

const sizes = values.sizes.split(',').map(Number);
const runs: Run[] = [];
for (const size of sizes) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, import.meta.filename, '--one', String(size)],
    {
      env: process.env,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    },
  );
  const line = child.stdout.trim().split('\n').pop() ?? '';
  if (child.status !== 0 || !line.startsWith('{')) {
    console.error(child.stderr || child.stdout);
    process.exit(1);
  }
  const run = JSON.parse(line) as Run;
  runs.push(run);
  console.log(
    `${String(run.resources).padStart(7)} resources: first ${(run.resources / (run.firstMs / 1000)).toFixed(0)} resources/s (${(run.firstMs / 1000).toFixed(2)} s wall, ${(run.firstCpuMs / 1000).toFixed(2)} s CPU of the services, ${run.created} created, ${run.rejected} rejected), re-sent ${(run.resources / (run.againMs / 1000)).toFixed(0)} resources/s (${run.unchanged} unchanged); RSS ${run.rssBeforeMb} MB before, peak ${run.peakRssMb} MB (heap in use up to +${run.heapGrowthMb} MB)\n          phases (ms): ${run.timing}`,
  );
}
const [small, large] = [runs[0], runs[runs.length - 1]];
if (small && large && large !== small) {
  const growth = (r: Run) => Math.max(1, r.peakRssMb - r.rssBeforeMb);
  console.log(
    `size ×${(large.resources / small.resources).toFixed(0)} → peak RSS growth ×${(growth(large) / growth(small)).toFixed(1)} (${growth(small)} MB → ${growth(large)} MB above the started services)`,
  );
}

async function runOne(resources: number): Promise<Run> {
  const { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } = await import('@hub/auth');
  const { service: record } = await import('@hub/record');
  const { service: health } = await import('@hub/health');
  const { service: audit } = await import('../../services/audit/src/app.ts');
  const { createTestDatabase } = await import('@hub/testkit');
  const { syntheticNhsNumber } = await import('@hub/identifiers');

  const database = await createTestDatabase();
  const owner = await database.open({ maxConnections: 2 });
  const secret = 'b'.repeat(48);
  const base = { INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' as const };
  for (const s of [record, health, audit]) await s.prepareDatabase(owner);
  await owner.close();
  const listen = async (app: import('fastify').FastifyInstance) => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  };
  const recordApp = record.buildApp(base, { db: await database.open({ role: record.dbRole }) });
  const auditApp = audit.buildApp(base, { db: await database.open({ role: audit.dbRole }) });
  const recordUrl = await listen(recordApp);
  const auditUrl = await listen(auditApp);
  const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'bench-fhir-idp-')));
  const healthApp = health.buildApp(
    {
      ...base,
      RECORD_BASE_URL: recordUrl,
      AUDIT_URL: auditUrl,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWKS_FILE: issuer.jwksFile,
    },
    { db: await database.open({ role: health.dbRole }) },
  );
  await healthApp.ready();
  const token = await issuer.signSystem({
    clientId: 'trust-1-epr',
    orgId: 'trust-1',
    orgType: 'health',
    scopes: ['ingest:fhir'],
  });

  const payload = JSON.stringify(bundleOf(resources, syntheticNhsNumber));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.rss);
    heapPeak = Math.max(heapPeak, usage.heapUsed);
  }, 10);
  const send = async () => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const response = await healthApp.inject({
      method: 'POST',
      url: '/fhir',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      payload,
    });
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    if (response.statusCode !== 200)
      throw new Error(`POST /fhir answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
    const entries = (response.json() as { entry: { response: { status: string } }[] }).entry;
    return {
      ms,
      cpuMs,
      timing: String(response.headers['server-timing'] ?? ''),
      created: entries.filter((e) => e.response.status === '201 Created').length,
      ok: entries.filter((e) => e.response.status === '200 OK').length,
      rejected: entries.filter((e) => /^[45]/.test(e.response.status)).length,
    };
  };
  const first = await send();
  const again = await send();
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await healthApp.close();
  await recordApp.close();
  await auditApp.close();
  await database.destroy();
  const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);
  return {
    resources,
    firstMs: Math.round(first.ms),
    firstCpuMs: Math.round(first.cpuMs),
    againMs: Math.round(again.ms),
    rssBeforeMb: mb(rssBefore),
    peakRssMb: mb(peak),
    heapGrowthMb: mb(heapPeak - heapBefore),
    created: first.created,
    unchanged: again.ok,
    rejected: first.rejected,
    timing: first.timing,
  };
}

/** One batch bundle: five resources per patient, as a trust's EPR exports them. */
