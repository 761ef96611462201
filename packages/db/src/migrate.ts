import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbHandle } from './connection.ts';

export interface Migration {
  /** File name without extension, e.g. `0001_init`; applied in lexical order. */
  id: string;
  sql: string;
}

/** Reads `NNNN_name.sql` files from a service's `migrations/` folder. */
export function loadMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => ({ id: file.replace(/\.sql$/, ''), sql: readFileSync(join(dir, file), 'utf8') }));
}

/**
 * Applies pending migrations for one bounded context. Each context owns one Postgres
 * schema and records its own history in `<schema>.schema_migrations`, so contexts never
 * share migration state. A transaction-scoped advisory lock stops two processes starting
 * at once from applying the same migration twice. Returns the ids applied now.
 */
export async function migrate(handle: DbHandle, schema: string, migrations: Migration[]): Promise<string[]> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  return handle.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    await tx.exec(
      `create schema if not exists ${schema};
       create table if not exists ${schema}.schema_migrations (
         id text primary key,
         applied_at timestamptz not null default now()
       );`,
    );
    const done = new Set(
      (await tx.query<{ id: string }>(`select id from ${schema}.schema_migrations`)).map((row) => row.id),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await tx.exec(migration.sql);
      await tx.query(`insert into ${schema}.schema_migrations (id) values ($1)`, [migration.id]);
      applied.push(migration.id);
    }
    return applied;
  });
}
