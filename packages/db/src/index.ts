// Shared code outside the services (service-kit's ingest store) builds queries with these, so
// that it uses the very drizzle instance the services' tables come from (a second copy, resolved
// with other peers, would not accept their tables).
export { and, asc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
export {
  integer,
  type PgColumn,
  type PgSchema,
  type PgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
export {
  type Database,
  type DbHandle,
  type OpenDatabaseOptions,
  openDatabase,
  type QueryOptions,
} from './connection.ts';
export { loadMigrations, type Migration, migrate } from './migrate.ts';
export { DB_ROLES, type DbRole } from './roles.ts';
