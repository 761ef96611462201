export { type Database, type DbHandle, type OpenDatabaseOptions, openDatabase } from './connection.ts';
export { loadMigrations, type Migration, migrate } from './migrate.ts';
export { DB_ROLES, type DbRole } from './roles.ts';
