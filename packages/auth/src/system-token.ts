import { AuthError } from './errors.ts';
import { createIdpJwtCheck } from './idp-jwt.ts';
import type { UserTokenVerifierOptions } from './user-token.ts';

/** Organisation types that may send records into the hub as a machine (an agency's own system). */
export const SYSTEM_ORG_TYPES = ['health', 'school', 'social_care', 'local_authority'] as const;
export type SystemOrgType = (typeof SYSTEM_ORG_TYPES)[number];

/** What a system may do, one OAuth scope each (space-separated in the `scope` claim). */
export const SYSTEM_SCOPES = ['ingest:fhir', 'ingest:ctf', 'ingest:cin'] as const;
export type SystemScope = (typeof SYSTEM_SCOPES)[number];

/**
 * An agency's system calling the hub as itself (OAuth 2.0 client credentials), not a person:
 * it has no role and can never read a child's record, only send in what its organisation holds.
 */
export interface SystemPrincipal {
  kind: 'system';
  /** The OAuth client id (`client_id`, else `sub`). */
  clientId: string;
  orgId: string;
  orgType: SystemOrgType;
  scopes: SystemScope[];
}

export interface SystemTokenVerifier {
  /** Verifies the token and that it carries `scope`; throws AuthError otherwise. */
  verify(token: string, scope: SystemScope): Promise<SystemPrincipal>;
}

/**
 * Verifies machine tokens exactly like user tokens (ES256 only, same JWKS, issuer, audience,
 * `exp` required, lifetime at most 1 h with 60 s skew), then reads the client-credentials
 * claims: `client_id` (or `sub`), `org_id`, `org_type`, `scope`. A token carrying a `role` is
 * a person's token and is refused here, so a user token can never pass as a system (and a
 * system token has no role, so the gateway's user verifier refuses it).
 */
export function createSystemTokenVerifier(options: UserTokenVerifierOptions): SystemTokenVerifier {
  const check = createIdpJwtCheck(
    options,
    { factory: 'createSystemTokenVerifier', what: 'System token' },
    () => 'System token is missing, expired or not signed by a trusted key.',
  );
  return {
    async verify(token, scope) {
      const { payload } = await check(token);
      const { sub, client_id: clientIdClaim, org_id: orgId, org_type: orgType, role } = payload;
      if (role !== undefined) throw new AuthError('A user token cannot be used by a system.');
      const clientId = typeof clientIdClaim === 'string' && clientIdClaim !== '' ? clientIdClaim : sub;
      if (typeof clientId !== 'string' || clientId === '')
        throw new AuthError('System token has no client (client_id).');
      if (typeof orgId !== 'string' || orgId === '')
        throw new AuthError('System token has no organisation (org_id).');
      if (!SYSTEM_ORG_TYPES.includes(orgType as SystemOrgType))
        throw new AuthError('System token has no recognised organisation type (org_type).');
      const scopes = (typeof payload.scope === 'string' ? payload.scope.split(' ') : []).filter(
        (s): s is SystemScope => SYSTEM_SCOPES.includes(s as SystemScope),
      );
      if (!scopes.includes(scope)) throw new AuthError(`System token does not carry the scope ${scope}.`);
      return { kind: 'system', clientId, orgId, orgType: orgType as SystemOrgType, scopes };
    },
  };
}
