import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '@hub/policy';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';
import type { SystemOrgType, SystemScope } from './system-token.ts';
import { issueTimes } from './token-times.ts';

/**
 * DEMO identity provider. It exists so a newcomer can call the API without a real
 * OIDC provider: it signs tokens for the synthetic demo users with a key kept in the
 * data folder. Production points the gateway at a real IdP's JWKS_URL instead.
 */
export const DEV_ISSUER = 'urn:tell-it-once:demo-idp';
export const DEV_AUDIENCE = 'urn:tell-it-once:hub';

export interface DevIssuer {
  jwksFile: string;
  sign(principal: Principal, options?: { expiresIn?: string }): Promise<string>;
  /** A client-credentials token for an agency's system (no role): see createSystemTokenVerifier. */
  signSystem(
    system: { clientId: string; orgId: string; orgType: SystemOrgType; scopes: SystemScope[] },
    options?: { expiresIn?: string },
  ): Promise<string>;
}

export async function loadOrCreateDevIssuer(dir: string): Promise<DevIssuer> {
  const privateFile = join(dir, 'demo-idp-private.jwk.json');
  const jwksFile = join(dir, 'demo-idp-jwks.json');
  if (!existsSync(privateFile)) {
    mkdirSync(dir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `demo-${Date.now().toString(36)}`;
    writeFileSync(privateFile, JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'ES256' }), {
      mode: 0o600,
    });
    writeFileSync(
      jwksFile,
      JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] }),
    );
  }
  const jwk = JSON.parse(readFileSync(privateFile, 'utf8')) as JWK & { kid: string };
  const key = await importJWK(jwk, 'ES256');
  return {
    jwksFile,
    sign: (principal, options = {}) => {
      const { iat, exp } = issueTimes(options.expiresIn ?? '1h');
      return new SignJWT({
        role: principal.role,
        org_id: principal.orgId,
        org_type: principal.orgType,
        ...(principal.name ? { name: principal.name } : {}),
      })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
        .setSubject(principal.sub)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
    },
    signSystem: (system, options = {}) => {
      const { iat, exp } = issueTimes(options.expiresIn ?? '1h');
      return new SignJWT({
        client_id: system.clientId,
        org_id: system.orgId,
        org_type: system.orgType,
        scope: system.scopes.join(' '),
      })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid })
        .setSubject(system.clientId)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(exp)
        .sign(key);
    },
  };
}
