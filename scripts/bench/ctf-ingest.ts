/**
 * `pnpm bench:ctf` — CTF ingest throughput and memory at 1× and 10× a secondary school
 * (1,500 and 15,000 pupils). Each size runs in its own fresh process (clean RSS): the whole hub
 * in that process (record service with its identity index, audit service, education adapter,
 * on a fresh test database: DATABASE_URL or PGlite), the CTF written to a temporary file and
 * sent over real HTTP as a stream, as `pnpm ingest ctf` does. Prints pupils/s and peak RSS
 * (sampled every 20 ms) above the process's RSS just before the upload.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm bench:ctf [-- --sizes 1500,15000] [--heap 192]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from '@hub/auth';
import { service as education } from '@hub/education';
import { syntheticUpn } from '@hub/identifiers';
import { type SyntheticChild, schoolDfeNumber } from '@hub/synthetic';
import { CTF_TAIL, ctfHeaderXml, ctfPupilXml } from '@hub/synthetic/testing';
import { request } from 'undici';
import { startHub } from '../../services/gateway/test/hub.ts';

const self = fileURLToPath(import.meta.url);
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function one(size: number) {
  const hub = await startHub({ children: 60 });
  const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'bench-idp-')));
  const app = education.buildApp(
    {
      INTERNAL_CONTEXT_SECRET: hub.secret,
      LOG_LEVEL: 'silent',
      RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
      AUDIT_URL: hub.audit.url,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWKS_FILE: issuer.jwksFile,
    },
    { db: hub.subgraphs.education.appDb },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const s3 = hub.dataset.schools.find((s) => s.id === 'school-3')!;
  const school = { ...schoolDfeNumber(s3), name: s3.name };
  const template = hub.dataset.children[0]!;
  // Pupils new to the hub: each goes through identity matching (scored against every child).
  const parts: string[] = [ctfHeaderXml(school, school.laCode, '2026-09-01T09:00:00')];
  for (let i = 0; i < size; i++) {
    const pupil: SyntheticChild = {
      ...template,
      upn: syntheticUpn(1_000_000 + i),
      givenName: 'Benchmark',
      familyName: `Testpupil-${i}`,
      dateOfBirth: `20${10 + (i % 8)}-0${1 + (i % 9)}-1${i % 9}`,
    };
    parts.push(ctfPupilXml(pupil, school));
  }
  parts.push(CTF_TAIL);
  const file = join(mkdtempSync(join(tmpdir(), 'bench-ctf-')), 'ctf.xml');
  writeFileSync(file, parts.join(''));
  parts.length = 0;
  const token = await issuer.signSystem({
    clientId: 'bench',
    orgId: 'school-3',
    orgType: 'school',
    scopes: ['ingest:ctf'],
  });

  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  let atPeak = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    if (m.rss > peak) {
      peak = m.rss;
      atPeak = m;
    }
  }, 20);
  const started = performance.now();
  const response = await request(`http://127.0.0.1:${port}/ctf`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/xml',
      'x-file-name': 'bench.xml',
    },
    body: createReadStream(file),
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const report = (await response.body.json()) as {
    counts: Record<string, number>;
    pending: number;
    linked: number;
  };
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      pupils: size,
      fileMb: +(statSync(file).size / 1e6).toFixed(1),
      status: response.statusCode,
      counts: report.counts,
      seconds: +seconds.toFixed(2),
      pupilsPerSecond: Math.round(size / seconds),
      baselineRssMb: Math.round(baseline / 1e6),
      peakRssMb: Math.round(peak / 1e6),
      peakAboveBaselineMb: Math.round((peak - baseline) / 1e6),
      // Where the peak was: V8 heap in use / allocated, and memory outside the heap (Buffers).
      atPeakMb: {
        heapUsed: Math.round(atPeak.heapUsed / 1e6),
        heapTotal: Math.round(atPeak.heapTotal / 1e6),
        external: Math.round(atPeak.external / 1e6),
        arrayBuffers: Math.round(atPeak.arrayBuffers / 1e6),
      },
    }),
  );
  await app.close();
  await hub.close();
}

const size = arg('size');
if (size) {
  await one(Number(size));
} else {
  const sizes = (arg('sizes') ?? '1500,15000').split(',').map(Number);
  // --heap <MB>: cap V8's old space, to tell memory kept (fails or stays under the cap) from
  // garbage the collector had not yet returned (RSS grows with a roomy default heap).
  const heap = arg('heap');
  console.log('CTF ingest: one fresh process per size (record + audit + education in that process)');
  for (const n of sizes) {
    const out = execFileSync(
      process.execPath,
      [
        '--expose-gc',
        ...(heap ? [`--max-old-space-size=${heap}`] : []),
        '--import',
        'tsx',
        self,
        '--size',
        String(n),
      ],
      {
        env: process.env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    console.log(out.trim().split('\n').at(-1));
  }
}
