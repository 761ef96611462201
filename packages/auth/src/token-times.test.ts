import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '@hub/policy';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createUserTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  loadOrCreateDevIssuer,
  SERVICE_TOKEN_TIMES,
  signServiceToken,
  USER_TOKEN_TIMES,
  verifyServiceToken,
} from './index.ts';
import { durationSeconds, issueTimes } from './token-times.ts';

const senco: Principal = { sub: 'demo-senco-1', role: 'senco', orgId: 'school-1', orgType: 'school' };
const CLAIMS = { role: 'senco', org_id: 'school-1', org_type: 'school' };
const NOW = new Date('2026-03-02T10:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const at = (offsetSeconds: number) => new Date((T + offsetSeconds) * 1000);

describe('user token times: exp required, iat not in the future, lifetime and skew bounded', () => {
  let sign: (
    times: { iat?: number; exp?: number; nbf?: number },
    extra?: Record<string, unknown>,
  ) => Promise<string>;
  let verifierAt: (
    now: Date,
    options?: { maxLifetimeSeconds?: number; clockSkewSeconds?: number },
  ) => ReturnType<typeof createUserTokenVerifier>;

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
    sign = (times, extra = {}) => {
      // Claims set directly, not through SignJWT's helpers, so a test can leave any of them out.
      const jwt = new SignJWT({ ...CLAIMS, ...times, ...extra })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(senco.sub)
        .setIssuer(DEV_ISSUER)
        .setAudience(DEV_AUDIENCE);
      return jwt.sign(privateKey);
    };
    verifierAt = (now, options = {}) =>
      createUserTokenVerifier({
        issuer: DEV_ISSUER,
        audience: DEV_AUDIENCE,
        jwks,
        now: () => now,
        ...options,
      });
  });

  const accepts = async (token: string, now = NOW, options = {}) =>
    expect(await verifierAt(now, options).verify(token)).toEqual(senco);
  const refuses = async (token: string, message: string | RegExp, now = NOW, options = {}) =>
    expect(verifierAt(now, options).verify(token)).rejects.toThrow(message);

  it('defaults: one hour of lifetime, one minute of clock skew', () => {
    expect(USER_TOKEN_TIMES).toEqual({ maxLifetimeSeconds: 3600, clockSkewSeconds: 60 });
  });

  it('accepts an ordinary token: issued now, valid for an hour', async () => {
    await accepts(await sign({ iat: T, exp: T + 3600 }));
    // …and one issued 50 minutes ago with 10 minutes left.
    await accepts(await sign({ iat: T - 3000, exp: T + 600 }));
  });

  it('refuses a token without exp, however recent', async () => {
    await refuses(
      await sign({ iat: T }),
      'Token has no expiry time (exp): the hub accepts only tokens that expire.',
    );
    await refuses(await sign({}), /no expiry time/);
  });

  it('refuses a token issued in the future beyond the skew; accepts one within it', async () => {
    await refuses(
      await sign({ iat: T + 120, exp: T + 1800 }),
      "Token was issued in the future (iat), more than 60 s ahead of this hub's clock.",
    );
    await refuses(await sign({ iat: T + 61, exp: T + 1800 }), /issued in the future/);
    await accepts(await sign({ iat: T + 60, exp: T + 1800 }));
    await accepts(await sign({ iat: T + 30, exp: T + 1800 }));
  });

  it('refuses a token that would live longer than the maximum (exp - iat)', async () => {
    await refuses(
      await sign({ iat: T, exp: T + 3601 }),
      'Token lives longer than the 3600 s this hub accepts (exp - iat = 3601 s).',
    );
    // Issued long ago: still refused although only an hour is left.
    await refuses(await sign({ iat: T - 7200, exp: T + 3600 }), /lives longer/);
    await refuses(await sign({ iat: T, exp: T + 10 * 365 * 24 * 3600 }), /lives longer/);
  });

  it('without iat, measures the lifetime from now (allowing the skew)', async () => {
    await accepts(await sign({ exp: T + 3600 }));
    await accepts(await sign({ exp: T + 3660 }));
    await refuses(
      await sign({ exp: T + 3661 }),
      'Token lives longer than the 3600 s this hub accepts (exp - now = 3661 s).',
    );
    await refuses(await sign({ exp: T + 30 * 24 * 3600 }), /lives longer/);
  });

  it('exp and nbf are checked with the skew', async () => {
    const token = await sign({ iat: T - 3000, exp: T - 30 });
    await accepts(token);
    await refuses(await sign({ iat: T - 3000, exp: T - 61 }), 'Token has expired.');
    await refuses(await sign({ iat: T, nbf: T + 120, exp: T + 600 }), 'Token is not valid yet (nbf).');
    await accepts(await sign({ iat: T, nbf: T + 30, exp: T + 600 }));
  });

  it('the same token expires as the clock moves on', async () => {
    const token = await sign({ iat: T, exp: T + 900 });
    await accepts(token, at(900 + 59));
    await refuses(token, 'Token has expired.', at(900 + 60));
  });

  it('refuses non-numeric times', async () => {
    await refuses(await sign({ exp: T + 600 }, { iat: 'yesterday' }), 'Token claim "iat" is not accepted.');
    await refuses(await sign({ iat: T }, { exp: '2030-01-01' }), 'Token claim "exp" is not accepted.');
  });

  it('maximum lifetime and skew are configurable, and refused when nonsensical', async () => {
    const twoHours = await sign({ iat: T, exp: T + 7200 });
    await refuses(twoHours, /lives longer/);
    await accepts(twoHours, NOW, { maxLifetimeSeconds: 7200 });
    const early = await sign({ iat: T + 5, exp: T + 600 });
    await accepts(early);
    await refuses(early, /more than 0 s ahead/, NOW, { clockSkewSeconds: 0 });
    expect(() => verifierAt(NOW, { maxLifetimeSeconds: 0 })).toThrow(/maxLifetimeSeconds/);
    expect(() => verifierAt(NOW, { maxLifetimeSeconds: Number.NaN })).toThrow(/maxLifetimeSeconds/);
    expect(() => verifierAt(NOW, { clockSkewSeconds: -1 })).toThrow(/clockSkewSeconds/);
    expect(() => verifierAt(NOW, { clockSkewSeconds: 3600 })).toThrow(/clockSkewSeconds/);
  });

  it("the demo identity provider's tokens pass with the defaults", async () => {
    const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'hub-auth-times-')));
    const verifier = createUserTokenVerifier({
      issuer: DEV_ISSUER,
      audience: DEV_AUDIENCE,
      jwksFile: issuer.jwksFile,
    });
    expect(await verifier.verify(await issuer.sign(senco))).toEqual(senco);
    await expect(verifier.verify(await issuer.sign(senco, { expiresIn: '8h' }))).rejects.toThrow(
      /lives longer than the 3600 s/,
    );
  });
});

