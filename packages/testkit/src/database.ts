import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { type DbHandle, openDatabase } from '@hub/db';
import postgres from 'postgres';
import { runStartedAt, testRunId } from './run.ts';

/**
 * What a test database should hold before the test file starts (migrations, a seeded data set).
 * On PostgreSQL during a vitest run, `fill` runs ONCE per run and key, into a template database
 * that every test file with the same key then copies (`create database … template …`, a copy of
 * the files, far cheaper than migrating and seeding again). Elsewhere (PGlite, or outside a run)
 * `fill` runs on each fresh database, so the content is the same either way.
 */
export interface DatabaseTemplate {
  /**
   * Everything the content depends on besides the run's own code (which is fixed for a run):
   * the configuration (data set size, reference date…) and, by convention, the migration files.
   * Equal keys must mean equal content.
   */
  key: string;
  /** Fills an empty database, as its owner. */
  fill(db: DbHandle): Promise<void>;
}

/** The template database of a run and key: `hub_tpl_<run id>_<hash of key>` (the teardown drops `hub_tpl_<run id>_*`). */
export function templateName(runId: string, key: string): string {
  return `hub_tpl_${runId}_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export interface TestDatabase {
  /** Which engine this test file got, for the test name and the closing note. */
  kind: 'postgres' | 'testcontainers' | 'pglite';
  /**
   * Opens a connection (each service in a test opens its own, as in production). With `role`
   * (PostgreSQL only) every connection runs as that role, as the service does in production,
   * so a test through it proves the role's grants are enough; PGlite is one shared session
   * with one user, so there the role is ignored. Without `role`: the owner, for migrations,
   * seeding and tests that play an insider.
   */
  open(options?: { role?: string; maxConnections?: number }): Promise<DbHandle>;
  /** postgres:// URL of the fresh database (undefined on PGlite). */
  url: string | undefined;
  /** Drops the database / stops the container / closes PGlite. */
  destroy(): Promise<void>;
}

let containerUrl: Promise<string | null> | undefined;

/**
 * A fresh database for one test file, empty or filled as `options.template` says:
 * 1. `DATABASE_URL` set → a new database `hub_test_<random>` on that server (CI: real PostgreSQL);
 * 2. else a Docker engine answers → one PostgreSQL container per test run (testcontainers);
 * 3. else → embedded in-memory PGlite.
 * Explicit configuration wins over discovery, so CI is never surprised by a stray Docker engine.
 */
export async function createTestDatabase(
  options: { template?: DatabaseTemplate } = {},
): Promise<TestDatabase> {
  if (process.env.HUB_REQUIRE_POSTGRES === '1' && !process.env.DATABASE_URL) {
    // CI sets this so a missing DATABASE_URL can never silently downgrade CI to PGlite.
    throw new Error('HUB_REQUIRE_POSTGRES=1 but DATABASE_URL is not set');
  }
  const serverUrl = process.env.DATABASE_URL || (await dockerPostgresUrl());
  if (serverUrl) {
    const kind = process.env.DATABASE_URL ? 'postgres' : 'testcontainers';
    return freshDatabaseOn(serverUrl, kind, options.template);
  }
  const pg = new PGlite();
  await pg.waitReady;
  const database: TestDatabase = {
    kind: 'pglite',
    url: undefined,
    open: () => openDatabase({ pglite: pg }),
    destroy: () => pg.close(),
  };
  if (options.template) await options.template.fill(await database.open());
  return database;
}

async function freshDatabaseOn(
  serverUrl: string,
  kind: 'postgres' | 'testcontainers',
  template: DatabaseTemplate | undefined,
): Promise<TestDatabase> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const runId = testRunId();
  try {
    if (template && runId) {
      const source = await ensureTemplate(admin, serverUrl, templateName(runId, template.key), template);
      await admin.unsafe(`create database ${name} template ${source}`);
    } else {
      await admin.unsafe(`create database ${name}`);
      if (template) await fillDatabase(databaseUrl(serverUrl, name), template);
    }
  } catch (error) {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  const url = databaseUrl(serverUrl, name);
  const handles: DbHandle[] = [];
  return {
    kind,
    url,
    async open(options = {}) {
      const handle = await openDatabase({
        url,
        maxConnections: options.maxConnections ?? 5,
        role: options.role,
      });
      handles.push(handle);
      return handle;
    },
    async destroy() {
      await Promise.all(handles.map((handle) => handle.close()));
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function fillDatabase(url: string, template: DatabaseTemplate): Promise<void> {
  const owner = await openDatabase({ url, maxConnections: 3 });
  try {
    await template.fill(owner);
  } finally {
    await owner.close();
  }
}

/**
 * Builds the template once per run and key. A session advisory lock (on the server's maintenance
 * database, which both workers' admin connections use) makes the second worker wait for the
 * first instead of building it too. It is filled under a private name and renamed when complete,
 * so a failed or interrupted fill never leaves a half-filled template to copy; the next file
 * with that key tries again. Nothing stays connected to it: `create database … template`
 * refuses a template with open sessions.
 */
async function ensureTemplate(
  admin: postgres.Sql,
  serverUrl: string,
  name: string,
  template: DatabaseTemplate,
): Promise<string> {
  await admin`select pg_advisory_lock(hashtext(${name}))`;
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (found) return name;
    const building = `${name}_fill`;
    await admin.unsafe(`drop database if exists ${building} with (force)`);
    await admin.unsafe(`create database ${building}`);
    try {
      await fillDatabase(databaseUrl(serverUrl, building), template);
      await noSessionsOn(admin, building);
      await admin.unsafe(`alter database ${building} rename to ${name}`);
    } catch (error) {
      await admin.unsafe(`drop database if exists ${building} with (force)`);
      throw error;
    }
    return name;
  } finally {
    await admin`select pg_advisory_unlock(hashtext(${name}))`;
  }
}

/**
 * Waits until the server has no sessions left on `database`. A closed client's server process
 * ends a moment after its socket closes, and renaming the database (or copying it) while one is
 * still there fails with "being accessed by other users" once the server's own 5-second wait
 * runs out, which a loaded machine can exceed.
 */
async function noSessionsOn(admin: postgres.Sql, database: string): Promise<void> {
  for (let waited = 0; ; waited += 100) {
    const [row] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = ${database}`;
    if (!row?.n) return;
    if (waited > 120_000) throw new Error(`sessions still open on ${database} after 2 minutes`);
    await delay(100);
  }
}

