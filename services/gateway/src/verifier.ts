import {
  cacheVerifiedTokens,
  createOidcTokenVerifier,
  createUserTokenVerifier,
  loadOidcProviders,
  type PublicOidcProvider,
  publicProviderInfo,
  type UserTokenVerifier,
  verifierByIssuer,
} from '@hub/auth';
import type { GatewayConfig } from '@hub/config';

/**
 * The gateway's end-user token verifier from its configuration: the OpenID Connect providers
 * of OIDC_PROVIDERS(_FILE), each verified by its own JWKS and mapped by its claim table, and,
 * when JWT_ISSUER is set, the one issuer with the hub's own claims (the demo identity
 * provider). A token is routed by its issuer; any other issuer is refused. Every one gets the
 * same token-time policy (JWT_MAX_LIFETIME_SECONDS, JWT_CLOCK_SKEW_SECONDS).
 *
 * Accepted tokens are remembered until their expiry, at most 60 s (cacheVerifiedTokens in
 * @hub/auth explains why that weakens nothing): a client sends one token on every request, and
 * the ES256 check was a fixed cost on each.
 */
export function createGatewayVerifier(
  config: Pick<
    GatewayConfig,
    | 'JWT_ISSUER'
    | 'JWT_AUDIENCE'
    | 'JWKS_URL'
    | 'JWKS_FILE'
    | 'JWT_MAX_LIFETIME_SECONDS'
    | 'JWT_CLOCK_SKEW_SECONDS'
    | 'OIDC_PROVIDERS_FILE'
    | 'OIDC_PROVIDERS'
  >,
): { verifier: UserTokenVerifier; oidcProviders: PublicOidcProvider[] } {
  const times = {
    maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS,
    clockSkewSeconds: config.JWT_CLOCK_SKEW_SECONDS,
  };
  const providers = loadOidcProviders({
    ...(config.OIDC_PROVIDERS_FILE ? { OIDC_PROVIDERS_FILE: config.OIDC_PROVIDERS_FILE } : {}),
    ...(config.OIDC_PROVIDERS ? { OIDC_PROVIDERS: config.OIDC_PROVIDERS } : {}),
  });
  const byIssuer = new Map<string, UserTokenVerifier>();
  if (providers.length > 0) {
    const oidc = createOidcTokenVerifier({ providers, ...times });
    for (const issuer of oidc.issuers) byIssuer.set(issuer, oidc);
  }
  if (config.JWT_ISSUER && config.JWT_AUDIENCE) {
    if (byIssuer.has(config.JWT_ISSUER)) {
      throw new Error('JWT_ISSUER is also an OIDC provider: configure each issuer once.');
    }
    byIssuer.set(
      config.JWT_ISSUER,
      createUserTokenVerifier({
        issuer: config.JWT_ISSUER,
        audience: config.JWT_AUDIENCE,
        jwksUrl: config.JWKS_URL,
        jwksFile: config.JWKS_FILE,
        ...times,
      }),
    );
  }
  return {
    verifier: cacheVerifiedTokens(verifierByIssuer(byIssuer)),
    oidcProviders: providers.map(publicProviderInfo),
  };
}
