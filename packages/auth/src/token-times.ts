import type { JWTPayload } from 'jose';
import { AuthError } from './errors.ts';

/**
 * How long a token may live and how far the hub trusts the issuer's clock. jose's jwtVerify
 * checks `exp` and `nbf` only when they are present (with `clockTolerance`), never requires
 * `exp` unless told (`requiredClaims`), and checks `iat` only through `maxTokenAge`, which also
 * makes `iat` mandatory and bounds the token's age, not its lifetime. So the verifiers pass
 * `requiredClaims: ['exp']` and `clockTolerance`, and check the rest here.
 */
export interface TokenTimePolicy {
  /** Longest accepted lifetime in seconds: `exp - iat`, or `exp - now` when the token has no `iat`. */
  maxLifetimeSeconds: number;
  /** Accepted difference between the issuer's clock and ours, in seconds (for `exp`, `nbf`, `iat`). */
  clockSkewSeconds: number;
}

/**
 * End-user access tokens from the identity provider: at most one hour (a common OIDC default:
 * Okta, Google; Keycloak issues 5 minutes) and a minute of clock difference. Microsoft Entra ID
 * issues 60–90 minute access tokens by default: raise JWT_MAX_LIFETIME_SECONDS to 5400 there.
 */
export const USER_TOKEN_TIMES: TokenTimePolicy = { maxLifetimeSeconds: 3600, clockSkewSeconds: 60 };

/**
 * Hub service tokens: signed for 60 s by the gateway for one call; the services run side by
 * side, so a few seconds of clock difference is plenty.
 */
export const SERVICE_TOKEN_LIFETIME_SECONDS = 60;
export const SERVICE_TOKEN_TIMES: TokenTimePolicy = {
  maxLifetimeSeconds: SERVICE_TOKEN_LIFETIME_SECONDS,
  clockSkewSeconds: 10,
};

/** Rejects a bad policy at start-up rather than accepting every token. */
export function checkPolicy(policy: TokenTimePolicy): TokenTimePolicy {
  const { maxLifetimeSeconds, clockSkewSeconds } = policy;
  if (!Number.isFinite(maxLifetimeSeconds) || maxLifetimeSeconds <= 0)
    throw new Error(`maxLifetimeSeconds must be a positive number of seconds, not ${maxLifetimeSeconds}`);
  if (!Number.isFinite(clockSkewSeconds) || clockSkewSeconds < 0 || clockSkewSeconds > 300)
    throw new Error(`clockSkewSeconds must be between 0 and 300 seconds, not ${clockSkewSeconds}`);
  return policy;
}

/**
 * The checks jose leaves out, on a payload jwtVerify already accepted (signature, `exp`
 * present and not past, `nbf` reached, both within the skew): `iat` not in the future beyond
 * the skew, and a lifetime no longer than the maximum. `what` names the token in messages.
 */
export function checkTokenTimes(
  payload: JWTPayload,
  policy: TokenTimePolicy,
  now: Date,
  what = 'Token',
): void {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const { exp, iat } = payload;
  if (typeof exp !== 'number') throw new AuthError(`${what} has no expiry time (exp).`);
  if (iat !== undefined && iat > nowSeconds + policy.clockSkewSeconds) {
    throw new AuthError(
      `${what} was issued in the future (iat), more than ${policy.clockSkewSeconds} s ahead of this hub's clock.`,
    );
  }
  // Without iat the issue time is unknown: measure from now, allowing for the issuer's clock.
  const lifetime = iat !== undefined ? exp - iat : exp - nowSeconds - policy.clockSkewSeconds;
  if (lifetime > policy.maxLifetimeSeconds) {
    const measured = iat !== undefined ? `exp - iat = ${exp - iat}` : `exp - now = ${exp - nowSeconds}`;
    throw new AuthError(
      `${what} lives longer than the ${policy.maxLifetimeSeconds} s this hub accepts (${measured} s).`,
    );
  }
}

/**
 * `iat` and `exp` from ONE reading of the clock. jose's `setIssuedAt()` and
 * `setExpirationTime('60s')` each read the clock themselves, so a second boundary between the
 * two calls (a GC pause under load) gave `exp - iat` one second longer than meant, and the
 * verifiers' exact lifetime bound refused the token.
 */
export function issueTimes(lifetime: string | number, now = Date.now()): { iat: number; exp: number } {
  const iat = Math.floor(now / 1000);
  return { iat, exp: iat + durationSeconds(lifetime) };
}

/** Seconds in `90`, `"90s"`, `"15m"`, `"1h"`, `"2d"` (a leading minus for tests of expiry). */
export function durationSeconds(lifetime: string | number): number {
  if (typeof lifetime === 'number') return lifetime;
  const match = /^(-?\d+)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d|day|days)?$/i.exec(lifetime.trim());
  if (!match) throw new Error(`Not a duration: "${lifetime}" (use e.g. 90s, 15m, 1h).`);
  const unit = (match[2] ?? 's').toLowerCase()[0];
  const factor = unit === 'm' ? 60 : unit === 'h' ? 3600 : unit === 'd' ? 86_400 : 1;
  return Number(match[1]) * factor;
}
