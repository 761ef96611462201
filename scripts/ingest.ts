/**
 * `pnpm ingest ctf <file> [--org school-3] [--url http://127.0.0.1:4002]`
 * `pnpm ingest cin <file> [--org la-1]    [--url http://127.0.0.1:4004]`
 * `pnpm ingest fhir <bundle.json> [--org trust-1] [--url http://127.0.0.1:4003]` (org default: from fhir-<org>.json)
 * `pnpm ingest fixtures`   every synthetic fixture (packages/synthetic/fixtures) into the running hub
 *
 * Sends an agency file to the running hub's adapter (POST /ctf on education, POST /cin on
 * social care) as that agency's system would: with a client-credentials token from the demo
 * identity provider (.data/demo-idp, the one `pnpm start` trusts). Streams the file and shows
 * progress; prints the ingest report (counts, rejected records with reasons, records waiting
 * for the council's review). Exit code 1 when the file was refused.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadOrCreateDevIssuer, type SystemOrgType } from '@hub/auth';
import { request } from 'undici';

const root = resolve(fileURLToPath(import.meta.url), '..', '..');
export const FIXTURES_DIR = join(root, 'packages', 'synthetic', 'fixtures');

export interface IngestTarget {
  kind: 'ctf' | 'cin' | 'fhir';
  file: string;
  /** The sending organisation (the token's org). */
  orgId: string;
  /** The adapter's base URL. */
  url: string;
  /** Folder of the demo identity provider's keys. */
  idpDir: string;
  onProgress?: (sent: number, total: number) => void;
}

/** Reads the sender from the file's header when not given: the CTF source school / CIN LA code. */
export function senderOf(kind: 'ctf' | 'cin', xml: string): string | undefined {
  if (kind === 'cin') {
    const lea = /<Source>[\s\S]*?<LEA>(\d{3})<\/LEA>/.exec(xml)?.[1];
    return lea ? `la-${1000 - Number(lea)}` : undefined;
  }
  const estab = /<SourceSchool>[\s\S]*?<Estab>(\d{4})<\/Estab>/.exec(xml)?.[1];
  // Synthetic schools: establishment number 2xxx/4xxx/7xxx + school number.
  return estab ? `school-${Number(estab) % 1000}` : undefined;
}