/** Drops a run's template databases (its teardown), or those of runs started before `olderThan` (killed runs' leftovers). */
export async function dropTemplates(
  serverUrl: string,
  which: { runId: string } | { startedBefore: number },
): Promise<string[]> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`
      select datname from pg_database where datname like 'hub\_tpl\_%'`;
    const doomed = rows
      .map((row) => row.datname)
      .filter((db) => {
        const runId = /^hub_tpl_([a-z0-9]+)_/.exec(db)?.[1];
        if (!runId) return false;
        return 'runId' in which ? runId === which.runId : runStartedAt(runId) < which.startedBefore;
      });
    for (const db of doomed) await admin.unsafe(`drop database if exists ${db} with (force)`);
    return doomed;
  } finally {
    await admin.end();
  }
}

function dockerPostgresUrl(): Promise<string | null> {
  containerUrl ??= (async () => {
    try {
      // Imported lazily: without a Docker engine testcontainers throws "Could not find a
      // working container runtime strategy" within milliseconds, and we fall back.
      const { getContainerRuntimeClient } = await import('testcontainers');
      await getContainerRuntimeClient();
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine').start();
      return container.getConnectionUri();
    } catch {
      return null;
    }
  })();
  return containerUrl;
}

/**
 * `db`'s database seen from a session in another time zone, for tests that values read are
 * the same whatever the session's `TimeZone`: PostgreSQL gets the zone as the database's
 * default and a fresh handle (closed with the database); PGlite, one shared session, is set to
 * it. Throws if the new session is not in `zone`.
 */
export async function inSessionTimeZone(
  database: TestDatabase,
  db: DbHandle,
  zone: string,
): Promise<DbHandle> {
  if (db.kind === 'pglite') {
    await db.exec(`set timezone to '${zone}'`);
    return db;
  }
  const [{ name } = { name: '' }] = await db.query<{ name: string }>('select current_database() as name');
  await db.exec(`alter database "${name}" set timezone to '${zone}'`);
  const zoned = await database.open({ maxConnections: 2 });
  const [{ tz } = { tz: '' }] = await zoned.query<{ tz: string }>('select current_setting($1) as tz', [
    'TimeZone',
  ]);
  if (tz !== zone) throw new Error(`expected a session in ${zone}, got ${tz}`);
  return zoned;
}
