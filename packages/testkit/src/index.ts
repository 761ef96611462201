export { createTestDatabase, type TestDatabase } from './database.ts';
export { countStatements } from './statements.ts';
