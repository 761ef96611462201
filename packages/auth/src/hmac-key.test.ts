import { describe, expect, it } from 'vitest';
import { signInternalContext, verifyInternalContext } from './internal-context.ts';
import { signServiceToken, verifyServiceToken } from './service-token.ts';

const principal = { sub: 'u1', role: 'senco', orgId: 'school-1', orgType: 'school' } as const;

describe('HS256 key cache (one import per secret)', () => {
  it('keeps every secret apart, also after more secrets than the cache holds', async () => {
    const secrets = Array.from({ length: 12 }, (_, i) => String.fromCharCode(97 + i).repeat(40));
    const tokens = await Promise.all(
      secrets.map((s, i) => signInternalContext(s, { principal, requestId: `r${i}`, purpose: null })),
    );
    for (const [i, secret] of secrets.entries()) {
      // Its own secret verifies (evicted keys are imported again) ...
      expect((await verifyInternalContext(secret, tokens[i]!)).requestId).toBe(`r${i}`);
      // ... and no other secret's cached key does.
      const other = secrets[(i + 1) % secrets.length]!;
      await expect(verifyInternalContext(other, tokens[i]!)).rejects.toThrow(/not signed by the gateway/);
    }
  });

  it('a service token and an internal context share the key but never each other’s audience', async () => {
    const secret = 'k'.repeat(40);
    const service = await signServiceToken(secret, 'audit-writer', 'req-1');
    const context = await signInternalContext(secret, { principal, requestId: 'req-1', purpose: null });
    await expect(verifyInternalContext(secret, service)).rejects.toThrow();
    await expect(verifyServiceToken(secret, 'audit-writer', context)).rejects.toThrow();
    expect((await verifyServiceToken(secret, 'audit-writer', service)).requestId).toBe('req-1');
  });

  it('an empty secret is refused as before, as an authentication error', async () => {
    const token = await signInternalContext('k'.repeat(40), { principal, requestId: 'r', purpose: null });
    await expect(verifyInternalContext('', token)).rejects.toThrow(/not signed by the gateway/);
  });
});