describe('service token times', () => {
  const secret = 's'.repeat(40);
  const key = new TextEncoder().encode(secret);
  const forge = (times: { iat?: number; exp?: number }) =>
    new SignJWT({ ...times })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('urn:tell-it-once:gateway')
      .setAudience('urn:tell-it-once:service:audit-writer')
      .setSubject('gateway')
      .setJti('req-1')
      .sign(key);
  const verifyAt = (token: string, now: Date) =>
    verifyServiceToken(secret, 'audit-writer', token, { now: () => now });

  it('defaults: 60 s of lifetime, 10 s of skew; what the gateway signs passes', async () => {
    expect(SERVICE_TOKEN_TIMES).toEqual({ maxLifetimeSeconds: 60, clockSkewSeconds: 10 });
    const token = await signServiceToken(secret, 'audit-writer', 'req-2');
    expect(await verifyServiceToken(secret, 'audit-writer', token)).toEqual({
      service: 'gateway',
      requestId: 'req-2',
    });
    expect(await verifyAt(await forge({ iat: T, exp: T + 60 }), at(69))).toMatchObject({
      service: 'gateway',
    });
  });

  it('refuses a correctly signed token that lacks exp or iat, lives too long, or comes from the future', async () => {
    await expect(verifyAt(await forge({ iat: T }), NOW)).rejects.toThrow(/Service token is missing/);
    await expect(verifyAt(await forge({ exp: T + 60 }), NOW)).rejects.toThrow(/Service token is missing/);
    await expect(verifyAt(await forge({ iat: T, exp: T + 3600 }), NOW)).rejects.toThrow(
      'Service token lives longer than the 60 s this hub accepts (exp - iat = 3600 s).',
    );
    await expect(verifyAt(await forge({ iat: T + 30, exp: T + 90 }), NOW)).rejects.toThrow(
      "Service token was issued in the future (iat), more than 10 s ahead of this hub's clock.",
    );
    await expect(verifyAt(await forge({ iat: T, exp: T + 60 }), at(70))).rejects.toThrow(
      /Service token is missing, expired/,
    );
  });
});

describe('issueTimes: iat and exp from one reading of the clock', () => {
  it('keeps exp - iat exactly the lifetime, even at the last millisecond of a second', () => {
    // 12:00:00.999: a second reading of the clock 1 ms later would be in the next second.
    expect(issueTimes('60s', Date.UTC(2026, 11, 2, 12, 0, 0, 999))).toEqual({
      iat: Date.UTC(2026, 11, 2, 12, 0, 0) / 1000,
      exp: Date.UTC(2026, 11, 2, 12, 1, 0) / 1000,
    });
    for (const [lifetime, seconds] of [
      [60, 60],
      ['90', 90],
      ['15m', 900],
      ['1h', 3600],
      ['2d', 172_800],
      ['-1m', -60],
    ] as const) {
      const { iat, exp } = issueTimes(lifetime);
      expect(exp - iat, String(lifetime)).toBe(seconds);
    }
  });

  it('refuses a lifetime it cannot read', () => {
    expect(() => durationSeconds('soon')).toThrow(/Not a duration/);
  });
});
