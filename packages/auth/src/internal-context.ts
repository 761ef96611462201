import { isPurpose, isRole, type Principal, type Purpose, ROLE_ORG_TYPE } from '@hub/policy';
import { jwtVerify } from 'jose';
import { hmacKey } from './hmac-key.ts';
import { signOwnHs256, verifyOwnHs256 } from './own-hs256.ts';
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

/**
 * Short-lived (60 s) HS256 token: long enough for one federated operation, no longer.
 *
 * Signed with node:crypto's HMAC, not jose (own-hs256.ts): the gateway signs one per request,
 * and WebCrypto's asynchronous sign job was the single most expensive function in the
 * gateway's profile (scripts/bench/record-load.ts, BENCH_PROFILE=gateway). The token is a
 * plain compact JWS (RFC 7515) with the same claims as before; tests verify it with plain jose.
 * The subgraphs check a context in exactly this form with node:crypto too, any other form
 * with jose.
 */
export async function signInternalContext(secret: string, context: InternalContext): Promise<string> {
  return internalContextToken(secret, context);
}

/** signInternalContext, synchronously (the gateway's per-request header; the HMAC is synchronous). */
export function internalContextToken(secret: string, context: InternalContext): string {
  const iat = Math.floor(Date.now() / 1000);
  return signOwnHs256(secret, {
    principal: context.principal,
    purpose: context.purpose,
    ...(context.nonce ? { nonce: context.nonce } : {}),
    iss: ISSUER,
    aud: AUDIENCE,
    jti: context.requestId,
    iat,
    exp: iat + LIFETIME_SECONDS,
  });
}

const REFUSED = 'Internal context is missing, expired or not signed by the gateway.';

export async function verifyInternalContext(secret: string, token: string): Promise<InternalContext> {
  let payload: Record<string, unknown>;
  // The context exactly as this gateway signs it, checked synchronously (own-hs256.ts): each
  // subgraph verifies one per request, and jose's WebCrypto verify job was a fixed cost on every
  // hop. Any other form (another signer's JWS) goes through jose.
  const own = verifyOwnHs256(secret, token, {
    issuer: ISSUER,
    audience: AUDIENCE,
    clockSkewSeconds: CLOCK_SKEW_SECONDS,
    now: Date.now(),
    refused: REFUSED,
  });
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
