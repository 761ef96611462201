export {
  type AccessDoor,
  type ActionAudit,
  type ActionRule,
  type AuditedAccess,
  type ChildKey,
  type Decision,
  type DoorCaller,
  type FactsLoader,
  type GrantedAssessment,
  type Guarded,
  guardedFieldResolvers,
  keptAssessment,
  type RequireOptions,
  type SeenChild,
  type WriteAudit,
} from './door.ts';
export { childNotFound, HubError, type HubErrorCode, isHubError, notFound } from './errors.ts';
export { ACCESS_EXTENSION, type AccessReport } from './report.ts';
