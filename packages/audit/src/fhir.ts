import type { AuditOutcome, OperationType, StoredAuditEvent } from './event.ts';

/**
 * FHIR R4 AuditEvent (http://hl7.org/fhir/R4/auditevent.html) for one hub audit event, so the
 * log can be handed to an NHS/FHIR audit repository as NDJSON (one resource per line, the bulk
 * data format). Standard code systems where one fits; the hub's own values (roles, purposes,
 * ids) under `urn:tell-it-once:*` systems. Like the event itself it carries ids and field names,
 * never a value from the child's record.
 */

const SYSTEM = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  securityRoleType: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  operation: 'urn:tell-it-once:audit:operation',
  role: 'urn:tell-it-once:role',
  user: 'urn:tell-it-once:user',
  organisation: 'urn:tell-it-once:organisation',
  purpose: 'urn:tell-it-once:purpose',
  child: 'urn:tell-it-once:child',
  request: 'urn:tell-it-once:request',
  chain: 'urn:tell-it-once:audit:chain',
} as const;

// 0 success, 4 minor failure (the caller was refused), 8 serious failure (the operation failed).
// An attempt (written before a mutation is forwarded) has no outcome yet: R4 makes `outcome`
// optional (0..1), so it is left out and outcomeDesc says the outcome follows in the event
// with the same request id.
const OUTCOME_CODE: Record<AuditOutcome, '0' | '4' | '8' | null> = {
  ok: '0',
  denied: '4',
  error: '8',
  attempted: null,
};

// Read for queries and exports; execute for anything else (a mutation may create, update or
// withdraw, which the hub's own subtype names precisely).
const ACTION: Record<OperationType, 'R' | 'E'> = {
  query: 'R',
  export: 'R',
  subscription: 'R',
  mutation: 'E',
  unknown: 'E',
};

const BREAK_GLASS = { system: SYSTEM.actReason, code: 'BTG', display: 'break the glass' };

export interface FhirAuditEvent {
  resourceType: 'AuditEvent';
  id: string;
  [key: string]: unknown;
}

export function toFhirAuditEvent(event: StoredAuditEvent): FhirAuditEvent {
  const purposeOfUse = [
    ...(event.purpose ? [{ coding: [{ system: SYSTEM.purpose, code: event.purpose }] }] : []),
    ...(event.breakGlass
      ? [{ coding: [BREAK_GLASS], ...(event.breakGlassReason ? { text: event.breakGlassReason } : {}) }]
      : []),
  ];
  const detail = (type: string, values: string[]) =>
    values.length > 0 ? [{ type, valueString: values.join(' ') }] : [];
  return {
    resourceType: 'AuditEvent',
    id: event.eventId,
    // Break-glass is also a security label, so a repository can filter or alert on it.
    ...(event.breakGlass ? { meta: { security: [BREAK_GLASS] } } : {}),
    type:
      event.operationType === 'export'
        ? { system: SYSTEM.dicom, code: '110106', display: 'Export' }
        : { system: SYSTEM.eventType, code: 'rest', display: 'RESTful Operation' },
    subtype: [
      {
        system: SYSTEM.operation,
        code: event.operationType,
        ...(event.operationName ? { display: event.operationName } : {}),
      },
    ],
    action: ACTION[event.operationType],
    recorded: event.occurredAt,
    ...(OUTCOME_CODE[event.outcome] !== null ? { outcome: OUTCOME_CODE[event.outcome] } : {}),
    ...(event.outcome === 'attempted'
      ? { outcomeDesc: `attempted: the outcome follows in the event with request id ${event.requestId}` }
      : event.outcome !== 'ok'
        ? {
            outcomeDesc:
              event.errorCodes.length > 0
                ? `${event.outcome}: ${event.errorCodes.join(', ')}`
                : event.outcome,
          }
        : {}),
    purposeOfEvent: purposeOfUse,
    agent: [
      {
        type: { coding: [{ system: SYSTEM.securityRoleType, code: 'humanuser', display: 'human user' }] },
        ...(event.actor.role
          ? { role: [{ coding: [{ system: SYSTEM.role, code: event.actor.role }] }] }
          : {}),
        who: event.actor.sub
          ? { identifier: { system: SYSTEM.user, value: event.actor.sub } }
          : { display: 'unauthenticated caller' },
        requestor: true,
        ...(event.clientIp ? { network: { address: event.clientIp, type: '2' } } : {}),
        ...(purposeOfUse.length > 0 ? { purposeOfUse } : {}),
      },
      // R4 agents have no organisation field: the organisation acting is an agent of its own.
      ...(event.actor.orgId
        ? [
            {
              type: {
                coding: [{ system: SYSTEM.participationType, code: 'PROV', display: 'healthcare provider' }],
              },
              who: { identifier: { system: SYSTEM.organisation, value: event.actor.orgId } },
              requestor: false,
            },
          ]
        : []),
    ],
    source: {
      site: 'tell-it-once-hub',
      observer: { display: 'hub gateway' },
      type: [{ system: SYSTEM.sourceType, code: '3', display: 'Web Server' }],
    },
    entity: [
      ...event.children.map((child) => ({
        what: { identifier: { system: SYSTEM.child, value: child.childId } },
        type: { system: SYSTEM.entityType, code: '1', display: 'Person' },
        role: { system: SYSTEM.objectRole, code: '1', display: 'Patient' },
        ...(child.sections.length > 0 ? { detail: detail('sections', child.sections) } : {}),
      })),
      {
        // The operation itself: request id, fields, and the chain link (so an exported file can be re-verified).
        what: { identifier: { system: SYSTEM.request, value: event.requestId } },
        type: { system: SYSTEM.entityType, code: '2', display: 'System Object' },
        detail: [
          ...detail('fieldsReturned', event.fieldsReturned),
          ...detail('fieldsDenied', event.fieldsDenied),
          { type: 'seq', valueString: String(event.seq) },
          { type: 'prevHash', valueString: event.prevHash },
          { type: 'hash', valueString: event.hash },
        ],
      },
    ],
  };
}

/** The event as one NDJSON line, keys in a fixed order. */
export function toNdjsonLine(event: StoredAuditEvent): string {
  return `${JSON.stringify({
    seq: event.seq,
    eventId: event.eventId,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    actor: event.actor,
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
    childIds: event.childIds,
    children: event.children,
    format: event.format,
    prevHash: event.prevHash,
    hash: event.hash,
  })}\n`;
}

export function toFhirNdjsonLine(event: StoredAuditEvent): string {
  return `${JSON.stringify(toFhirAuditEvent(event))}\n`;
}

export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
export const FHIR_NDJSON_CONTENT_TYPE = 'application/fhir+ndjson';
