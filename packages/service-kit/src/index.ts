export {
  formatErrors,
  HubError,
  type HubErrorCode,
  hubErrorFormatter,
  isGraphQLError,
  isHubError,
  type JsonError,
  statusCodeFor,
} from './errors.ts';
export { loggerOptions } from './logger.ts';
export { internalContextPlugin } from './internal-context-plugin.ts';
export { readSchema, schemaPath } from './schema.ts';
export { buildSubgraph, idsOf, requireCaller, type SubgraphContext, type SubgraphOptions } from './subgraph.ts';
export { runSubgraphServer } from './server-runner.ts';
export { type AppConfig, defineSubgraphService, type SubgraphService, type SubgraphServiceSpec } from './service.ts';
export { ACCESS_EXTENSION, type AccessReport } from './access-report.ts';
export {
  type ActionRule,
  compactAccess,
  type Decision,
  decide,
  fetchAccessFacts,
  gateChildren,
  type Guarded,
  guardedFieldResolvers,
  guardRow,
  loadGuardedSections,
  reportChildDenied,
  sectionDenied,
} from './access.ts';
