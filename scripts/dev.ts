// `pnpm start`: runs the whole hub locally on the embedded default database (PGlite, one
// data folder per service under .data/) — or on PostgreSQL when DATABASE_URL is set —
// seeded with the deterministic synthetic data set. Ctrl-C stops everything.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadOrCreateCheckpointKeyPair } from '@hub/audit';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from '@hub/auth';
import { accountsFromUsers, devProviderConfig, listenDevOidc } from '@hub/dev-oidc';
import { buildPortal } from '@hub/portal';
import { buildSyntheticDataset, DEMO_USERS } from '@hub/synthetic';
import { ingestFixtures } from './ingest.ts';
import { writeAgencyFiles } from './lib/agency-files.ts';
import { loadOrCreateInternalSecret } from './lib/dev-secrets.ts';
import { GATEWAY, type HubService, SUBGRAPHS } from './lib/hub-services.ts';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(root, process.env.DATA_DIR ?? '.data');
const logLevel = process.env.LOG_LEVEL ?? 'warn';
const host = '127.0.0.1';
const started = Date.now();
const children: ChildProcess[] = [];
let stopping = false;

function start(service: HubService, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', service.entry], {
    cwd: root,
    env: { ...process.env, HOST: host, PORT: String(service.port), LOG_LEVEL: logLevel, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`\n✗ ${service.name} stopped (${signal ?? `exit ${code}`}); stopping the hub.`);
    void stop(1);
  });
  children.push(child);
  return child;
}

// A service that crashes stops the hub at once (the exit handler above), so this bound only
// catches a service that hangs. It is generous: on a shared 2-core machine the first start
// (migrations, seeding, type stripping) took about 5 minutes in review, against ~20 s alone.
const START_TIMEOUT_MS = Number(process.env.HUB_START_TIMEOUT_SECONDS ?? 600) * 1000;

