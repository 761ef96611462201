export { createTestDatabase, type DatabaseTemplate, type TestDatabase, templateName } from './database.ts';
export { buildOncePerRun, testRunId } from './run.ts';
export { countStatements } from './statements.ts';
