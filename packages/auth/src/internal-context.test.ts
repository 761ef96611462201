import { createHmac } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signInternalContext, verifyInternalContext } from './internal-context.ts';

const principal = { sub: 'u1', role: 'senco', orgId: 'school-1', orgType: 'school' } as const;
const secret = 's'.repeat(40);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A context in the gateway's own form (header {"alg":"HS256"}) with any claims, properly signed. */
function ownForm(claims: Record<string, unknown>, key = secret): string {
  const input = `${b64({ alg: 'HS256' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
const now = () => Math.floor(Date.now() / 1000);
const good = () => ({
  principal,
  purpose: null,
  iss: 'urn:tell-it-once:gateway',
  aud: 'urn:tell-it-once:subgraph',
  jti: 'req-1',
  iat: now(),
  exp: now() + 60,
});

describe('internal context checked with node:crypto (the gateway’s own form)', () => {
  it('accepts what the gateway signs, and the same claims signed by hand', async () => {
    const signed = await signInternalContext(secret, {
      principal,
      requestId: 'req-1',
      purpose: null,
      nonce: 'n1',
    });
    expect(await verifyInternalContext(secret, signed)).toEqual({
      principal,
      requestId: 'req-1',
      purpose: null,
      nonce: 'n1',
    });
    expect((await verifyInternalContext(secret, ownForm(good()))).requestId).toBe('req-1');
  });

  it.each([
    ['another issuer', { iss: 'urn:someone-else' }],
    ['another audience', { aud: 'urn:tell-it-once:gateway' }],
    ['no exp', { exp: undefined }],
    ['no iat', { iat: undefined }],
    ['a string exp', { exp: String(now() + 60) }],
    ['expired beyond the skew', { iat: now() - 200, exp: now() - 11 }],
    ['not valid yet (nbf) beyond the skew', { nbf: now() + 30 }],
    ['a lifetime longer than 60 s', { exp: now() + 3600 }],
    ['issued in the future', { iat: now() + 30, exp: now() + 90 }],
  ])('refuses %s', async (_name, change) => {
    const claims = { ...good(), ...change } as Record<string, unknown>;
    for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
    await expect(verifyInternalContext(secret, ownForm(claims))).rejects.toThrow();
  });

  it('refuses another secret, a changed payload, and a signature spelt differently', async () => {
    const token = ownForm(good());
    const [header, body, signature] = token.split('.') as [string, string, string];
    await expect(verifyInternalContext(secret, ownForm(good(), 't'.repeat(40)))).rejects.toThrow(
      /not signed by the gateway/,
    );
    const other = b64({
      ...good(),
      principal: { ...principal, role: 'la_send_officer', orgType: 'local_authority' },
    });
    await expect(verifyInternalContext(secret, `${header}.${other}.${signature}`)).rejects.toThrow();
    // Same bytes, other spellings (padding, a standard-base64 character): refused, not decoded leniently.
    await expect(verifyInternalContext(secret, `${header}.${body}.${signature}=`)).rejects.toThrow();
    await expect(
      verifyInternalContext(secret, `${header}.${body}.${signature.slice(0, -1)}`),
    ).rejects.toThrow();
    await expect(verifyInternalContext(secret, `${header}.${body}`)).rejects.toThrow();
    await expect(verifyInternalContext(secret, 'not a token')).rejects.toThrow();
  });

  it('a JWS in another form (here with a typ header) still goes through jose: valid accepted, forged refused', async () => {
    const key = new TextEncoder().encode(secret);
    const jose = await new SignJWT({ principal, purpose: null })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('urn:tell-it-once:gateway')
      .setAudience('urn:tell-it-once:subgraph')
      .setJti('req-2')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(key);
    expect((await verifyInternalContext(secret, jose)).requestId).toBe('req-2');
    const forged = await new SignJWT({ principal, purpose: null })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('urn:tell-it-once:gateway')
      .setAudience('urn:tell-it-once:subgraph')
      .setIssuedAt()
      .setExpirationTime('60s')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    await expect(verifyInternalContext(secret, forged)).rejects.toThrow(/not signed by the gateway/);
  });
});
