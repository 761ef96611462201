/**
 * `pnpm bench:adapters` — throughput and memory of the three adapters at 1× and 10× a file's size,
 * side by side in one run: CTF (1,500 and 15,000 pupils: a secondary school), CIN census (1,500
 * and 15,000 children) and FHIR (1,000 and 10,000 resources in one batch bundle).
 *
 * The adapter runs as it does in production: its own process (`services/<adapter>/src/server.ts`,
 * least-privilege database role, migrations skipped), so its memory is its own. The record
 * service (identity index) and the audit service run in this process on a fresh database
 * (DATABASE_URL). Each size gets a fresh adapter process: a small warm-up file first (code paths,
 * the FHIR validator's definitions), then the kernel's peak-RSS mark is reset
 * (/proc/<pid>/clear_refs) and the file is streamed over HTTP from disk, as `pnpm ingest` sends it.
 * Peak RSS = the adapter process's VmHWM during the ingest (exact, not sampled); "growth" = above
 * its RSS just before. Records are new to the hub (each goes through identity matching).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm bench:adapters [-- --formats ctf,cin,fhir] [--scale 0.1]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from '@hub/auth';
import { syntheticNhsNumber, syntheticUpn } from '@hub/identifiers';
import { laCodeOf, type SyntheticChild, schoolDfeNumber } from '@hub/synthetic';
import {
  CIN_TAIL,
  CTF_TAIL,
  cinChildXml,
  cinHeaderXml,
  ctfHeaderXml,
  ctfPupilXml,
} from '@hub/synthetic/testing';
import { request } from 'undici';
import { startHub } from '../../services/gateway/test/hub.ts';
import { fhirBenchBundle } from './lib/fhir-bundle.ts';

const { values } = parseArgs({
  options: {
    formats: { type: 'string', default: 'ctf,cin,fhir' },
    scale: { type: 'string', default: '1' },
    // Extra node flags for the adapter process (e.g. "--max-old-space-size=128" to tell memory
    // kept from garbage not yet collected, or "--heapsnapshot-signal=SIGUSR1").
    'node-flags': { type: 'string', default: '' },
  },
});
if (!process.env.DATABASE_URL) {
  console.error('bench:adapters needs DATABASE_URL (a PostgreSQL server): it creates its own database.');
  process.exit(2);
}
const root = resolve(import.meta.dirname, '..', '..');
const scale = Number(values.scale);
const FORMATS = {
  ctf: { service: 'education', unit: 'pupils', sizes: [1500, 15000], org: 'school-3', orgType: 'school' },
  cin: {
    service: 'social-care',
    unit: 'children',
    sizes: [1500, 15000],
    org: 'la-1',
    orgType: 'local_authority',
  },
  fhir: { service: 'health', unit: 'resources', sizes: [1000, 10000], org: 'trust-1', orgType: 'health' },
} as const;
type Format = keyof typeof FORMATS;

const hub = await startHub({ children: 60 });
const dir = mkdtempSync(join(tmpdir(), 'bench-adapters-'));
const probe = join(root, 'scripts', 'bench', 'lib', 'memory-probe.ts');
const probeFile = join(dir, 'memory-probe.jsonl');
const issuer = await loadOrCreateDevIssuer(join(dir, 'idp'));
const freePort = () =>
  new Promise<number>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const address = s.address();
      s.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
const status = (pid: number, field: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) *
  1024;

const FIRST_OFFSET = 2_000_000;
/** A file of `n` records new to the hub; `offset` keeps every run's identities apart. */
function writeFile(format: Format, n: number, offset: number): string {
  const file = join(dir, `${format}-${n}-${offset}.${format === 'fhir' ? 'json' : 'xml'}`);
  const template = hub.dataset.children[0] as SyntheticChild;
  const child = (i: number): SyntheticChild => ({
    ...template,
    upn: syntheticUpn(offset + i),
    laId: `LA-SYN-B${offset + i}`,
    givenName: 'Benchmark',
    familyName: `Testpupil-${offset + i}`,
    dateOfBirth: `20${10 + (i % 8)}-0${1 + (i % 9)}-1${i % 9}`,
    socialCare: {
      updatedAt: '2026-08-01T10:00:00.000Z',
      status: 'CHILD_IN_NEED',
      allocatedWorker: null,
      shortBreaks: [],
    },
  });
  const parts: string[] = [];
  if (format === 'ctf') {
    const s3 = hub.dataset.schools.find((s) => s.id === 'school-3');
    if (!s3) throw new Error('no school-3');
    const school = { ...schoolDfeNumber(s3), name: s3.name };
    parts.push(ctfHeaderXml(school, school.laCode, '2026-09-01T09:00:00'));
    for (let i = 0; i < n; i++) parts.push(ctfPupilXml(child(i), school));
    parts.push(CTF_TAIL);
  } else if (format === 'cin') {
    parts.push(cinHeaderXml(laCodeOf('la-1'), '2026-09-01T09:00:00', '2026-09-01'));
    for (let i = 0; i < n; i++) parts.push(cinChildXml(child(i), '2026-09-01') ?? '');
    parts.push(CIN_TAIL);
  }
  // NHS numbers: the synthetic 999 range holds 900,000 (syntheticNhsNumber(0..899,999)); the
  // bundle takes 500,000 + its offset + patient, so count from the first run's offset.
  else parts.push(JSON.stringify(fhirBenchBundle(n, syntheticNhsNumber, offset - FIRST_OFFSET)));
  writeFileSync(file, parts.join(''));
  return file;
}

