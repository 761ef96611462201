import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChildAccessFacts, Principal, Purpose } from '@hub/policy';

/**
 * An access grant: the access facts of ONE child (relationships, family, consents, break-glass,
 * capacity representatives) as the core record read them for ONE client request, signed by the
 * record so that the adapters can decide on them without asking the record again.
 *
 * Why: each adapter used to call the record's `/internal/access-facts` on every request (three
 * extra HTTP hops, three extra reads of facts the record had just read, and a context
 * verification per hop). Now the record returns a grant with each child it serves (the
 * `Child.accessGrant` field), the gateway passes it to the adapters in the entity
 * representations (federation `@requires`), and each adapter checks it here.
 *
 * What keeps it safe:
 * - HMAC-SHA256 with a key derived from the internal context secret for this use only, so a
 *   grant and an internal context can never stand in for each other. Only the gateway and the
 *   services hold the secret; a grant someone else made or changed is refused.
 * - Bound to the request: the gateway's per-request random nonce (carried in the signed internal
 *   context; a client cannot choose it), the caller (sub, role, organisation) and the purpose,
 *   and to the child. A grant presented with any other context or for another child is refused.
 * - Short-lived (30 s). An expired grant is not an attack but a slow request: the adapter then
 *   reads the facts fresh from the record, as it did before grants existed.
 * - Freshness: the facts are read when the record serves THIS request; nothing is cached across
 *   requests, so a consent withdrawal counts from the very next request. The record issues
 *   grants only in queries (never in a mutation's answer, whose facts may predate its own write).
 *
 * Format: `g1.<base64url(JSON payload)>.<base64url(HMAC)>`, signed and checked with node:crypto
 * (synchronous, a few microseconds; the adapters check one grant per child per request).
 */
export interface AccessGrantBinding {
  /** The internal context's nonce (InternalContext.nonce). */
  nonce: string;
  principal: Principal;
  purpose: Purpose | null;
}

export type AccessGrantCheck =
  | { status: 'valid'; facts: ChildAccessFacts }
  /** Genuine but too old: read the facts fresh instead. */
  | { status: 'expired' }
  /** Not made by the hub, changed, or made for another request, caller or child: refuse. */
  | { status: 'invalid'; reason: string };

const VERSION = 'g1';
export const ACCESS_GRANT_LIFETIME_MS = 30_000;
/** Gateway and services share a cluster clock; a few seconds absorb ordinary drift. */
const CLOCK_SKEW_MS = 10_000;

interface Payload {
  /** child id */
  c: string;
  /** nonce */
  n: string;
  /** principal: sub, role, org id, org type */
  s: string;
  r: string;
  o: string;
  t: string;
  /** purpose */
  p: string | null;
  /** expiry, epoch milliseconds */
  x: number;
  /** the facts */
  f: ChildAccessFacts;
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

function mac(secret: string, input: string): Buffer {
  return createHmac('sha256', grantKey(secret)).update(input).digest();
}

export function signAccessGrant(
  secret: string,
  binding: AccessGrantBinding,
  facts: ChildAccessFacts,
  now = Date.now(),
): string {
  const { principal } = binding;
  const payload: Payload = {
    c: facts.childId,
    n: binding.nonce,
    s: principal.sub,
    r: principal.role,
    o: principal.orgId,
    t: principal.orgType,
    p: binding.purpose,
    x: now + ACCESS_GRANT_LIFETIME_MS,
    f: facts,
  };
  const input = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${mac(secret, input).toString('base64url')}`;
}

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
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2])
    return { status: 'invalid', reason: 'malformed' };
  const expected = mac(secret, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { status: 'invalid', reason: 'signature' };
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Payload;
  } catch {
    return { status: 'invalid', reason: 'malformed' };
  }
  const { principal } = binding;
  if (
    payload.c !== childId ||
    payload.f?.childId !== childId ||
    payload.n !== binding.nonce ||
    payload.s !== principal.sub ||
    payload.r !== principal.role ||
    payload.o !== principal.orgId ||
    payload.t !== principal.orgType ||
    payload.p !== binding.purpose
  )
    return { status: 'invalid', reason: 'not issued for this request, caller and child' };
  if (typeof payload.x !== 'number') return { status: 'invalid', reason: 'malformed' };
  // Only the record signs grants and it always gives them 30 s; a longer claim was not made by it.
  if (payload.x - now > ACCESS_GRANT_LIFETIME_MS + CLOCK_SKEW_MS)
    return { status: 'invalid', reason: 'lifetime' };
  if (now > payload.x + CLOCK_SKEW_MS) return { status: 'expired' };
  return { status: 'valid', facts: payload.f };
}
