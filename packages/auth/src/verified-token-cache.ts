import type { Principal } from '@hub/policy';
import { decodeJwt } from 'jose';
import type { UserTokenVerifier } from './user-token.ts';

/**
 * Remembers end-user tokens the wrapped verifier accepted, so that a caller sending the same
 * bearer token on every request pays the signature check (ES256 through WebCrypto, plus jose's
 * claim checks) once, not on every request. The portal and API clients reuse one access token
 * for its whole life, so nearly every request is a hit.
 *
 * Why it does not weaken anything:
 * - Only ACCEPTED tokens are remembered, keyed by the exact token string (a changed byte is a
 *   different key and goes through the full check). A refused token is checked again each time.
 * - A remembered token is accepted only until its own `exp` (without the clock skew the full
 *   check allows), so it never outlives what the verifier would accept.
 * - The gateway has no revocation of access tokens: a signed-out user's token stays valid until
 *   it expires (SECURITY.md, known limits), and the claims map to the principal without any
 *   lookup that could change. The one thing that can make a still-unexpired token fail later is
 *   its signing key leaving the provider's key set, which the verifier itself only notices when
 *   it refetches the set (every 10 minutes, or on an unknown key id). An entry is therefore kept
 *   at most `maxAgeMs` (default 60 s), a small addition to that window.
 * - Bounded: at most `maxEntries` tokens (least recently used dropped first), so a flood of
 *   distinct valid tokens costs memory of that many entries only.
 */
export interface VerifiedTokenCacheOptions {
  /** Most tokens remembered at once (default 10,000). */
  maxEntries?: number;
  /** Longest a token is remembered, in milliseconds (default 60,000). */
  maxAgeMs?: number;
  /** The current time in ms (tests). */
  now?: () => number;
}

export function cacheVerifiedTokens(
  verifier: UserTokenVerifier,
  options: VerifiedTokenCacheOptions = {},
): UserTokenVerifier {
  const maxEntries = options.maxEntries ?? 10_000;
  const maxAgeMs = options.maxAgeMs ?? 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { principal: Principal; until: number }>();
  return {
    async verify(token) {
      const hit = entries.get(token);
      if (hit) {
        entries.delete(token);
        if (now() < hit.until) {
          entries.set(token, hit); // most recently used last
          return { ...hit.principal };
        }
      }
      const principal = await verifier.verify(token);
      // Accepted: the token is a well-formed JWT with an `exp` (the verifiers require it).
      const exp = decodeJwt(token).exp;
      const at = now();
      if (typeof exp === 'number' && exp * 1000 > at) {
        entries.set(token, { principal: { ...principal }, until: Math.min(exp * 1000, at + maxAgeMs) });
        if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      }
      return principal;
    },
  };
}
