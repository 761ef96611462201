import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { tracePostgres } from './tracing.ts';

/** A plain lower-case identifier: role names reach the server unquoted. */
const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** The drizzle API both drivers share; repositories depend only on this. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export interface DbHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** The role every connection runs as (`SET ROLE` at connect), when one was asked for on PostgreSQL. */
  role: string | undefined;
  /** Run SQL (several statements allowed, no parameters): migrations and test set-up. */
  exec(sqlText: string): Promise<void>;
  /**
   * Parameterised query returning plain rows, whatever the driver. `prepare: true` for a hot
   * statement whose TEXT never changes (values only in parameters, arrays as one `= any($1)`
   * parameter): postgres.js then keeps it as a named prepared statement per connection, so each
   * later call is one round trip (Bind/Execute) with no parse or plan on the server. Without it
   * postgres.js sends every parameterised statement unnamed and describes it first: two round
   * trips and a parse and plan per call. Never for text built from data: each distinct text
   * stays prepared on every connection for the connection's life. PGlite ignores it.
   */
  query<Row = Record<string, unknown>>(
    sqlText: string,
    params?: unknown[],
    options?: QueryOptions,
  ): Promise<Row[]>;
  /** Run `fn` inside one transaction on one connection (raw SQL level). */
  transaction<T>(fn: (tx: Pick<DbHandle, 'exec' | 'query'>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface QueryOptions {
  prepare?: boolean;
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
  /**
   * PostgreSQL only: the role every pooled connection assumes at connect time (the startup
   * parameter `role`, i.e. `SET ROLE` before the first query; `RESET ROLE` returns to it).
   * This gives a service exactly its bounded context's privileges (see `DB_ROLES`). It is a
   * privilege boundary only when the login user is not a superuser and is a member of just
   * this role (production: one LOGIN user per service); from a superuser login it proves the
   * grants suffice but can be undone. Ignored on PGlite (one embedded session, one user).
   */
  role?: string | undefined;
}

/**
 * postgres.js when a URL is given, otherwise embedded PGlite (persisted when `dataDir` is
 * given, in memory when not). PostgreSQL is the real store; PGlite lets a newcomer run
 * and test everything without a server.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DbHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10, options.role);
  if (options.pglite) return wrapPglite(options.pglite, false);
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const pg = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
  await pg.waitReady;
  return wrapPglite(pg, true);
}

function openPostgres(url: string, max: number, role: string | undefined): DbHandle {
  if (role !== undefined && !ROLE_NAME.test(role)) throw new Error(`invalid database role name: ${role}`);
  // Database spans when tracing is on (tracing.ts); the client itself otherwise.
  const client = tracePostgres(
    postgres(url, {
      max,
      onnotice: () => {},
      idle_timeout: 30,
      // Sent in the startup packet, so it holds from a connection's first statement and for
      // every connection the pool ever opens (no per-connection hook to forget).
      ...(role ? { connection: { role } } : {}),
    }),
    role,
  );
  const db = drizzlePostgres({ client }) as unknown as Database;
  const make = (sql: postgres.Sql | postgres.TransactionSql): Pick<DbHandle, 'exec' | 'query'> => ({
    async exec(sqlText) {
      await sql.unsafe(sqlText);
    },
    async query<Row>(sqlText: string, params: unknown[] = [], options?: QueryOptions) {
      const rows = await sql.unsafe(
        sqlText,
        params as postgres.ParameterOrJSON<never>[],
        options?.prepare ? { prepare: true } : undefined,
      );
      return [...rows] as Row[];
    },
  });
  return {
    db,
    kind: 'postgres',
    role,
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
    role: undefined,
    ...make(pg),
    transaction: (fn) => pg.transaction((tx) => fn(make(tx))),
    close: async () => {
      if (owned) await pg.close();
    },
  };
}
