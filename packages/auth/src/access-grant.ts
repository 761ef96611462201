import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  type ChildAccessAssessment,
  type Principal,
  type Purpose,
  SECTION_SUBJECTS,
  type SectionSubject,
} from '@hub/policy';

/**
 * An access grant: the access policy's assessment of ONE child (may the caller see the child, is
 * break-glass in force and why, which sections are open) as the core record made it for ONE
 * client request, signed by the record so that the adapters can use the record's decision
 * without asking the record for the facts again.
 *
 * Why: each adapter used to call the record's `/internal/access-facts` on every request (three
 * extra HTTP hops, three extra reads of facts the record had just read, three more policy
 * decisions per child). Now the record returns a grant with each child it serves (the
 * `Child.accessGrant` field), the gateway passes it to the adapters in the entity
 * representations (federation `@requires`), and each adapter checks it here.
 *
 * Why the assessment and not the facts (the first version, `g1`, carried the child's full facts,
 * consent history included, base64-encoded: ~2.5 KB a child, so a page of fifty was ~170 KB that
 * the gateway read and wrote to three adapters, more than the hop it saved): the field-level
 * decision follows from the assessment and the caller's role alone (@hub/policy `decisionFor`),
 * so ~150 bytes of JSON carry everything an adapter's section needs, for any page size. It also
 * means one policy decision per child per request across the hub, by the record.
 *
 * What keeps it safe:
 * - HMAC-SHA256 with a key derived from the internal context secret for this use only, so a
 *   grant and an internal context can never stand in for each other. Only the gateway and the
 *   services hold the secret; a grant someone else made or changed is refused.
 * - Bound to the request: the gateway's per-request random nonce (carried in the signed internal
 *   context; a client cannot choose it), the caller (sub, role, organisation) and the purpose,
 *   and to the child. The binding is part of the MAC's input (not of the token): a grant checked
 *   with any other context or for another child fails the MAC and is refused.
 * - Short-lived (30 s). An expired grant is not an attack but a slow request: the adapter then
 *   reads the facts fresh from the record, as it did before grants existed.
 * - Freshness: the assessment is made when the record serves THIS request, from facts read for
 *   it; nothing is cached across requests, so a consent withdrawal counts from the very next
 *   request. The record issues grants only in queries (never in a mutation's answer, whose facts
 *   may predate its own write).
 *
 * Format: `g2.<base64url(HMAC), 43 characters>.<JSON payload>` (the MAC first, so the JSON may
 * hold any character), signed and checked with node:crypto (synchronous, a few microseconds).
 */
export interface AccessGrantBinding {
  /** The internal context's nonce (InternalContext.nonce). */
  nonce: string;
  principal: Principal;
  purpose: Purpose | null;
}

/** What a grant carries: the record's assessment, and the break-glass reason for the audit event. */
export interface GrantedAssessment extends ChildAccessAssessment {
  breakGlassReason?: string;
}

export type AccessGrantCheck =
  | { status: 'valid'; assessment: GrantedAssessment }
  /** Genuine but too old: read the facts fresh instead. */
  | { status: 'expired' }
  /** Not made by the hub, changed, or made for another request, caller or child: refuse. */
  | { status: 'invalid'; reason: string };

const VERSION = 'g2';
const MAC_LENGTH = 43; // base64url of 32 bytes
export const ACCESS_GRANT_LIFETIME_MS = 30_000;
/** Gateway and services share a cluster clock; a few seconds absorb ordinary drift. */
const CLOCK_SKEW_MS = 10_000;

interface Payload {
  /** child id */
  c: string;
  /** expiry, epoch milliseconds */
  x: number;
  /** can see the child (1/0) */
  v: 0 | 1;
  /** break-glass in force (1/0) */
  g: 0 | 1;
  /** break-glass reason */
  r?: string;
  /** open sections */
  o: SectionSubject[];
}