/** Sends one file; resolves with the HTTP status and the adapter's JSON answer. */
export async function ingestFile(target: IngestTarget): Promise<{ status: number; body: unknown }> {
  const issuer = await loadOrCreateDevIssuer(target.idpDir);
  const orgType: SystemOrgType =
    target.kind === 'ctf' ? 'school' : target.kind === 'fhir' ? 'health' : 'local_authority';
  const token = await issuer.signSystem({
    clientId: `${target.orgId}-${target.kind}-client`,
    orgId: target.orgId,
    orgType,
    scopes: [`ingest:${target.kind}`],
  });
  const total = statSync(target.file).size;
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      target.onProgress?.(sent, total);
      done(null, chunk);
    },
  });
  const response = await request(`${target.url.replace(/\/$/, '')}/${target.kind}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': target.kind === 'fhir' ? 'application/fhir+json' : 'application/xml',
      'content-length': String(total),
      'x-file-name': basename(target.file),
    },
    body: Readable.from(createReadStream(target.file).pipe(counter)),
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const text = await response.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.statusCode, body };
}

const DEFAULT_URL = {
  ctf: 'http://127.0.0.1:4002',
  cin: 'http://127.0.0.1:4004',
  fhir: 'http://127.0.0.1:4003',
} as const;

/** A FHIR bundle's sender from its file name (fhir-<org>.json); the bundle itself names none. */
const fhirSenderOf = (file: string) => /^fhir-(.+)\.json$/.exec(basename(file))?.[1];

/** A batch-response bundle summed up: how many entries answered each status. */
function fhirSummary(body: unknown): Record<string, number> | undefined {
  const entries = (body as { entry?: { response?: { status?: string } }[] }).entry;
  if (!Array.isArray(entries)) return undefined;
  const counts: Record<string, number> = {};
  for (const e of entries) {
    const status = e.response?.status ?? 'none';
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

/** Every fixture file into a running hub (what `pnpm start` can seed through the adapters). */
export async function ingestFixtures(options: {
  urls?: Partial<Record<keyof typeof DEFAULT_URL, string>>;
  idpDir: string;
  dir?: string;
  onFile?: (file: string) => void;
}) {
  const dir = options.dir ?? FIXTURES_DIR;
  const results: Array<{ file: string; status: number; body: unknown }> = [];
  for (const name of readdirSync(dir)
    .filter((f) => /^((ctf|cin)-.*\.xml|fhir-.*\.json)$/.test(f))
    .sort()) {
    const kind = name.startsWith('ctf') ? 'ctf' : name.startsWith('fhir') ? 'fhir' : 'cin';
    const file = join(dir, name);
    const orgId =
      kind === 'fhir' ? fhirSenderOf(name) : senderOf(kind, readFileSync(file, 'utf8').slice(0, 4000));
    if (!orgId) throw new Error(`${name}: no sender in the header`);
    options.onFile?.(name);
    const result = await ingestFile({
      kind,
      file,
      orgId,
      url: options.urls?.[kind] ?? DEFAULT_URL[kind],
      idpDir: options.idpDir,
    });
    results.push({ file: name, ...result });
  }
  return results;
}

async function main(argv: string[]) {
  const [kind, file] = argv;
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const idpDir = resolve(root, process.env.DATA_DIR ?? '.data', 'demo-idp');
  if (kind === 'fixtures') {
    for (const r of await ingestFixtures({ idpDir })) {
      const counts = (r.body as { counts?: unknown }).counts ?? fhirSummary(r.body);
      console.log(`${r.file}: HTTP ${r.status} ${JSON.stringify(counts ?? r.body)}`);
    }
    return;
  }
  if ((kind !== 'ctf' && kind !== 'cin' && kind !== 'fhir') || !file) {
    console.error(
      'usage: pnpm ingest ctf|cin|fhir <file> [--org <organisation id>] [--url <adapter base url>] | pnpm ingest fixtures',
    );
    process.exit(2);
  }
  const path = resolve(process.cwd(), file);
  const orgId =
    flag('org') ??
    (kind === 'fhir' ? fhirSenderOf(path) : senderOf(kind, readFileSync(path, 'utf8').slice(0, 4000)));
  if (!orgId) {
    console.error('Could not tell the sender from the header: pass --org <organisation id>.');
    process.exit(2);
  }
  const started = Date.now();
  let lastShown = 0;
  // CTF and CIN are read as they arrive, so the upload moves with the ingest; a FHIR bundle is
  // taken whole first and then processed: after the last byte, say how long the adapter has been
  // working on it.
  let working: NodeJS.Timeout | undefined;
  const seconds = (from: number) => `${((Date.now() - from) / 1000).toFixed(0)} s`;
  const { status, body } = await ingestFile({
    kind,
    file: path,
    orgId,
    url: flag('url') ?? DEFAULT_URL[kind],
    idpDir,
    onProgress: (sent, total) => {
      if (Date.now() - lastShown < 250 && sent < total) return;
      lastShown = Date.now();
      process.stderr.write(
        `\rsent ${(sent / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB (${Math.round((sent / total) * 100)}%)`,
      );
      if (sent === total && !working) {
        const uploaded = Date.now();
        working = setInterval(
          () =>
            process.stderr.write(
              `\rsent ${(total / 1e6).toFixed(1)} MB (100%); the adapter is working on it: ${seconds(uploaded)}`,
            ),
          1000,
        );
      }
    },
  }).finally(() => clearInterval(working));
  process.stderr.write(
    `\n${status === 200 ? 'ingested' : 'refused'} in ${((Date.now() - started) / 1000).toFixed(1)} s (HTTP ${status})\n`,
  );
  // A FHIR answer has one entry per resource: show the statuses and only the entries that failed.
  const summary = kind === 'fhir' ? fhirSummary(body) : undefined;
  const failed = summary
    ? (body as { entry: { response: { status: string } }[] }).entry
        .map((e, index) => ({ index, ...e.response }))
        .filter((e) => !/^20/.test(e.status))
    : undefined;
  console.log(JSON.stringify(summary ? { statuses: summary, failed } : body, null, 2));
  if (status !== 200) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
