export { openDatabase, type DbHandle, type Database, type OpenDatabaseOptions } from './connection.ts';
export { migrate, loadMigrations, type Migration } from './migrate.ts';
