import { createHmac } from 'node:crypto';
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
 * microseconds. The token is a plain compact JWS (RFC 7515) with the same claims as before, and
 * jose stays the verifier of record (verifyInternalContext below), so a mistake here is refused.
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
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

export async function verifyInternalContext(secret: string, token: string): Promise<InternalContext> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch {
    throw new AuthError('Internal context is missing, expired or not signed by the gateway.');
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
