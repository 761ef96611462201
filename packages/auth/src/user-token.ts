import { isRole, type Principal, ROLE_ORG_TYPE } from '@hub/policy';
import { errors, type JSONWebKeySet } from 'jose';
import { AuthError } from './errors.ts';
import { createIdpJwtCheck } from './idp-jwt.ts';

export { AuthError };

export interface UserTokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface UserTokenVerifierOptions {
  issuer: string;
  audience: string;
  jwksUrl?: string | undefined;
  jwksFile?: string | undefined;
  /** Inline key set (tests). */
  jwks?: JSONWebKeySet | undefined;
  /** Longest accepted token lifetime in seconds (default 3600, see USER_TOKEN_TIMES). */
  maxLifetimeSeconds?: number | undefined;
  /** Accepted clock difference with the identity provider in seconds (default 60). */
  clockSkewSeconds?: number | undefined;
  /** The current time (tests); the system clock otherwise. */
  now?: (() => Date) | undefined;
}

/**
 * Verifies end-user JWTs (ES256 only: no `alg: none`, no HMAC confusion) against the
 * identity provider's JWKS, checking issuer, audience and times, and turns the claims
 * into a Principal. A token whose role and organisation type disagree is rejected.
 *
 * Times: `exp` is required (a token that never expires is refused) and must not be past;
 * `nbf`, when present, must be reached; `iat`, when present, must not be in the future; the
 * lifetime (`exp - iat`, or `exp - now` without `iat`) must not exceed the maximum. Each
 * with the configured clock skew. See token-times.ts for what jose does and does not check.
 */
export function createUserTokenVerifier(options: UserTokenVerifierOptions): UserTokenVerifier {
  const check = createIdpJwtCheck(options, { factory: 'createUserTokenVerifier' }, describeJoseError);
  return {
    async verify(token) {
      const { payload } = await check(token);
      const { sub, role, org_id: orgId, org_type: orgType, name } = payload;
      if (typeof sub !== 'string' || sub === '') throw new AuthError('Token has no subject (sub).');
      if (!isRole(role)) throw new AuthError('Token has no recognised role.');
      if (typeof orgId !== 'string' || orgId === '')
        throw new AuthError('Token has no organisation (org_id).');
      if (orgType !== ROLE_ORG_TYPE[role]) {
        throw new AuthError(`Token organisation type does not match role ${role}.`);
      }
      return {
        sub,
        role,
        orgId,
        orgType: ROLE_ORG_TYPE[role],
        ...(typeof name === 'string' ? { name } : {}),
      };
    },
  };
}

export function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp' && error.reason === 'missing')
      return 'Token has no expiry time (exp): the hub accepts only tokens that expire.';
    if (error.claim === 'nbf' && error.reason === 'check_failed') return 'Token is not valid yet (nbf).';
    if (error.reason === 'missing') return `Token has no "${error.claim}" claim.`;
    return `Token claim "${error.claim}" is not accepted.`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is not valid.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'Token was not signed by a trusted key.';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm is not accepted.';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'Token is malformed.';
  return 'Token could not be verified.';
}