// One derived key per secret (a handful at most: rotation); bounded like hmac-key.ts.
const keys = new Map<string, Buffer>();
function grantKey(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    if (secret.length === 0) throw new Error('access grants need a non-empty secret');
    key = createHmac('sha256', secret).update('tell-it-once access grant v1').digest();
    if (keys.size >= 8) keys.delete(keys.keys().next().value as string);
    keys.set(secret, key);
  }
  return key;
}

/** The binding as the MAC sees it (JSON, so no field can run into the next). */
function bound(binding: AccessGrantBinding): string {
  const { principal } = binding;
  return JSON.stringify([
    VERSION,
    binding.nonce,
    principal.sub,
    principal.role,
    principal.orgId,
    principal.orgType,
    binding.purpose,
  ]);
}

function mac(secret: string, binding: AccessGrantBinding, payload: string): Buffer {
  return createHmac('sha256', grantKey(secret)).update(bound(binding)).update(payload).digest();
}

export function signAccessGrant(
  secret: string,
  binding: AccessGrantBinding,
  childId: string,
  assessment: GrantedAssessment,
  now = Date.now(),
): string {
  const payload: Payload = {
    c: childId,
    x: now + ACCESS_GRANT_LIFETIME_MS,
    v: assessment.canSeeChild ? 1 : 0,
    g: assessment.breakGlass ? 1 : 0,
    ...(assessment.breakGlassReason !== undefined ? { r: assessment.breakGlassReason } : {}),
    o: [...assessment.openSections],
  };
  const json = JSON.stringify(payload);
  return `${VERSION}.${mac(secret, binding, json).toString('base64url')}.${json}`;
}

const SECTIONS: ReadonlySet<string> = new Set(SECTION_SUBJECTS);

/**
 * Checks a grant presented for `childId` by the caller of `binding`. Never throws: the caller
 * decides what an invalid grant means (the adapters refuse the child's section).
 */
export function checkAccessGrant(
  secret: string,
  token: string,
  binding: AccessGrantBinding,
  childId: string,
  now = Date.now(),
): AccessGrantCheck {
  const head = VERSION.length + 1;
  if (
    typeof token !== 'string' ||
    !token.startsWith(`${VERSION}.`) ||
    token.length <= head + MAC_LENGTH + 1 ||
    token[head + MAC_LENGTH] !== '.'
  )
    return { status: 'invalid', reason: 'malformed' };
  const json = token.slice(head + MAC_LENGTH + 1);
  const given = Buffer.from(token.slice(head, head + MAC_LENGTH), 'base64url');
  const expected = mac(secret, binding, json);
  // Bound to nonce, caller and purpose through the MAC: another request's grant fails here.
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { status: 'invalid', reason: 'signature' };
  let payload: Payload;
  try {
    payload = JSON.parse(json) as Payload;
  } catch {
    return { status: 'invalid', reason: 'malformed' };
  }
  if (payload?.c !== childId) return { status: 'invalid', reason: 'not issued for this child' };
  if (
    typeof payload.x !== 'number' ||
    (payload.v !== 0 && payload.v !== 1) ||
    (payload.g !== 0 && payload.g !== 1) ||
    (payload.r !== undefined && typeof payload.r !== 'string') ||
    !Array.isArray(payload.o) ||
    !payload.o.every((s) => SECTIONS.has(s))
  )
    return { status: 'invalid', reason: 'malformed' };
  // Only the record signs grants and it always gives them 30 s; a longer claim was not made by it.
  if (payload.x - now > ACCESS_GRANT_LIFETIME_MS + CLOCK_SKEW_MS)
    return { status: 'invalid', reason: 'lifetime' };
  if (now > payload.x + CLOCK_SKEW_MS) return { status: 'expired' };
  return {
    status: 'valid',
    assessment: {
      canSeeChild: payload.v === 1,
      breakGlass: payload.g === 1,
      ...(payload.r !== undefined ? { breakGlassReason: payload.r } : {}),
      // In the policy's own order, once each.
      openSections: SECTION_SUBJECTS.filter((s) => payload.o.includes(s)),
    },
  };
}
