import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { isPurpose, isRole, type Principal, type Purpose, ROLE_ORG_TYPE } from '@hub/policy';
import { jwtVerify } from 'jose';
import { hmacKey } from './hmac-key.ts';
import { checkTokenTimes } from './token-times.ts';
import { AuthError } from './user-token.ts';

/** Header the gateway sets on every subgraph request. Subgraphs trust nothing else. */
export const INTERNAL_CONTEXT_HEADER = 'x-hub-context';

const ISSUER = 'urn:tell-it-once:gateway';
const AUDIENCE = 'urn:tell-it-once:subgraph';

/** What the gateway vouches for on each subgraph call. */
export interface InternalContext {
  principal: Principal;
  requestId: string;
  /** Declared purpose of the request (consent is per purpose); null when none was given. */
  purpose: Purpose | null;
  /**
   * Random, chosen by the gateway once per client request (never by the client, unlike the
   * request id, which a client may set with `x-request-id`). Access grants (access-grant.ts)
   * are bound to it, so a grant issued for one request is refused in every other.
   */
  nonce?: string;
}

const LIFETIME_SECONDS = 60;
/** Gateway and subgraphs share a cluster clock; a few seconds absorb ordinary drift. */
const CLOCK_SKEW_SECONDS = 10;
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256' })).toString('base64url');

/**
 * Short-lived (60 s) HS256 token: long enough for one federated operation, no longer.
 *
 * Signed with node:crypto's HMAC, not jose: the gateway signs one per subgraph call, and
 * WebCrypto's asynchronous sign job was the single most expensive function in the gateway's
 * profile (scripts/bench/record-load.ts, BENCH_PROFILE=gateway); a synchronous HMAC is a few
 * microseconds. The token is a plain compact JWS (RFC 7515) with the same claims as before;
 * tests verify it with plain jose. The subgraphs check a context in exactly this form with
 * node:crypto too (verifyOwnContext), any other form with jose.
 */
export async function signInternalContext(secret: string, context: InternalContext): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    principal: context.principal,
    purpose: context.purpose,
    ...(context.nonce ? { nonce: context.nonce } : {}),
    iss: ISSUER,
    aud: AUDIENCE,
    jti: context.requestId,
    iat,
    exp: iat + LIFETIME_SECONDS,
  };
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${mac(secret, input)}`;
}

// The secret as a node:crypto key object, made once per secret (a handful at most: rotation).
const keyObjects = new Map<string, KeyObject>();
function mac(secret: string, input: string): string {
  // An empty secret signs as before (and never verifies: verifyInternalContext refuses it).
  if (secret.length === 0) return createHmac('sha256', secret).update(input).digest('base64url');
  let key = keyObjects.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    if (keyObjects.size >= 8) keyObjects.delete(keyObjects.keys().next().value as string);
    keyObjects.set(secret, key);
  }
  return createHmac('sha256', key).update(input).digest('base64url');
}

const REFUSED = 'Internal context is missing, expired or not signed by the gateway.';

/**
 * The context exactly as this gateway signs it (header `{"alg":"HS256"}`, nothing else),
 * checked synchronously with node:crypto: each subgraph verifies one per request, and jose's
 * WebCrypto verify job was a fixed cost on every hop (profiles in docs/performance.md). The
 * checks are jose's for this token: the MAC over the exact text (compared as the exact
 * base64url string, constant-time), issuer, audience, `exp` and `iat` present and numeric,
 * not expired and `nbf` reached within the clock skew. Any other header (another signer's
 * JWS) returns null and goes through jose, as before.
 */
function verifyOwnContext(secret: string, token: string, now: number): Record<string, unknown> | null {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  if (first < 0 || last === first || token.slice(0, first) !== HEADER) return null;
  const input = token.slice(0, last);
  const given = Buffer.from(token.slice(last + 1));
  const expected = Buffer.from(mac(secret, input));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AuthError(REFUSED);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(input.slice(first + 1), 'base64url').toString('utf8'));
  } catch {
    throw new AuthError(REFUSED);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new AuthError(REFUSED);
  const claims = payload as Record<string, unknown>;
  const nowSeconds = Math.floor(now / 1000);
  const audience = claims.aud;
  if (
    claims.iss !== ISSUER ||
    !(audience === AUDIENCE || (Array.isArray(audience) && audience.includes(AUDIENCE))) ||
    typeof claims.exp !== 'number' ||
    typeof claims.iat !== 'number' ||
    claims.exp <= nowSeconds - CLOCK_SKEW_SECONDS ||
    (claims.nbf !== undefined &&
      (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds + CLOCK_SKEW_SECONDS))
  )
    throw new AuthError(REFUSED);
  return claims;
}

export async function verifyInternalContext(secret: string, token: string): Promise<InternalContext> {
  let payload: Record<string, unknown>;
  const own = secret.length > 0 ? verifyOwnContext(secret, token, Date.now()) : null;
  if (own) payload = own;
  else {
    try {
      ({ payload } = await jwtVerify(token, await hmacKey(secret), {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat'],
        clockTolerance: CLOCK_SKEW_SECONDS,
      }));
    } catch {
      throw new AuthError(REFUSED);
    }
  }
  // Only the gateway holds the secret and it always signs 60 s contexts; a context that claims a
  // longer life or a future issue time was not made by this gateway's code.
  checkTokenTimes(
    payload,
    { maxLifetimeSeconds: LIFETIME_SECONDS, clockSkewSeconds: CLOCK_SKEW_SECONDS },
    new Date(),
    'Internal context',
  );
  const principal = payload.principal as Partial<Principal> | undefined;
  if (
    !principal ||
    typeof principal.sub !== 'string' ||
    !isRole(principal.role) ||
    typeof principal.orgId !== 'string' ||
    principal.orgType !== ROLE_ORG_TYPE[principal.role]
  ) {
    throw new AuthError('Internal context carries no valid principal.');
  }
  const purpose = payload.purpose === null || payload.purpose === undefined ? null : payload.purpose;
  if (purpose !== null && !isPurpose(purpose))
    throw new AuthError('Internal context carries an unknown purpose.');
  return {
    principal: principal as Principal,
    requestId: typeof payload.jti === 'string' ? payload.jti : 'unknown',
    purpose,
    ...(typeof payload.nonce === 'string' && payload.nonce.length > 0 ? { nonce: payload.nonce } : {}),
  };
}
