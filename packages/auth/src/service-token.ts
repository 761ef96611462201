import { type JWTPayload, jwtVerify } from 'jose';
import { hmacKey } from './hmac-key.ts';
import { signOwnHs256, verifyOwnHs256 } from './own-hs256.ts';
import {
  checkPolicy,
  checkTokenTimes,
  issueTimes,
  SERVICE_TOKEN_LIFETIME_SECONDS,
  SERVICE_TOKEN_TIMES,
  type TokenTimePolicy,
} from './token-times.ts';
import { AuthError } from './user-token.ts';

/**
 * Header carrying a service-to-service token: one hub service calling another *as itself*,
 * not on behalf of a user. The gateway uses it to write audit events, including events for
 * callers it could not authenticate (who have no principal an internal context could carry).
 */
export const SERVICE_TOKEN_HEADER = 'x-hub-service';

const ISSUER = 'urn:tell-it-once:gateway';

/** What a service token may be used for. Each is its own audience, so a token for one use is refused for any other. */
export type ServiceAudience = 'audit-writer' | 'identity-resolve' | 'child-councils';

// The key is imported once per secret (hmac-key.ts), not on every sign and verify.
const keyOf = hmacKey;

const REFUSED = 'Service token is missing, expired or not signed by the gateway.';

/**
 * Short-lived (60 s) HS256 token signed with the shared internal secret. Its audience
 * (`urn:tell-it-once:service:<use>`) differs from the internal context's, so neither can be
 * replayed as the other. Signed with node:crypto's HMAC (own-hs256.ts), as the internal
 * context is: the gateway signs one for every audit write, and jose's WebCrypto sign job was
 * ≈5% of the gateway's CPU per request. The same compact JWS jose wrote (header
 * `{"alg":"HS256"}`, claims iss, aud, sub, jti, iat, exp); tests verify it with plain jose.
 */
export async function signServiceToken(
  secret: string,
  audience: ServiceAudience,
  requestId: string,
): Promise<string> {
  const { iat, exp } = issueTimes(SERVICE_TOKEN_LIFETIME_SECONDS);
  return signOwnHs256(secret, {
    iss: ISSUER,
    aud: `urn:tell-it-once:service:${audience}`,
    sub: 'gateway',
    jti: requestId,
    iat,
    exp,
  });
}

/**
 * Verifies a service token: signature, issuer, audience, and times. `exp` and `iat` are both
 * required (the gateway always sets them), `iat` may not be in the future and the lifetime may
 * not exceed 60 s, with 10 s of clock skew (SERVICE_TOKEN_TIMES): a token minted with the
 * shared secret for longer use is refused even though its signature is good.
 */
export async function verifyServiceToken(
  secret: string,
  audience: ServiceAudience,
  token: string | undefined,
  options: Partial<TokenTimePolicy> & { now?: () => Date } = {},
): Promise<{ service: string; requestId: string }> {
  const times = checkPolicy({
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? SERVICE_TOKEN_TIMES.maxLifetimeSeconds,
    clockSkewSeconds: options.clockSkewSeconds ?? SERVICE_TOKEN_TIMES.clockSkewSeconds,
  });
  const now = options.now?.() ?? new Date();
  let payload: JWTPayload;
  // The gateway's own form, checked synchronously (the audit service checks one per append,
  // twice: route guard and handler); any other form goes through jose.
  const own = verifyOwnHs256(secret, token ?? '', {
    issuer: ISSUER,
    audience: `urn:tell-it-once:service:${audience}`,
    clockSkewSeconds: times.clockSkewSeconds,
    now: now.getTime(),
    refused: REFUSED,
  });
  if (own) payload = own as JWTPayload;
  else
    try {
      ({ payload } = await jwtVerify(token ?? '', await keyOf(secret), {
        issuer: ISSUER,
        audience: `urn:tell-it-once:service:${audience}`,
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'iat'],
        clockTolerance: times.clockSkewSeconds,
        currentDate: now,
      }));
    } catch {
      throw new AuthError(REFUSED);
    }
  checkTokenTimes(payload, times, now, 'Service token');
  return {
    service: String(payload.sub),
    requestId: typeof payload.jti === 'string' ? payload.jti : 'unknown',
  };
}
