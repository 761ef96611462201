import type { Principal } from '@hub/policy';
import { createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey } from 'jose';
import { AuthError } from './errors.ts';
import { createIdpJwtCheck } from './idp-jwt.ts';
import { mapClaims, type OidcProviderConfig } from './oidc-providers.ts';
import { describeJoseError, type UserTokenVerifier } from './user-token.ts';

export interface OidcTokenVerifierOptions {
  providers: readonly OidcProviderConfig[];
  /** Token-time policy, as for every end-user token (token-times.ts): default 3600 s and 60 s. */
  maxLifetimeSeconds?: number | undefined;
  clockSkewSeconds?: number | undefined;
  now?: (() => Date) | undefined;
  /**
   * jose's remote key set timings: a token with a key id the cached set lacks refetches the set
   * (key rotation), at most once per `cooldownMs` (default 30 s); the set is refetched anyway
   * after `cacheMaxAgeMs` (default 10 min).
   */
  jwks?: { cooldownMs?: number; cacheMaxAgeMs?: number };
}

/** The discovery document's fields the gateway uses. */
interface Discovery {
  issuer?: unknown;
  jwks_uri?: unknown;
}

/**
 * The provider's key set, found through its discovery document
 * (`<issuer>/.well-known/openid-configuration`) on first use unless `jwksUri` is configured.
 * The document must name exactly the configured issuer (OpenID Connect Discovery 1.0 §4.3),
 * so a misconfigured or impersonating document cannot point the hub at other keys. A failed
 * discovery is retried on the next token, not cached.
 */
function providerKeys(provider: OidcProviderConfig, options: OidcTokenVerifierOptions): JWTVerifyGetKey {
  const remote = (uri: string) =>
    createRemoteJWKSet(new URL(uri), {
      ...(options.jwks?.cooldownMs !== undefined ? { cooldownDuration: options.jwks.cooldownMs } : {}),
      ...(options.jwks?.cacheMaxAgeMs !== undefined ? { cacheMaxAge: options.jwks.cacheMaxAgeMs } : {}),
    });
  let keys: Promise<JWTVerifyGetKey> | undefined = provider.jwksUri
    ? Promise.resolve(remote(provider.jwksUri))
    : undefined;
  const discover = async (): Promise<JWTVerifyGetKey> => {
    const url = `${provider.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`discovery ${url} answered ${response.status}`);
    const doc = (await response.json()) as Discovery;
    if (doc.issuer !== provider.issuer) throw new Error(`discovery ${url} names another issuer`);
    if (typeof doc.jwks_uri !== 'string') throw new Error(`discovery ${url} has no jwks_uri`);
    return remote(doc.jwks_uri);
  };
  return async (header, token) => {
    keys ??= discover().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return (await keys)(header, token);
  };
}

export interface OidcTokenVerifier extends UserTokenVerifier {
  /** The issuers this verifier accepts. */
  readonly issuers: readonly string[];
}

/**
 * Verifies bearer tokens from the configured OpenID Connect providers: the provider is chosen
 * by the token's (unverified) `iss`, then the token is checked exactly like every end-user
 * token — that provider's key set, its algorithms, issuer, audience, `exp` required, lifetime
 * and clock skew (idp-jwt.ts) — and its claims are mapped to a hub principal by the
 * provider's configuration (oidc-providers.ts), refusing whatever does not map.
 */
export function createOidcTokenVerifier(options: OidcTokenVerifierOptions): OidcTokenVerifier {
  const checks = new Map(
    options.providers.map((provider) => [
      provider.issuer,
      {
        provider,
        check: createIdpJwtCheck(
          {
            issuer: provider.issuer,
            audience: provider.audience,
            keys: providerKeys(provider, options),
            algorithms: provider.algorithms,
            maxLifetimeSeconds: options.maxLifetimeSeconds,
            clockSkewSeconds: options.clockSkewSeconds,
            now: options.now,
          },
          { factory: 'createOidcTokenVerifier' },
          describeJoseError,
        ),
      },
    ]),
  );
  return {
    issuers: [...checks.keys()],
    async verify(token) {
      const entry = checks.get(unverifiedIssuer(token) ?? '');
      if (!entry) throw new AuthError('Token issuer is not trusted.');
      const { payload } = await entry.check(token);
      return mapClaims(entry.provider, payload);
    },
  };
}

function unverifiedIssuer(token: string): string | undefined {
  try {
    const { iss } = decodeJwt(token);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    throw new AuthError('Token is malformed.');
  }
}

/**
 * One verifier for several identity providers, chosen by the token's `iss` (read before
 * verification only to pick the verifier; the chosen one checks `iss` again with the
 * signature). A token from any other issuer is refused.
 */
export function verifierByIssuer(byIssuer: ReadonlyMap<string, UserTokenVerifier>): UserTokenVerifier {
  return {
    async verify(token): Promise<Principal> {
      const verifier = byIssuer.get(unverifiedIssuer(token) ?? '');
      if (!verifier) throw new AuthError('Token issuer is not trusted.');
      return verifier.verify(token);
    },
  };
}
