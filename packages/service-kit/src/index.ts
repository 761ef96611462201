export {
  ACCESS_EXTENSION,
  type AccessDoor,
  type AccessReport,
  type ActionRule,
  childNotFound,
  type Guarded,
  guardedFieldResolvers,
  keptAssessment,
  notFound,
  type SeenChild,
} from '@hub/access';
export { fetchAccessFacts, recordFactsLoader } from './access.ts';
export {
  ADVICE_SECTIONS,
  type AdviceInput,
  type AdviceLifecycle,
  type AdviceRow,
  type AdviceSection,
  type AdviceSpec,
  type AdviceTable,
  type AdviceView,
  adviceLifecycle,
  adviceTable,
  adviceView,
  MAX_ADVICE_SECTION_LENGTH,
  MIN_SUBMITTED_ADVICE_LENGTH,
} from './advice.ts';
export { type DashboardKey, formatDashboardKey, parseDashboardKey } from './dashboard-key.ts';
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
export {
  type CurrentLink,
  createIngestAudit,
  currentLinks,
  emptyReport,
  englishDateTime,
  headerInstant,
  IDENTITY_BATCH,
  type IdentityRecord,
  type IdentityResult,
  type IngestAudit,
  type IngestOutcome,
  type IngestRecordResult,
  IngestRefusal,
  type IngestReport,
  type ParsedRecord,
  resolveIdentities,
  runXmlIngest,
  type StoredResult,
  type XmlIngestRun,
  type XmlIngestSpec,
  xmlRecords,
} from './ingest.ts';
export { INGEST_MAX_BYTES, registerXmlIngestRoute } from './ingest-route.ts';
export {
  type HeldSource,
  type ProjectionSource,
  type SourceSection,
  type SourceTable,
  sourceSectionStore,
} from './ingest-store.ts';
export {
  ContextRequiredError,
  GATEWAY_ONLY_MESSAGE,
  internalContextPlugin,
  type RouteAccess,
  requireContext,
  requireSystem,
} from './internal-context-plugin.ts';
export { loggerOptions } from './logger.ts';
export {
  type ActiveAssessment,
  Problem,
  RECORD_API,
  type RecordAnswer,
  type RecordApi,
  type RecordBody,
  type RecordRouteCaller,
  type RecordRouteDefinition,
  type RecordRouteName,
} from './record-api.ts';
export { callRecord, type RecordCall } from './record-client.ts';
export { recordRoute, STATUS_OF_CODE, typedRoutes } from './record-route.ts';
export type { SubgraphResolvers } from './resolver-types.ts';
export { readSchema, schemaPath } from './schema.ts';
export { sectionLoader } from './section-loader.ts';
export {
  epochMillis,
  isoFromMillis,
  jsonValue,
  type SectionColumn,
  type SectionQuery,
  type SectionQuerySpec,
  type SectionStatement,
  sectionQuery,
} from './section-query.ts';
export { runSubgraphServer } from './server-runner.ts';
export {
  type AppConfig,
  defineSubgraphService,
  type SubgraphService,
  type SubgraphServiceSpec,
} from './service.ts';
export {
  type AccessGrants,
  buildSubgraph,
  idsOf,
  requireCaller,
  type SubgraphContext,
  type SubgraphOptions,
} from './subgraph.ts';
