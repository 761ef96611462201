import { createHash, randomUUID } from 'node:crypto';
import { BREAK_GLASS_REASON_MAX_LENGTH, PURPOSES, type Purpose, ROLES, type Role } from '@hub/policy';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.ts';

/** What kind of operation the event records. `unknown`: the request never parsed (syntax error, bad body). */
export const OPERATION_TYPES = ['query', 'mutation', 'subscription', 'export', 'unknown'] as const;
export type OperationType = (typeof OPERATION_TYPES)[number];

/**
 * `attempted`: written by the gateway BEFORE a mutation is forwarded to any subgraph (write-ahead),
 * so no write can commit without an event. The outcome (`ok`, `denied`, `error`) follows as a
 * second event with the same requestId once the subgraphs have answered. An `attempted` event
 * with no later event of the same requestId is a write whose outcome was never recorded (the
 * gateway or the audit store failed in between): the change may or may not have been made.
 */
export const OUTCOMES = ['ok', 'denied', 'error', 'attempted'] as const;
export type AuditOutcome = (typeof OUTCOMES)[number];

/** Version of the canonical form below; stored per row so a later format can still be verified. */
export const EVENT_FORMAT = 1;
/**
 * Format 2 (tenancy): the event also names the councils it concerns (`councils`), covered by the
 * hash. Written whenever the writer supplies `councils`; events without them stay format 1 and
 * hash exactly as before, so every event written before tenancy still verifies.
 */
export const EVENT_FORMAT_COUNCILS = 2;

/** prev_hash of the first event in the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Who acted. All null when the caller could not be authenticated (no or invalid token). */
export interface AuditActor {
  sub: string | null;
  role: Role | null;
  orgId: string | null;
}

/** One child the operation touched, and which sections (policy subjects) of its record were returned. */
export interface AuditChildAccess {
  childId: string;
  /** Subjects with at least one field returned, e.g. `Child`, `HealthSection`; empty when all were denied. */
  sections: string[];
}

/** What a writer (the gateway) supplies. The store adds seq, event id, timestamp and the hashes. */
export interface AuditEventInput {
  /** Gateway request id (also in the service logs), to follow one operation across services. */
  requestId: string;
  actor: AuditActor;
  purpose: Purpose | null;
  /** `OperationName:rootField,rootField` (just the root fields when anonymous), e.g. `Grant:grantConsent`. */
  operationName: string | null;
  operationType: OperationType;
  outcome: AuditOutcome;
  /** `extensions.code` of every error in the response (deduplicated), e.g. FORBIDDEN_FIELD. */
  errorCodes?: string[];
  /** `Subject.field`, e.g. `HealthSection.diagnoses`. */
  fieldsReturned?: string[];
  /** `Subject.field:REASON`, e.g. `HealthSection.diagnoses:NO_CONSENT`. */
  fieldsDenied?: string[];
  breakGlass?: boolean;
  breakGlassReason?: string | null;
  clientIp?: string | null;
  children?: AuditChildAccess[];
  /**
   * Tenancy: the councils (local authority ids) the event concerns: those of the children it
   * names, and the actor's own council. Decides which council's auditors see it. Omitted (null):
   * a format-1 event, as written before tenancy.
   */
  councils?: string[] | null;
}

/** The recorded event: exactly the content the hash covers (plus the chain columns in StoredAuditEvent). */
export interface AuditEvent {
  format: number;
  seq: number;
  eventId: string;
  /** ISO timestamp (ms) set by the store under the chain lock: never decreases along seq. */
  occurredAt: string;
  requestId: string;
  actor: AuditActor;
  purpose: Purpose | null;
  operationName: string | null;
  operationType: OperationType;
  outcome: AuditOutcome;
  errorCodes: string[];
  fieldsReturned: string[];
  fieldsDenied: string[];
  breakGlass: boolean;
  breakGlassReason: string | null;
  clientIp: string | null;
  children: AuditChildAccess[];
  /** Format 2 and later: the councils the event concerns (sorted, distinct). Absent in format 1. */
  councils?: string[] | null;
}

export interface StoredAuditEvent extends AuditEvent {
  childIds: string[];
  prevHash: string;
  hash: string;
}

