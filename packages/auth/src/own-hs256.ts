import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.ts';

/**
 * The hub's own HS256 tokens (internal context, service tokens), signed and checked with
 * node:crypto's synchronous HMAC instead of jose's WebCrypto jobs.
 *
 * Why: the gateway signs a context per request and a service token per audit write, and each
 * subgraph and the audit service check them; jose's asynchronous WebCrypto sign/verify job was
 * the most expensive single function in the gateway's profile (docs/performance.md), while a
 * synchronous HMAC is a few microseconds. The tokens are plain compact JWS (RFC 7515) with
 * header `{"alg":"HS256"}`, the very bytes jose writes for that header, so jose verifies them
 * (tested) and a token in exactly this form signed by jose is checked here too.
 */
export const OWN_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/** A compact JWS of `claims` in the hub's own form. */
export function signOwnHs256(secret: string, claims: Record<string, unknown>): string {
  const input = `${OWN_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${mac(secret, input)}`;
}

// The secret as a node:crypto key object, made once per secret (a handful at most: rotation).
const keyObjects = new Map<string, KeyObject>();
function mac(secret: string, input: string): string {
  // An empty secret signs as before (and never verifies: the verifiers refuse it).
  if (secret.length === 0) return createHmac('sha256', secret).update(input).digest('base64url');
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keyObjects.size >= 8) keyObjects.delete(keyObjects.keys().next().value as string);
    keyObjects.set(secret, key);
  }
  return createHmac('sha256', key).update(input).digest('base64url');
}

export interface OwnHs256Check {
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  /** Milliseconds since the epoch. */
  now: number;
  /** The AuthError message for every refusal (one sentence, whatever was wrong). */
  refused: string;
}

/**
 * A token in exactly the hub's own form (header `{"alg":"HS256"}`, nothing else), checked
 * synchronously: the MAC over the exact text (compared as the exact base64url string,
 * constant-time), then jose's checks for this token: issuer, audience, `exp` and `iat` present
 * and numeric, not expired and `nbf` reached within the clock skew. Throws AuthError(refused)
 * for a token in this form that fails; returns null for any other form (another signer's JWS),
 * which the caller hands to jose. Lifetime and issue-time policy stay the caller's
 * (checkTokenTimes), exactly as after jose.
 */
export function verifyOwnHs256(
  secret: string,
  token: string,
  check: OwnHs256Check,
): Record<string, unknown> | null {
  if (secret.length === 0) return null;
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  if (first < 0 || last === first || token.slice(0, first) !== OWN_HEADER) return null;
  const input = token.slice(0, last);
  const given = Buffer.from(token.slice(last + 1));
  const expected = Buffer.from(mac(secret, input));
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new AuthError(check.refused);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(input.slice(first + 1), 'base64url').toString('utf8'));
  } catch {
    throw new AuthError(check.refused);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new AuthError(check.refused);
  const claims = payload as Record<string, unknown>;
  const nowSeconds = Math.floor(check.now / 1000);
  const skew = check.clockSkewSeconds;
  const audience = claims.aud;
  if (
    claims.iss !== check.issuer ||
    !(audience === check.audience || (Array.isArray(audience) && audience.includes(check.audience))) ||
    typeof claims.exp !== 'number' ||
    typeof claims.iat !== 'number' ||
    claims.exp <= nowSeconds - skew ||
    (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds + skew))
  )
    throw new AuthError(check.refused);
  return claims;
}