async function waitForHealth(service: HubService, timeoutMs = START_TIMEOUT_MS): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let nextNote = started + 30_000;
  while (Date.now() < deadline) {
    if (Date.now() >= nextNote) {
      console.log(`  … still waiting for ${service.name} (${Math.round((Date.now() - started) / 1000)} s)`);
      nextNote += 30_000;
    }
    try {
      const response = await fetch(`http://${host}:${service.port}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `${service.name} did not become healthy on port ${service.port} within ${timeoutMs / 1000}s`,
  );
}

let closeOidc: (() => Promise<void>) | undefined;
async function stop(code: number): Promise<never> {
  stopping = true;
  await closeOidc?.();
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)),
  );
  process.exit(code);
}
process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

const secret = loadOrCreateInternalSecret(dataDir);
const issuer = await loadOrCreateDevIssuer(resolve(dataDir, 'demo-idp'));
// Signed audit checkpoints: a dev Ed25519 key pair made once per data folder (deployments mount
// their own key as a secret), and the log the audit service appends them to, outside the database.
const checkpointDir = resolve(dataDir, 'audit-checkpoints');
const checkpointKeys = loadOrCreateCheckpointKeyPair(checkpointDir);
const auditCheckpointEnv = {
  AUDIT_CHECKPOINT_KEY_FILE: checkpointKeys.privateKeyFile,
  AUDIT_CHECKPOINTS_FILE: resolve(checkpointDir, 'checkpoints.ndjson'),
};
// How the synthetic data gets in. `adapters` (default): each service seeds only what no agency
// file carries (SEED=synthetic-local), then the data set is written as the agencies' files (a CTF
// per school, a CIN census per council, a FHIR bundle per health organisation) and sent through
// POST /ctf, /cin and /fhir with the systems' tokens, as a council's systems would. `direct`: every
// service seeds its own rows (SEED=synthetic), as before the adapters existed.
const seedVia = process.env.HUB_SEED === 'direct' ? 'direct' : 'adapters';
const agencyDir = resolve(dataDir, 'agency-files');
const ingestedMarker = resolve(agencyDir, 'ingested.json');
// Only a fresh hub is seeded (the services seed empty tables only); files are ingested once, on
// the start that seeded, so a data folder seeded directly never gets a second copy.
const freshHub = process.env.DATABASE_URL
  ? !existsSync(ingestedMarker)
  : !existsSync(resolve(dataDir, 'record'));
const shared = {
  INTERNAL_CONTEXT_SECRET: secret,
  DATA_DIR: dataDir,
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
};

console.log(
  `Starting the hub on ${process.env.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${dataDir}`}…`,
);
// The web portal is built on every start (about 2 s) so it never lags behind the source.
const portalDir = await buildPortal();
// The local OpenID Connect provider (panva's oidc-provider, packages/dev-oidc) the portal
// signs in through by default, with the synthetic users as accounts, and the gateway's
// configuration for it: the same OIDC_PROVIDERS file a real provider gets (docs/sign-in.md).
const OIDC_PORT = Number(process.env.DEV_OIDC_PORT ?? 4010);
const portalOrigin = `http://${host}:${GATEWAY.port}`;
const oidcAccounts = accountsFromUsers(DEMO_USERS);
const oidc = await listenDevOidc({ host, port: OIDC_PORT });
closeOidc = oidc.close;
await oidc.start({ portalOrigin, accounts: oidcAccounts, keyDir: resolve(dataDir, 'dev-oidc') });
mkdirSync(dataDir, { recursive: true });
const oidcProvidersFile = resolve(dataDir, 'oidc-providers.json');
writeFileSync(oidcProvidersFile, JSON.stringify([devProviderConfig(oidc.issuer, oidcAccounts)], null, 2));
try {
  for (const service of SUBGRAPHS)
    start(service, {
      ...shared,
      SEED: seedVia === 'adapters' ? 'synthetic-local' : 'synthetic',
      RECORD_BASE_URL: `http://${host}:4001`,
      // Adapters take agency systems' files (POST /fhir, /ctf, /cin): the systems' tokens are
      // verified against the same identity provider, and every ingest is audited.
      AUDIT_URL: `http://${host}:${SUBGRAPHS.find((s) => s.name === 'audit')?.port}`,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWKS_FILE: issuer.jwksFile,
      ...(service.name === 'audit' ? auditCheckpointEnv : {}),
    });
  await Promise.all(SUBGRAPHS.map((s) => waitForHealth(s)));
  if (seedVia === 'adapters' && freshHub) await seedThroughAdapters();
  const serviceUrls = Object.fromEntries(
    SUBGRAPHS.filter((s) => s.gatewayEnv).map((s) => [
      s.gatewayEnv,
      `http://${host}:${s.port}${s.gatewayPath ?? '/graphql'}`,
    ]),
  );
  start(GATEWAY, {
    ...shared,
    ...serviceUrls,
    JWT_ISSUER: DEV_ISSUER,
    JWT_AUDIENCE: DEV_AUDIENCE,
    JWKS_FILE: issuer.jwksFile,
    // Sign-in through the local OpenID Connect provider (above)…
    OIDC_PROVIDERS_FILE: oidcProvidersFile,
    // …and the web portal with the demo sign-in below it (services/portal, built above).
    DEMO_IDP_DIR: resolve(dataDir, 'demo-idp'),
    PORTAL_DIR: portalDir,
  });
  await waitForHealth(GATEWAY);
} catch (error) {
  console.error(`\n✗ ${(error as Error).message}`);
  await stop(1);
}

/**
 * The synthetic agencies send their files: written to .data/agency-files from the data set the
 * services seeded (same reference date), then ingested through the adapters with each system's
 * token from the demo identity provider. Any refused file or record stops the start.
 */
async function seedThroughAdapters(): Promise<void> {
  const t0 = Date.now();
  writeAgencyFiles(buildSyntheticDataset(), agencyDir);
  const port = (name: string) => SUBGRAPHS.find((s) => s.name === name)?.port;
  const results = await ingestFixtures({
    idpDir: resolve(dataDir, 'demo-idp'),
    dir: agencyDir,
    urls: {
      ctf: `http://${host}:${port('education')}`,
      cin: `http://${host}:${port('social-care')}`,
      fhir: `http://${host}:${port('health')}`,
    },
    onFile: (file) => console.log(`  ingesting ${file} through its adapter…`),
  });
  const problems: string[] = [];
  for (const r of results) {
    const body = r.body as {
      counts?: { rejected: number };
      pending?: number;
      entry?: { response?: { status?: string } }[];
    };
    const failedEntries = (body.entry ?? []).filter((e) => !/^20/.test(e.response?.status ?? ''));
    if (
      r.status !== 200 ||
      (body.counts?.rejected ?? 0) > 0 ||
      (body.pending ?? 0) > 0 ||
      failedEntries.length
    )
      problems.push(`${r.file}: HTTP ${r.status} ${JSON.stringify(body).slice(0, 400)}`);
  }
  if (problems.length) throw new Error(`seeding through the adapters failed:\n${problems.join('\n')}`);
  writeFileSync(
    ingestedMarker,
    `${JSON.stringify({ at: new Date().toISOString(), files: results.map((r) => r.file) })}\n`,
  );
  console.log(
    `Seeded through the adapters: ${results.length} agency files (${agencyDir}) in ${((Date.now() - t0) / 1000).toFixed(1)}s.`,
  );
}

const url = `http://${host}:${GATEWAY.port}/graphql`;
console.log(`
✓ Hub ready in ${((Date.now() - started) / 1000).toFixed(1)}s — GraphQL gateway: ${url}

  Web portal: http://${host}:${GATEWAY.port}/ — "Sign in with the local test sign-in" goes through the
  local OpenID Connect provider at ${oidc.issuer} (code flow + PKCE; pick any synthetic account);
  the DEMO sign-in below it still works.

  Demo identity provider (synthetic users only; a real OIDC provider plugs in via JWKS_URL):
    pnpm -s demo-token --list                      # demo users
    TOKEN=$(pnpm -s demo-token --user demo-la-1)   # a token for one of them

  Try it:
    curl -s ${url} -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
      -H 'x-hub-purpose: ehc_assessment' \\
      -d '{"query":"{ children(search: {name: \\"Testchild\\"}, first: 3) { id givenName familyName education { senStatus } } }"}'

  Check the audit chain against its signed checkpoints (after Ctrl-C on the embedded store):
    pnpm audit:verify --checkpoints ${auditCheckpointEnv.AUDIT_CHECKPOINTS_FILE} --public-key ${checkpointKeys.publicKeyFile}

  Ctrl-C stops the hub. Data persists in ${dataDir} (delete it to re-seed).
`);
