/**
 * The PostgreSQL roles the migrations create, one per bounded context (least privilege: each
 * may use only its own schema, and only the statements its service runs). They are NOLOGIN
 * roles: production grants each to its own LOGIN user (e.g. `record_app IN ROLE hub_record`),
 * and every connection also assumes the role at connect time (`openDatabase({ role })`).
 * Names are fixed because the migrations grant to them; see README "Database roles".
 */
export const DB_ROLES = {
  record: 'hub_record',
  education: 'hub_education',
  health: 'hub_health',
  social_care: 'hub_social_care',
  /** The audit service: SELECT and INSERT on the audit log, nothing else. */
  audit_writer: 'hub_audit_writer',
  /** `audit:verify` and reporting tools: SELECT on the audit log. */
  audit_reader: 'hub_audit_reader',
} as const;

export type DbRole = (typeof DB_ROLES)[keyof typeof DB_ROLES];
