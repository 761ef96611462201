export {
  createTestDatabase,
  type DatabaseTemplate,
  inSessionTimeZone,
  type TestDatabase,
  templateName,
} from './database.ts';
export { buildOncePerRun, testRunId } from './run.ts';
export { countStatements, statementTexts } from './statements.ts';
