import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadOrCreateCheckpointKeyPair, verifyAuditChain } from '@hub/audit';
import { anAuditEventInput } from '@hub/audit/testing';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { DB_ROLES, type DbHandle, openDatabase } from '@hub/db';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildService } from './lib/build-services.ts';

/**
 * The production build (`pnpm build`): the audit service — the one whose migrations live in a
 * workspace package (packages/audit/migrations), the hardest case for a bundle — compiled to
 * plain JavaScript and run with `node`, no tsx loader, as a deployment runs it: the migration
 * job as the schema owner, then the server as a LOGIN user that is a member of hub_audit_writer
 * only, with DATABASE_MIGRATIONS=skip and NODE_ENV=production (signed checkpoints required).
 * Needs PostgreSQL (roles); CI sets DATABASE_URL.
 */
describe.skipIf(!process.env.DATABASE_URL)('compiled audit service (node dist/server.mjs)', () => {
  let database: TestDatabase;
  let owner: DbHandle;
  let admin: DbHandle;
  let serverFile: string;
  let workDir: string;
  const suffix = randomBytes(4).toString('hex');
  const login = `${DB_ROLES.audit_writer}_b${suffix}`;
  /** A schema owner that is not a superuser and cannot create roles, as in production. */
  const ownerLogin = `hub_owner_b${suffix}`;
  let ownerUrl: string;
  const secret = randomBytes(32).toString('hex');

  /** Only what the artefact needs: no NODE_OPTIONS (no tsx or vitest loader can sneak in). */
  function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return { PATH: process.env.PATH, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...extra };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    owner = await database.open();
    serverFile = await buildService('audit');
    workDir = mkdtempSync(join(tmpdir(), 'hub-build-'));
    // Roles are cluster-wide: LOGIN users are made on the server, outside the test database.
    admin = await openDatabase({ url: process.env.DATABASE_URL!, maxConnections: 1 });
    const password = randomBytes(12).toString('hex');
    await admin.exec(`create role ${ownerLogin} login password '${password}'`);
    const url = new URL(database.url!);
    await owner.exec(`grant create on database ${url.pathname.slice(1)} to ${ownerLogin}`);
    url.username = ownerLogin;
    url.password = password;
    ownerUrl = url.toString();
  });
  afterAll(async () => {
    await database?.destroy();
    for (const role of [login, ownerLogin]) await admin?.exec(`drop role if exists ${role}`);
    await admin?.close();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('builds JavaScript that needs no TypeScript loader', () => {
    const code = readFileSync(serverFile, 'utf8');
    expect(serverFile).toMatch(/services\/audit\/dist\/server\.mjs$/);
    // Workspace packages are inlined (they export .ts sources node cannot load)...
    expect(code).not.toMatch(/from ["']@hub\//);
    // ...and their file-relative assets point at their original folders.
    expect(code).toContain('"../../../packages/audit/src/store.ts"');
  });

  it('the migration job (node dist/migrate.mjs) migrates as a non-superuser schema owner', async () => {
    // As infra/postgres/10-hub-logins.sh and the Kubernetes job set it up: the context role
    // exists already, the owner may create schemas in this database and nothing more.
    const job = await run(
      join(dirname(serverFile), 'migrate.mjs'),
      baseEnv({ DATABASE_MIGRATION_URL: ownerUrl }),
    );
    expect(job.code, job.output).toBe(0);
    const done = JSON.parse(job.output.trim().split('\n').at(-1)!) as { applied: string[] };
    expect(done.applied.length).toBeGreaterThan(0);
    const applied = await owner.query<{ id: string }>('select id from audit.schema_migrations order by id');
    expect(applied.map((row) => row.id)).toEqual(done.applied);
    // Run again: nothing left to apply (jobs are re-run on every deploy).
    const again = await run(
      join(dirname(serverFile), 'migrate.mjs'),
      baseEnv({ DATABASE_MIGRATION_URL: ownerUrl }),
    );
    expect(again.code, again.output).toBe(0);
    expect(JSON.parse(again.output.trim().split('\n').at(-1)!)).toMatchObject({ applied: [] });
  });

  it('serves as its own LOGIN user without the owner credentials, then stops cleanly on SIGTERM', async () => {
    // Production: `create role audit_app login password '…' in role hub_audit_writer`.
    const password = randomBytes(12).toString('hex');
    await admin.exec(`create role ${login} login password '${password}' in role ${DB_ROLES.audit_writer}`);
    const url = new URL(database.url!);
    url.username = login;
    url.password = password;
    const keys = loadOrCreateCheckpointKeyPair(join(workDir, 'keys'));
    const checkpoints = join(workDir, 'checkpoints.ndjson');

    const child = spawn(process.execPath, [serverFile], {
      cwd: dirname(dirname(serverFile)),
      env: baseEnv({
        NODE_ENV: 'production',
        PORT: '0',
        INTERNAL_CONTEXT_SECRET: secret,
        DATABASE_URL: url.toString(),
        DATABASE_MIGRATIONS: 'skip',
        AUDIT_CHECKPOINT_KEY_FILE: keys.privateKeyFile,
        AUDIT_CHECKPOINTS_FILE: checkpoints,
        AUDIT_CHECKPOINT_EVERY_EVENTS: '1',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = watch(child);
    try {
      const base = await server.listening;
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', service: 'audit' });

      const appended = await fetch(`${base}/internal/audit-events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'build-test'),
        },
        body: JSON.stringify(anAuditEventInput({ requestId: 'build-test' })),
      });
      expect(appended.status, await appended.clone().text()).toBe(201);
      const sessions = await owner.query<{ usename: string }>(
        'select distinct usename from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      expect(sessions.map((s) => s.usename)).toContain(login);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await server.exited, server.output()).toBe(0);
    expect(server.output()).toContain('shutting down');
    expect((await verifyAuditChain(owner)).ok).toBe(true);
    // The signed checkpoint of the appended event was published outside the database.
    expect(readFileSync(checkpoints, 'utf8')).toContain('"tell-it-once/audit-checkpoint"');
  });
});

/** Runs a script to completion; its exit code and combined output. */
function run(file: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => done({ code, output }));
  });
}

/** Resolves with the server's base URL once it logs "Server listening at …" (PORT=0: the OS picks). */
function watch(child: ChildProcess) {
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const listening = new Promise<string>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) done(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => fail(new Error(`exited (${code}) before listening:\n${output}`)));
  });
  return { listening, exited, output: () => output };
}
