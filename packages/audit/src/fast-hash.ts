import * as crypto from 'node:crypto';
import {
  type AuditEvent,
  type AuditEventInput,
  buildAuditEvent,
  canonicalEvent,
  chainHash,
  normaliseAuditEventInput,
} from './event.ts';

/**
 * The chain hash of a format-1 event without the generic canonical-JSON walk, for the hot paths
 * (group commit hashes every event under the chain lock; verification hashes every row).
 *
 * canonicalEvent() sorts keys at every level and writes values as JSON.stringify does. An object
 * literal whose keys are ALREADY in that sorted order, holding only strings, numbers, booleans,
 * null and arrays of those, is written by the native JSON.stringify as exactly the same text
 * (insertion order is kept for non-index keys): about 10× faster, and one allocation per level.
 *
 * Safety: this only ever replaces canonicalEvent when a self-check at load time finds both give
 * the same text for varied events (so a change to the event model in event.ts switches the fast
 * path off instead of forking the hashes), and the verifier re-checks any row whose fast hash
 * does not match with chainHash() before it reports a break.
 */
function fastCanonical(event: AuditEvent): string {
  const children = event.children.map((child) => ({ childId: child.childId, sections: child.sections }));
  const actor = { orgId: event.actor.orgId, role: event.actor.role, sub: event.actor.sub };
  // Two literals rather than one with a spread for `councils`: a spread in the middle of a
  // literal built each object key by key and cost more than the JSON.stringify itself.
  if (event.format === 1) {
    return JSON.stringify({
      actor,
      breakGlass: event.breakGlass,
      breakGlassReason: event.breakGlassReason,
      children,
      clientIp: event.clientIp,
      errorCodes: event.errorCodes,
      eventId: event.eventId,
      fieldsDenied: event.fieldsDenied,
      fieldsReturned: event.fieldsReturned,
      format: event.format,
      occurredAt: event.occurredAt,
      operationName: event.operationName,
      operationType: event.operationType,
      outcome: event.outcome,
      purpose: event.purpose,
      requestId: event.requestId,
      seq: event.seq,
    });
  }
  // Format 2 adds `councils`, in its sorted place; format 1's text stays exactly as it was.
  return JSON.stringify({
    actor,
    breakGlass: event.breakGlass,
    breakGlassReason: event.breakGlassReason,
    children,
    clientIp: event.clientIp,
    councils: event.councils ?? null,
    errorCodes: event.errorCodes,
    eventId: event.eventId,
    fieldsDenied: event.fieldsDenied,
    fieldsReturned: event.fieldsReturned,
    format: event.format,
    occurredAt: event.occurredAt,
    operationName: event.operationName,
    operationType: event.operationType,
    outcome: event.outcome,
    purpose: event.purpose,
    requestId: event.requestId,
    seq: event.seq,
  });
}

// Ids used only by the self-check below (no child has them).
const SAMPLE_CHILD_A = '6f1c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60';
const SAMPLE_CHILD_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

function selfCheck(): boolean {
  try {
    const sample = (overrides: Partial<AuditEventInput>): AuditEventInput => ({
      requestId: 'req-1',
      actor: { sub: 'sample-user', role: 'senco', orgId: 'school-1' },
      purpose: 'ehc_assessment',
      operationName: 'ChildRecord',
      operationType: 'query',
      outcome: 'ok',
      fieldsReturned: ['Child.givenName'],
      children: [{ childId: SAMPLE_CHILD_A, sections: ['Child'] }],
      ...overrides,
    });
    const samples = [
      sample({}),
      sample({
        requestId: 'r "quoted" \\ \u2028 é 😀',
        actor: { sub: null, role: null, orgId: null },
        purpose: null,
        operationName: null,
        operationType: 'unknown',
        outcome: 'denied',
        errorCodes: ['FORBIDDEN', 'A'],
        fieldsDenied: ['Child.nhsNumber:NOT_PERMITTED'],
        breakGlass: true,
        breakGlassReason: 'Synthetic reason\nwith a line break',
        clientIp: '127.0.0.1',
        children: [
          { childId: SAMPLE_CHILD_B, sections: ['HealthSection', 'Child'] },
          { childId: SAMPLE_CHILD_A, sections: [] },
        ],
      }),
      sample({ councils: ['la-2', 'la-1'] }),
      sample({ councils: [] }),
    ];
    return samples.every((input, i) => {
      const event = buildAuditEvent(normaliseAuditEventInput(input), {
        seq: 41 + i,
        occurredAt: new Date('2026-01-02T03:04:05.678Z'),
      });
      // Every property of the built event must be one the fast form writes.
      return fastCanonical(event) === canonicalEvent(event);
    });
  } catch {
    return false;
  }
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Whether the fast form is in use (false: the event model changed; everything uses chainHash). */
export const FAST_CHAIN_HASH = selfCheck();

/** SHA-256 of the text as UTF-8, hex: chainHash's digest of prev_hash + canonical text. */
export function sha256Hex(text: string): string {
  // crypto.hash (Node >= 20.12): one call, no Hash object per event; the same digest.
  return oneShot
    ? oneShot('sha256', text, 'hex')
    : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Same result as chainHash(prevHash, event), faster for formats 1 and 2. */
export function fastChainHash(prevHash: string, event: AuditEvent): string {
  if (!FAST_CHAIN_HASH || (event.format !== 1 && event.format !== 2)) return chainHash(prevHash, event);
  return sha256Hex(prevHash + fastCanonical(event));
}
