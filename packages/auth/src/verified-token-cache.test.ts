import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '@hub/policy';
import { describe, expect, it } from 'vitest';
import {
  cacheVerifiedTokens,
  createUserTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  loadOrCreateDevIssuer,
  type UserTokenVerifier,
} from './index.ts';

const senco: Principal = { sub: 'demo-senco-1', role: 'senco', orgId: 'school-1', orgType: 'school' };

describe('cache of verified end-user tokens', async () => {
  const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'hub-auth-cache-')));
  const real = createUserTokenVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwksFile: issuer.jwksFile,
  });
  /** The real verifier, counting how often it runs. */
  function counted(): UserTokenVerifier & { calls: number } {
    const v = {
      calls: 0,
      async verify(token: string) {
        v.calls++;
        return real.verify(token);
      },
    };
    return v;
  }

  it('checks an accepted token once, then answers the same principal from memory', async () => {
    const inner = counted();
    const cached = cacheVerifiedTokens(inner);
    const token = await issuer.sign(senco);
    expect(await cached.verify(token)).toEqual(senco);
    expect(await cached.verify(token)).toEqual(senco);
    expect(await cached.verify(token)).toEqual(senco);
    expect(inner.calls).toBe(1);
    // A caller changing the principal it got does not change what the next request gets.
    const got = await cached.verify(token);
    got.role = 'la_send_officer';
    expect(await cached.verify(token)).toEqual(senco);
  });

  it('never remembers a refusal: a bad token is checked, and refused, every time', async () => {
    const inner = counted();
    const cached = cacheVerifiedTokens(inner);
    const expired = await issuer.sign(senco, { expiresIn: '-1m' });
    await expect(cached.verify(expired)).rejects.toThrow('Token has expired.');
    await expect(cached.verify(expired)).rejects.toThrow('Token has expired.');
    const token = await issuer.sign(senco);
    const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    await expect(cached.verify(tampered)).rejects.toThrow();
    await cached.verify(token);
    // The genuine token is remembered; its tampered copy still is not.
    await expect(cached.verify(tampered)).rejects.toThrow();
    expect(inner.calls).toBe(5);
  });

  it('forgets a token at its expiry and after maxAgeMs, whichever comes first', async () => {
    let clock = Date.now();
    const inner = counted();
    const cached = cacheVerifiedTokens(inner, { maxAgeMs: 60_000, now: () => clock });
    const shortLived = await issuer.sign(senco, { expiresIn: '30s' });
    await cached.verify(shortLived);
    clock += 29_000;
    await cached.verify(shortLived);
    expect(inner.calls).toBe(1);
    clock += 2_000; // past exp: the full check runs again (and refuses, by the real clock or not)
    await cached.verify(shortLived).catch(() => {});
    expect(inner.calls).toBe(2);

    clock = Date.now();
    const longLived = await issuer.sign(senco, { expiresIn: '50m' });
    await cached.verify(longLived);
    clock += 59_000;
    await cached.verify(longLived);
    expect(inner.calls).toBe(3);
    clock += 2_000; // past maxAgeMs: checked again
    await cached.verify(longLived);
    expect(inner.calls).toBe(4);
  });

  it('holds at most maxEntries tokens, dropping the least recently used', async () => {
    const inner = counted();
    const cached = cacheVerifiedTokens(inner, { maxEntries: 2 });
    const [a, b, c] = await Promise.all(
      ['demo-senco-1', 'demo-senco-2', 'demo-senco-3'].map((sub) => issuer.sign({ ...senco, sub })),
    );
    await cached.verify(a!);
    await cached.verify(b!);
    await cached.verify(a!); // a is now the most recently used
    await cached.verify(c!); // drops b
    expect(inner.calls).toBe(3);
    await cached.verify(a!);
    await cached.verify(c!);
    expect(inner.calls).toBe(3);
    await cached.verify(b!);
    expect(inner.calls).toBe(4);
  });
});
