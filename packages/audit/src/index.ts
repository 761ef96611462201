export { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
export { canonicalJson } from './canonical-json.ts';
export {
  AUDIT_EVENT_LIMITS,
  type AuditActor,
  type AuditChildAccess,
  type AuditEvent,
  type AuditEventInput,
  AuditInputError,
  type AuditOutcome,
  buildAuditEvent,
  canonicalEvent,
  chainHash,
  EVENT_FORMAT,
  GENESIS_HASH,
  normaliseAuditEventInput,
  OPERATION_TYPES,
  type OperationType,
  OUTCOMES,
  type StoredAuditEvent,
} from './event.ts';
export {
  FHIR_NDJSON_CONTENT_TYPE,
  type FhirAuditEvent,
  NDJSON_CONTENT_TYPE,
  toFhirAuditEvent,
  toFhirNdjsonLine,
  toNdjsonLine,
} from './fhir.ts';
export {
  type AccessRecord,
  AUDIT_META_SUBJECTS,
  type AuditEventPage,
  type AuditFilter,
  accessHistory,
  decodeCursor,
  encodeCursor,
  FAMILY_SECTION_KEYS,
  iterateAuditEvents,
  MAX_PAGE_SIZE,
  type PageOptions,
  queryAuditEvents,
  validateAuditQuery,
} from './query.ts';
export {
  type AppendOptions,
  AUDIT_MIGRATIONS_DIR,
  AUDIT_SCHEMA,
  appendAuditEvent,
  EVENT_COLUMNS,
  type EventRow,
  migrateAudit,
  rowToEvent,
} from './store.ts';
export { type BrokenLink, type VerifyOptions, type VerifyResult, verifyAuditChain } from './verify.ts';