async function startAdapter(format: Format): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...values['node-flags'].split(' ').filter(Boolean),
      '--import',
      'tsx',
      '--import',
      probe,
      join('services', FORMATS[format].service, 'src', 'server.ts'),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: hub.database.url,
        DATABASE_MIGRATIONS: 'skip',
        SEED: 'none',
        LOG_LEVEL: 'warn',
        INTERNAL_CONTEXT_SECRET: hub.secret,
        RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
        AUDIT_URL: hub.audit.url,
        JWT_ISSUER: DEV_ISSUER,
        JWT_AUDIENCE: DEV_AUDIENCE,
        JWKS_FILE: issuer.jwksFile,
        MEMORY_PROBE_FILE: probeFile,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; ) {
    try {
      if ((await request(`${url}/health`)).statusCode === 200) return { child, url };
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`${format} adapter did not start`);
}

/** The probe's breakdown at the highest RSS since the last call (and starts a new period). */
async function probeReset(child: ChildProcess): Promise<NodeJS.MemoryUsage> {
  const lines = () => (existsSync(probeFile) ? readFileSync(probeFile, 'utf8').trim().split('\n').length : 0);
  const had = lines();
  child.kill('SIGUSR2');
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    if (lines() > had)
      return (
        JSON.parse(readFileSync(probeFile, 'utf8').trim().split('\n').at(-1) as string) as {
          peak: NodeJS.MemoryUsage;
        }
      ).peak;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the memory probe did not answer');
}

async function send(format: Format, url: string, file: string) {
  const f = FORMATS[format];
  const token = await issuer.signSystem({
    clientId: `bench-${format}`,
    orgId: f.org,
    orgType: f.orgType,
    scopes: [`ingest:${format}`],
  });
  const response = await request(`${url}/${format}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': format === 'fhir' ? 'application/fhir+json' : 'application/xml',
      'content-length': String(statSync(file).size),
      'x-file-name': 'bench',
    },
    body: createReadStream(file),
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const body = (await response.body.json()) as {
    counts?: Record<string, number>;
    entry?: { response: { status: string } }[];
  };
  if (response.statusCode !== 200)
    throw new Error(`${format}: HTTP ${response.statusCode} ${JSON.stringify(body)}`);
  const rejected =
    body.counts?.rejected ?? (body.entry ?? []).filter((e) => !/^20/.test(e.response.status)).length;
  return { rejected };
}

interface Row {
  format: Format;
  records: number;
  fileMb: number;
  seconds: number;
  perSecond: number;
  rssBeforeMb: number;
  peakMb: number;
  growthMb: number;
  rejected: number;
}
const rows: Row[] = [];
let offset = FIRST_OFFSET;
for (const format of values.formats.split(',') as Format[]) {
  for (const size of FORMATS[format].sizes.map((s) => Math.max(10, Math.round(s * scale)))) {
    const warmUp = writeFile(format, 10, offset);
    const file = writeFile(format, size, offset + 10);
    offset += size + 10;
    const { child, url } = await startAdapter(format);
    try {
      await send(format, url, warmUp);
      const pid = child.pid as number;
      await probeReset(child);
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
      const before = status(pid, 'VmRSS');
      const started = performance.now();
      const { rejected } = await send(format, url, file);
      const seconds = (performance.now() - started) / 1000;
      const peak = status(pid, 'VmHWM');
      const atPeak = await probeReset(child);
      rows.push({
        format,
        records: size,
        fileMb: +(statSync(file).size / 1e6).toFixed(1),
        seconds: +seconds.toFixed(2),
        perSecond: Math.round(size / seconds),
        rssBeforeMb: Math.round(before / 1e6),
        peakMb: Math.round(peak / 1e6),
        growthMb: Math.round((peak - before) / 1e6),
        rejected,
      });
      const r = rows.at(-1) as Row;
      const mb = (n: number) => Math.round(n / 1e6);
      process.stderr.write(
        `${format} ${size}: ${r.perSecond}/s, peak +${r.growthMb} MB (at the sampled peak: RSS ${mb(atPeak.rss)} MB, V8 heap used ${mb(atPeak.heapUsed)} / allocated ${mb(atPeak.heapTotal)} MB, external ${mb(atPeak.external)} MB, array buffers ${mb(atPeak.arrayBuffers)} MB)\n`,
      );
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
}
await hub.close();

console.log(
  '\nadapter   records  file MB  seconds  records/s  RSS before  peak RSS  growth  (x10 growth / x1)',
);
for (const format of Object.keys(FORMATS) as Format[]) {
  const mine = rows.filter((r) => r.format === format);
  for (const r of mine)
    console.log(
      `${r.format.padEnd(8)} ${String(r.records).padStart(8)} ${String(r.fileMb).padStart(8)} ${String(r.seconds).padStart(8)} ${String(r.perSecond).padStart(10)} ${`${r.rssBeforeMb} MB`.padStart(11)} ${`${r.peakMb} MB`.padStart(9)} ${`+${r.growthMb} MB`.padStart(7)}${r === mine.at(-1) && mine.length > 1 ? `  ×${(Math.max(1, r.growthMb) / Math.max(1, (mine[0] as Row).growthMb)).toFixed(1)}` : ''}${r.rejected ? `  (${r.rejected} rejected)` : ''}`,
    );
}
process.exit(0);
