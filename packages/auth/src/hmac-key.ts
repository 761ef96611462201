import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;

/**
 * The HS256 key for a shared secret, imported into WebCrypto once per secret and process.
 *
 * Why: given the secret as bytes, jose imports it (`crypto.subtle.importKey`) on every sign and
 * every verify, and a federated request signs and verifies the internal context about a dozen
 * times; importing once halves the CPU of each operation. The key is non-extractable and
 * usable only to sign and verify HMAC-SHA-256.
 *
 * Bounded: a process uses one secret (two while a secret is being rotated), so a handful of
 * entries is plenty; beyond that the oldest is dropped rather than growing without limit.
 */
const MAX_KEYS = 8;
const keys = new Map<string, Promise<CryptoKey>>();

export function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = webcrypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    // A failed import is not cached: the next call tries again.
    key.catch(() => keys.delete(secret));
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string);
    keys.set(secret, key);
  }
  return key;
}
