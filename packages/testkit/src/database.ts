import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { type DbHandle, openDatabase } from '@hub/db';
import postgres from 'postgres';

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
 * A fresh, empty database for one test file:
 * 1. `DATABASE_URL` set → a new database `hub_test_<random>` on that server (CI: real PostgreSQL);
 * 2. else a Docker engine answers → one PostgreSQL container per test run (testcontainers);
 * 3. else → embedded in-memory PGlite.
 * Explicit configuration wins over discovery, so CI is never surprised by a stray Docker engine.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (process.env.HUB_REQUIRE_POSTGRES === '1' && !process.env.DATABASE_URL) {
    // CI sets this so a missing DATABASE_URL can never silently downgrade CI to PGlite.
    throw new Error('HUB_REQUIRE_POSTGRES=1 but DATABASE_URL is not set');
  }
  const serverUrl = process.env.DATABASE_URL || (await dockerPostgresUrl());
  if (serverUrl) return freshDatabaseOn(serverUrl, process.env.DATABASE_URL ? 'postgres' : 'testcontainers');
  const pg = new PGlite();
  await pg.waitReady;
  return {
    kind: 'pglite',
    url: undefined,
    open: () => openDatabase({ pglite: pg }),
    destroy: () => pg.close(),
  };
}

async function freshDatabaseOn(
  serverUrl: string,
  kind: 'postgres' | 'testcontainers',
): Promise<TestDatabase> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handles: DbHandle[] = [];
  return {
    kind,
    url: url.toString(),
    async open(options = {}) {
      const handle = await openDatabase({
        url: url.toString(),
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
