import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

/** The drizzle API both drivers share; repositories depend only on this. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export interface DbHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Run SQL (several statements allowed, no parameters): migrations and test set-up. */
  exec(sqlText: string): Promise<void>;
  /** Parameterised query returning plain rows, whatever the driver. */
  query<Row = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<Row[]>;
  /** Run `fn` inside one transaction on one connection (raw SQL level). */
  transaction<T>(fn: (tx: Pick<DbHandle, 'exec' | 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL: use the real server through postgres.js. */
  url?: string | undefined;
  /** Folder for embedded PGlite data (created if missing). Ignored when `url` is set. */
  dataDir?: string | undefined;
  /** An already open PGlite instance to share (tests run several services in one process). */
  pglite?: PGlite | undefined;
  /** Connection pool size for postgres.js. */
  maxConnections?: number;
}

/**
 * postgres.js when a URL is given, otherwise embedded PGlite (persisted when `dataDir` is
 * given, in memory when not). PostgreSQL is the real store; PGlite lets a newcomer run
 * and test everything without a server.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DbHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
  if (options.pglite) return wrapPglite(options.pglite, false);
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pg = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await pg.waitReady;
  return wrapPglite(pg, true);
}

function openPostgres(url: string, max: number): DbHandle {
  const client = postgres(url, { max, onnotice: () => {}, idle_timeout: 30 });
  const db = drizzlePostgres({ client }) as unknown as Database;
  const make = (sql: postgres.Sql | postgres.TransactionSql): Pick<DbHandle, 'exec' | 'query'> => ({
    async exec(sqlText) {
      await sql.unsafe(sqlText);
    },
    async query<Row>(sqlText: string, params: unknown[] = []) {
      const rows = await sql.unsafe(sqlText, params as postgres.ParameterOrJSON<never>[]);
      return [...rows] as Row[];
    },
  });
  return {
    db,
    kind: 'postgres',
    ...make(client),
    transaction: (fn) => client.begin((tx) => fn(make(tx))) as Promise<never>,
    close: () => client.end({ timeout: 5 }),
  };
}

function wrapPglite(pg: PGlite, owned: boolean): DbHandle {
  const db = drizzlePglite({ client: pg }) as unknown as Database;
  type Executor = Pick<PGlite, 'exec' | 'query'>;
  const make = (ex: Executor): Pick<DbHandle, 'exec' | 'query'> => ({
    async exec(sqlText) {
      await ex.exec(sqlText);
    },
    async query<Row>(sqlText: string, params: unknown[] = []) {
      const result = await ex.query<Row>(sqlText, params);
      return result.rows;
    },
  });
  return {
    db,
    kind: 'pglite',
    ...make(pg),
    transaction: (fn) => pg.transaction((tx) => fn(make(tx))),
    close: async () => {
      if (owned) await pg.close();
    },
  };
}
