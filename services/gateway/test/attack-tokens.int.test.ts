import { generateKeyPairSync, sign as signBytes } from 'node:crypto';
import { createUserTokenVerifier } from '@hub/auth';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/index.ts';
import { auditEventsOf, startHub, type TestHub } from './hub.ts';

const ISSUER = 'urn:test:attacker-friendly-idp';
const AUDIENCE = 'urn:tell-it-once:hub';

/**
 * Token claims attacked over HTTP: a gateway in front of the real subgraphs, trusting a key
 * this test holds, so the test can sign tokens an identity provider should never issue (no
 * expiry, issued in the future, valid for a year). Each gets 401 UNAUTHENTICATED with a
 * message that says what is wrong, and the refusal is audited. On 6c390e8 the tokens without
 * exp, with iat in the future and with a year of lifetime were all accepted and answered.
 */
describe('gateway refuses tokens with bad times, over HTTP', () => {
  let hub: TestHub;
  let gateway: FastifyInstance;
  let url: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  let n = 0;

  beforeAll(async () => {
    hub = await startHub({ children: 4 });
    // An ES256 JWT signed by hand (node:crypto), so a test can put any claims in it.
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'test', alg: 'ES256' }] };
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    sign = async (claims) => {
      const header = part({ alg: 'ES256', kid: 'test', typ: 'JWT' });
      const payload = part({
        sub: 'demo-senco-1',
        iss: ISSUER,
        aud: AUDIENCE,
        role: 'senco',
        org_id: 'school-1',
        org_type: 'school',
        ...claims,
      });
      const signature = signBytes('sha256', Buffer.from(`${header}.${payload}`), {
        key: privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${header}.${payload}.${signature.toString('base64url')}`;
    };
    gateway = buildApp(
      { INTERNAL_CONTEXT_SECRET: hub.secret, LOG_LEVEL: 'silent' },
      {
        verifier: createUserTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, jwks }),
        services: {
          record: hub.subgraphs.record.url,
          education: hub.subgraphs.education.url,
          health: hub.subgraphs.health.url,
          'social-care': hub.subgraphs['social-care'].url,
        },
        audit: hub.audit.url,
        retry: { count: 1, intervalMs: 100 },
      },
    );
    await gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = gateway.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/graphql`;
  });
  afterAll(async () => {
    await gateway?.close();
    await hub?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);

  async function ask(token: string) {
    const requestId = `token-attack-${++n}`;
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        'x-request-id': requestId,
      },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    const body = (await response.json()) as {
      data?: unknown;
      errors?: Array<{ message: string; extensions?: { code?: string } }>;
    };

    return {
      status: response.status,
      body,
      events: await auditEventsOf(hub, requestId),
      wwwAuthenticate: response.headers.get('www-authenticate'),
    };
  }

  it('a well-formed token is answered (control)', async () => {
    const result = await ask(await sign({ iat: now(), exp: now() + 600 }));
    expect(result.status).toBe(200);
    expect(result.body.data).toEqual({ __typename: 'Query' });
    expect(result.events.map((e) => e.actor.sub)).toContain('demo-senco-1');
  });

  it.each([
    [
      'no exp',
      () => ({ iat: now() }),
      'Token has no expiry time (exp): the hub accepts only tokens that expire.',
    ],
    [
      'no exp and no iat',
      () => ({}),
      'Token has no expiry time (exp): the hub accepts only tokens that expire.',
    ],
    [
      'iat ten minutes in the future',
      () => ({ iat: now() + 600, exp: now() + 1200 }),
      "Token was issued in the future (iat), more than 60 s ahead of this hub's clock.",
    ],
    [
      'a year of lifetime',
      () => ({ iat: now(), exp: now() + 365 * 24 * 3600 }),
      `Token lives longer than the 3600 s this hub accepts (exp - iat = ${365 * 24 * 3600} s).`,
    ],
    ['expired', () => ({ iat: now() - 1200, exp: now() - 600 }), 'Token has expired.'],
  ])('%s → 401 UNAUTHENTICATED, audited', async (_name, claims, message) => {
    const result = await ask(await sign(claims()));
    expect(result.status).toBe(401);
    expect(result.body.data ?? null).toBeNull();
    expect(result.body.errors).toEqual([{ message, extensions: { code: 'UNAUTHENTICATED' } }]);
    expect(result.wwwAuthenticate).toBe('Bearer error="invalid_token"');
    expect(result.events.length).toBeGreaterThan(0);
    expect(result.events.every((e) => e.actor.sub === null)).toBe(true);
  });
});
