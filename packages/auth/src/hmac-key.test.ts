import { decodeProtectedHeader, jwtVerify } from 'jose';
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

describe('internal context signed with node:crypto, verified by jose', () => {
  const secret = 'n'.repeat(40);

  it('is a standard HS256 JWS with the same claims jose would have written', async () => {
    const token = await signInternalContext(secret, {
      principal,
      requestId: 'req-7',
      purpose: 'ehc_assessment',
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256' });
    // Plain jose with the raw secret, no cache involved.
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: 'urn:tell-it-once:gateway',
      audience: 'urn:tell-it-once:subgraph',
      algorithms: ['HS256'],
    });
    expect(payload).toMatchObject({ principal, purpose: 'ehc_assessment', jti: 'req-7' });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('a changed claim or signature is refused', async () => {
    const token = await signInternalContext(secret, { principal, requestId: 'r', purpose: null });
    const [header, body, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), purpose: 'early_help' }),
    ).toString('base64url');
    await expect(verifyInternalContext(secret, `${header}.${forged}.${signature}`)).rejects.toThrow(
      /not signed by the gateway/,
    );
    await expect(
      verifyInternalContext(secret, `${header}.${body}.${signature.slice(0, -2)}AA`),
    ).rejects.toThrow(/not signed by the gateway/);
  });
});

describe('service token signed with node:crypto, verified by jose', () => {
  const secret = 'm'.repeat(40);

  it('is a standard HS256 JWS with the claims jose wrote before', async () => {
    const token = await signServiceToken(secret, 'audit-writer', 'req-8');
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      issuer: 'urn:tell-it-once:gateway',
      audience: 'urn:tell-it-once:service:audit-writer',
      algorithms: ['HS256'],
    });
    expect(payload).toMatchObject({ sub: 'gateway', jti: 'req-8' });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5);
  });

  it('a changed claim or signature, another audience or secret is refused', async () => {
    const token = await signServiceToken(secret, 'audit-writer', 'r');
    const [header, body, signature] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), jti: 'other' }),
    ).toString('base64url');
    await expect(
      verifyServiceToken(secret, 'audit-writer', `${header}.${forged}.${signature}`),
    ).rejects.toThrow(/Service token is missing, expired or not signed/);
    await expect(
      verifyServiceToken(secret, 'audit-writer', `${header}.${body}.${signature.slice(0, -2)}AA`),
    ).rejects.toThrow(/Service token is missing, expired or not signed/);
    await expect(verifyServiceToken(secret, 'child-councils', token)).rejects.toThrow(/Service token/);
    await expect(verifyServiceToken('o'.repeat(40), 'audit-writer', token)).rejects.toThrow(/Service token/);
  });
});