/** A writer sent an event the store will not record; `problems` lists every reason at once. */
export class AuditInputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid audit event: ${problems.join('; ')}.`);
    this.name = 'AuditInputError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What the store accepts in one event. Exported so writers (the gateway) summarise to fit
 * instead of having an event refused: a refused event means the request fails closed with no
 * record at all. Bounds keep one event small; a GraphQL response can exceed them (thousands of
 * errors or aliased fields), which is why the gateway summarises (services/gateway/src/audit-event.ts).
 */
export const AUDIT_EVENT_LIMITS = {
  requestId: 200,
  /** actor sub/orgId, operationName and every list entry. */
  text: 300,
  errorCodes: 100,
  fields: 5000,
  children: 10_000,
  sectionsPerChild: 100,
  /**
   * A break-glass reason the record accepts must always fit: the record's own limit, the same
   * constant (normalised, trimmed UTF-16 code units).
   */
  breakGlassReason: BREAK_GLASS_REASON_MAX_LENGTH,
  clientIp: 100,
  councils: 100,
} as const;

const L = AUDIT_EVENT_LIMITS;
const text = (max: number) => z.string().min(1).max(max);
const nullableText = (max: number) => text(max).nullable();
const list = (max: number) => z.array(text(L.text)).max(max);

const inputSchema = z.strictObject({
  requestId: text(L.requestId),
  actor: z.strictObject({
    sub: nullableText(L.text),
    role: z.enum(ROLES).nullable(),
    orgId: nullableText(L.text),
  }),
  purpose: z.enum(PURPOSES).nullable(),
  operationName: nullableText(L.text),
  operationType: z.enum(OPERATION_TYPES),
  outcome: z.enum(OUTCOMES),
  errorCodes: list(L.errorCodes).optional(),
  fieldsReturned: list(L.fields).optional(),
  fieldsDenied: list(L.fields).optional(),
  breakGlass: z.boolean().optional(),
  breakGlassReason: nullableText(L.breakGlassReason).optional(),
  clientIp: nullableText(L.clientIp).optional(),
  children: z
    .array(
      z.strictObject({
        childId: z.string().regex(UUID, 'must be a UUID'),
        sections: list(L.sectionsPerChild).optional(),
      }),
    )
    .max(L.children)
    .optional(),
  councils: z.array(text(L.text)).max(L.councils).nullable().optional(),
});

const sortedUnique = (values: readonly string[] = []) => [...new Set(values)].sort();

/**
 * Validates an event from any source (the HTTP body of the internal write endpoint, or code) and
 * puts it in normal form: lists deduplicated and sorted, child ids lower-case and merged. The
 * normal form is what gets hashed, so two writers describing the same access produce the same
 * content whatever order they gathered it in.
 */
export function normaliseAuditEventInput(input: unknown): Required<AuditEventInput> {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AuditInputError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`),
    );
  }
  const value = parsed.data;
  const breakGlass = value.breakGlass ?? false;
  const breakGlassReason = value.breakGlassReason ?? null;
  if (!breakGlass && breakGlassReason !== null) {
    throw new AuditInputError(['breakGlassReason: only allowed when breakGlass is true']);
  }
  const sectionsByChild = new Map<string, Set<string>>();
  for (const child of value.children ?? []) {
    const id = child.childId.toLowerCase();
    const sections = sectionsByChild.get(id) ?? new Set<string>();
    for (const section of child.sections ?? []) sections.add(section);
    sectionsByChild.set(id, sections);
  }
  return {
    requestId: value.requestId,
    actor: value.actor,
    purpose: value.purpose,
    operationName: value.operationName,
    operationType: value.operationType,
    outcome: value.outcome,
    errorCodes: sortedUnique(value.errorCodes),
    fieldsReturned: sortedUnique(value.fieldsReturned),
    fieldsDenied: sortedUnique(value.fieldsDenied),
    breakGlass,
    breakGlassReason,
    clientIp: value.clientIp ?? null,
    children: [...sectionsByChild.keys()].sort().map((childId) => ({
      childId,
      sections: sortedUnique([...(sectionsByChild.get(childId) ?? [])]),
    })),
    councils: value.councils == null ? null : sortedUnique(value.councils),
  };
}

/** The event as it will be hashed; `seq`, id and time come from the store. */
export function buildAuditEvent(
  input: Required<AuditEventInput>,
  chain: { seq: number; occurredAt: Date; eventId?: string },
): AuditEvent {
  const { councils, ...rest } = input;
  const base = {
    seq: chain.seq,
    eventId: chain.eventId ?? randomUUID(),
    occurredAt: chain.occurredAt.toISOString(),
    ...rest,
  };
  // Format 1 has no councils property at all, so its canonical text is byte for byte the old one.
  return councils == null
    ? { format: EVENT_FORMAT, ...base }
    : { format: EVENT_FORMAT_COUNCILS, ...base, councils };
}

/**
 * The canonical text of an event: every content field, nothing of the chain columns. Built
 * field by field (not by spreading a row) so a stray property can never slip into the hash.
 */
export function canonicalEvent(event: AuditEvent): string {
  // From format 2 the councils are content (null when a row lost them: that hashes differently
  // from the [] or list that was written, so the change is detected).
  const tenancy = event.format >= EVENT_FORMAT_COUNCILS ? { councils: event.councils ?? null } : {};
  return canonicalJson({
    ...tenancy,
    format: event.format,
    seq: event.seq,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    actor: { sub: event.actor.sub, role: event.actor.role, orgId: event.actor.orgId },
    purpose: event.purpose,
    operationName: event.operationName,
    operationType: event.operationType,
    outcome: event.outcome,
    errorCodes: event.errorCodes,
    fieldsReturned: event.fieldsReturned,
    fieldsDenied: event.fieldsDenied,
    breakGlass: event.breakGlass,
    breakGlassReason: event.breakGlassReason,
    clientIp: event.clientIp,
    children: event.children.map((child) => ({ childId: child.childId, sections: child.sections })),
  });
}

/** `hash = SHA-256(prev_hash || canonical(event))`, hex: prev_hash as its 64 hex characters, UTF-8. */
export function chainHash(prevHash: string, event: AuditEvent): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalEvent(event), 'utf8').digest('hex');
}
