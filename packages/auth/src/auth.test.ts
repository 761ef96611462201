import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '@hub/policy';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createUserTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  loadOrCreateDevIssuer,
  signInternalContext,
  verifyInternalContext,
} from './index.ts';

const senco: Principal = { sub: 'demo-senco-1', role: 'senco', orgId: 'school-1', orgType: 'school' };

describe('dev issuer + user token verifier', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-auth-'));
  const issuer = await loadOrCreateDevIssuer(dir);
  const verifier = createUserTokenVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwksFile: issuer.jwksFile,
  });

  it('round-trips a principal', async () => {
    expect(await verifier.verify(await issuer.sign(senco))).toEqual(senco);
  });

  it('reuses the persisted key (tokens from a second load still verify)', async () => {
    const again = await loadOrCreateDevIssuer(dir);
    expect(await verifier.verify(await again.sign(senco))).toEqual(senco);
    expect(JSON.parse(readFileSync(issuer.jwksFile, 'utf8')).keys).toHaveLength(1);
  });

  it('rejects expired, malformed, foreign and mismatched tokens with clear messages', async () => {
    await expect(verifier.verify('not-a-jwt')).rejects.toThrow('Token is malformed.');
    await expect(verifier.verify(await issuer.sign(senco, { expiresIn: '-1m' }))).rejects.toThrow(
      'Token has expired.',
    );
    const foreign = await generateKeyPair('ES256');
    const foreignToken = await new SignJWT({ role: 'senco', org_id: 'school-1', org_type: 'school' })
      .setProtectedHeader({ alg: 'ES256', kid: 'other' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('1h')
      .sign(foreign.privateKey);
    await expect(verifier.verify(foreignToken)).rejects.toThrow(/trusted key|signature/);
    const mismatched = await issuer.sign({ ...senco, orgType: 'health' });
    await expect(verifier.verify(mismatched)).rejects.toThrow(
      'Token organisation type does not match role senco.',
    );
    const otherAudience = createUserTokenVerifier({
      issuer: DEV_ISSUER,
      audience: 'other',
      jwksFile: issuer.jwksFile,
    });
    await expect(otherAudience.verify(await issuer.sign(senco))).rejects.toThrow(
      'Token claim "aud" is not accepted.',
    );
  });

  it('refuses HS256 tokens even if a key set contained a symmetric key', async () => {
    const secret = new TextEncoder().encode('y'.repeat(32));
    const jwk = await exportJWK(secret);
    const sym = createUserTokenVerifier({
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      jwks: { keys: [{ ...jwk, kid: 's' }] },
    });
    const token = await new SignJWT({ role: 'senco', org_id: 'school-1', org_type: 'school' })
      .setProtectedHeader({ alg: 'HS256', kid: 's' })
      .setSubject('x')
      .setIssuer(DEV_ISSUER)
      .setAudience(DEV_AUDIENCE)
      .setExpirationTime('1h')
      .sign(secret);
    await expect(sym.verify(token)).rejects.toThrow();
  });
});

describe('internal context', () => {
  const secret = 'z'.repeat(40);

  it('round-trips and rejects a token signed with another secret', async () => {
    const token = await signInternalContext(secret, {
      principal: senco,
      requestId: 'req-1',
      purpose: 'ehc_assessment',
    });
    expect(await verifyInternalContext(secret, token)).toEqual({
      principal: senco,
      requestId: 'req-1',
      purpose: 'ehc_assessment',
    });
    await expect(verifyInternalContext('w'.repeat(40), token)).rejects.toThrow(/not signed by the gateway/);
    await expect(verifyInternalContext(secret, '')).rejects.toThrow(/missing/);
  });

  it('requires exp and iat, and refuses a context living longer than 60 s or issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, number>) => {
      let jwt = new SignJWT({ principal: senco, purpose: null })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('urn:tell-it-once:gateway')
        .setAudience('urn:tell-it-once:subgraph')
        .setJti('req-2');
      if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
      if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
      return jwt.sign(new TextEncoder().encode(secret));
    };
    await expect(
      verifyInternalContext(secret, await sign({ iat: now, exp: now + 60 })),
    ).resolves.toMatchObject({
      requestId: 'req-2',
    });
    await expect(verifyInternalContext(secret, await sign({ iat: now }))).rejects.toThrow(/missing, expired/);
    await expect(verifyInternalContext(secret, await sign({ exp: now + 60 }))).rejects.toThrow(
      /missing, expired/,
    );
    await expect(verifyInternalContext(secret, await sign({ iat: now, exp: now + 3600 }))).rejects.toThrow(
      /lives longer than the 60 s/,
    );
    await expect(
      verifyInternalContext(secret, await sign({ iat: now + 600, exp: now + 630 })),
    ).rejects.toThrow(/issued in the future/);
  });
});

describe('service token', () => {
  const secret = 's'.repeat(40);

  it('round-trips, and is refused as an internal context and vice versa', async () => {
    const { signServiceToken, verifyServiceToken } = await import('./index.ts');
    const token = await signServiceToken(secret, 'audit-writer', 'req-9');
    expect(await verifyServiceToken(secret, 'audit-writer', token)).toEqual({
      service: 'gateway',
      requestId: 'req-9',
    });
    await expect(verifyInternalContext(secret, token)).rejects.toThrow(/not signed by the gateway/);
    const context = await signInternalContext(secret, { principal: senco, requestId: 'r', purpose: null });
    await expect(verifyServiceToken(secret, 'audit-writer', context)).rejects.toThrow(/Service token/);
    await expect(verifyServiceToken('t'.repeat(40), 'audit-writer', token)).rejects.toThrow(/Service token/);
    await expect(verifyServiceToken(secret, 'audit-writer', undefined)).rejects.toThrow(/missing/);
  });
});
