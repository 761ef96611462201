import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { AuthError } from './errors.ts';
import { checkPolicy, checkTokenTimes, type TokenTimePolicy, USER_TOKEN_TIMES } from './token-times.ts';
import type { UserTokenVerifierOptions } from './user-token.ts';

/**
 * The one way the hub checks a token from an identity provider, for a person (user-token.ts),
 * an agency's system (system-token.ts) and an OpenID Connect provider's user (oidc-verifier.ts)
 * alike: the key set from the options (inline, file, URL or a key function), ES256 unless the
 * caller names other asymmetric algorithms, issuer, audience, `exp` required, then the lifetime
 * and clock-skew policy (token-times.ts). Each caller reads its own claims from the payload.
 *
 * `factory` names the caller in the configuration error; `what` names the token in the time
 * errors; `describe` turns a jose error into the caller's message.
 */
export function createIdpJwtCheck(
  options: UserTokenVerifierOptions & { keys?: JWTVerifyGetKey; algorithms?: string[] },
  names: { factory: string; what?: string },
  describe: (error: unknown) => string,
): (token: string) => Promise<{ payload: JWTPayload; now: Date }> {
  const keys = options.keys
    ? options.keys
    : options.jwks
      ? createLocalJWKSet(options.jwks)
      : options.jwksFile
        ? createLocalJWKSet(JSON.parse(readFileSync(options.jwksFile, 'utf8')) as JSONWebKeySet)
        : options.jwksUrl
          ? createRemoteJWKSet(new URL(options.jwksUrl))
          : undefined;
  if (!keys) throw new Error(`${names.factory}: a JWKS source is required`);
  const times = checkPolicy({
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? USER_TOKEN_TIMES.maxLifetimeSeconds,
    clockSkewSeconds: options.clockSkewSeconds ?? USER_TOKEN_TIMES.clockSkewSeconds,
  } satisfies TokenTimePolicy);
  const clock = options.now ?? (() => new Date());
  return async (token) => {
    const now = clock();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: options.algorithms ?? ['ES256'],
        requiredClaims: ['exp'],
        clockTolerance: times.clockSkewSeconds,
        currentDate: now,
      }));
    } catch (error) {
      throw new AuthError(describe(error));
    }
    checkTokenTimes(payload, times, now, names.what);
    return { payload, now };
  };
}
