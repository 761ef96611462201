import { readFileSync } from 'node:fs';
import { isRole, type Principal, ROLE_ORG_TYPE } from '@hub/policy';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, jwtVerify } from 'jose';

/** An authentication failure; `message` is safe to show the caller. */
export class AuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

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
}

/**
 * Verifies end-user JWTs (ES256 only: no `alg: none`, no HMAC confusion) against the
 * identity provider's JWKS, checking issuer, audience and expiry, and turns the claims
 * into a Principal. A token whose role and organisation type disagree is rejected.
 */
export function createUserTokenVerifier(options: UserTokenVerifierOptions): UserTokenVerifier {
  const keys = options.jwks
    ? createLocalJWKSet(options.jwks)
    : options.jwksFile
      ? createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile, 'utf8')) as JSONWebKeySet)
      : options.jwksUrl
        ? createRemoteJWKSet(new URL(options.jwksUrl))
        : undefined;
  if (!keys) throw new Error('createUserTokenVerifier: a JWKS source is required');

  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: ['ES256'],
          clockTolerance: 5,
        }));
      } catch (error) {
        throw new AuthError(describeJoseError(error));
      }
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

function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'Token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `Token claim "${error.claim}" is not accepted.`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'Token signature is not valid.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'Token was not signed by a trusted key.';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'Token algorithm is not accepted.';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'Token is malformed.';
  return 'Token could not be verified.';
}
