import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from './errors.ts';
import { mapClaims, type OidcProviderInput, parseOidcProviders } from './oidc-providers.ts';
import { createOidcTokenVerifier, verifierByIssuer } from './oidc-verifier.ts';
import type { UserTokenVerifier } from './user-token.ts';

// The three kinds of provider the hub expects, written as an operator would configure them
// (docs/sign-in.md). Issuers, tenant ids and codes are made up.
const CIS2: OidcProviderInput = {
  id: 'cis2',
  name: 'NHS Care Identity Service 2',
  issuer: 'https://cis2.example.nhs.uk/openam/oauth2/realms/root/realms/NHSIdentity/realms/Healthcare',
  clientId: 'hub-portal',
  bearer: 'id_token',
  audience: 'hub-portal',
  scopes: ['openid', 'profile', 'nationalrbacaccess'],
  role: { claim: 'nhsid_nrbac_roles.role_code', map: { 'S0010:G0020:R8003': 'health_practitioner' } },
  organisation: { claim: 'nhsid_nrbac_roles.org_code', map: { X99T1: 'trust-1', X99I1: 'icb-1' } },
};
const ENTRA: OidcProviderInput = {
  id: 'council-999',
  name: 'Council 999 staff sign-in',
  issuer: 'https://login.example.com/00000000-0000-0000-0000-000000000999/v2.0',
  clientId: 'hub-portal-client',
  audience: 'api://tell-it-once-hub',
  scopes: ['openid', 'profile', 'api://tell-it-once-hub/Records.Read'],
  algorithms: ['RS256'],
  role: { claim: 'roles', map: { 'Send.Officer': 'la_send_officer', 'Audit.Reader': 'auditor' } },
  organisation: { claim: 'tid', map: { '00000000-0000-0000-0000-000000000999': 'la-1' } },
};
const ONE_LOGIN: OidcProviderInput = {
  id: 'gov-uk-one-login',
  name: 'GOV.UK One Login',
  issuer: 'https://oidc.example.account.gov.uk/',
  clientId: 'hub-families',
  bearer: 'id_token',
  audience: 'hub-families',
  subjects: {
    'urn:fdc:gov.uk:2022:synthetic-parent-1': { sub: 'demo-parent-1', role: 'parent_carer', orgId: 'family' },
  },
};

const [cis2, entra, oneLogin] = parseOidcProviders([CIS2, ENTRA, ONE_LOGIN]) as [
  ReturnType<typeof parseOidcProviders>[number],
  ReturnType<typeof parseOidcProviders>[number],
  ReturnType<typeof parseOidcProviders>[number],
];

describe('claims to hub role and organisation (configuration, deny by default)', () => {
  it('maps a CIS2-style professional by role and organisation codes in nested claims', () => {
    const payload = {
      sub: '555000111222',
      name: 'Synthetic Nurse',
      nhsid_nrbac_roles: [{ role_code: 'S0010:G0020:R8003', org_code: 'X99T1' }],
    };
    expect(mapClaims(cis2, payload)).toEqual({
      sub: 'cis2:555000111222',
      role: 'health_practitioner',
      orgId: 'trust-1',
      orgType: 'health',
      name: 'Synthetic Nurse',
    });
  });

  it('maps a council Entra ID app role and tenant to a SEND officer of that council', () => {
    const payload = { sub: 'abc', roles: ['Send.Officer'], tid: '00000000-0000-0000-0000-000000000999' };
    expect(mapClaims(entra, payload)).toMatchObject({
      sub: 'council-999:abc',
      role: 'la_send_officer',
      orgId: 'la-1',
      orgType: 'local_authority',
    });
  });

  it('links a GOV.UK One Login subject to the family member it was linked to', () => {
    expect(mapClaims(oneLogin, { sub: 'urn:fdc:gov.uk:2022:synthetic-parent-1' })).toEqual({
      sub: 'demo-parent-1',
      role: 'parent_carer',
      orgId: 'family',
      orgType: 'family',
    });
  });

  it('refuses whatever the tables do not list, and never guesses', () => {
    const refused = (provider: typeof cis2, payload: JWTPayload) => () => mapClaims(provider, payload);
    const tid = '00000000-0000-0000-0000-000000000999';
    // An unknown role value, no role claim at all, a role from another table.
    expect(refused(entra, { sub: 'a', roles: ['Payroll.Admin'], tid })).toThrow(
      /Your role at Council 999 staff sign-in \(claim "roles"\) does not give access/,
    );
    expect(refused(entra, { sub: 'a', tid })).toThrow(AuthError);
    expect(refused(entra, { sub: 'a', roles: ['S0010:G0020:R8003'], tid })).toThrow(AuthError);
    // Two roles that map to different hub roles: ambiguous, so refused.
    expect(refused(entra, { sub: 'a', roles: ['Send.Officer', 'Audit.Reader'], tid })).toThrow(
      /more than one role/,
    );
    // The right role in another council's tenant.
    expect(refused(entra, { sub: 'a', roles: ['Send.Officer'], tid: 'another-tenant' })).toThrow(
      /organisation .* is not set up/,
    );
    // Table keys are looked up as own keys only: nothing from Object.prototype maps.
    expect(refused(entra, { sub: 'a', roles: ['constructor'], tid })).toThrow(AuthError);
    expect(refused(entra, { sub: 'a', roles: ['Send.Officer'], tid: '__proto__' })).toThrow(AuthError);
    // A One Login subject nobody linked.
    expect(refused(oneLogin, { sub: 'urn:fdc:gov.uk:2022:someone-else' })).toThrow(
      'Your account at GOV.UK One Login is not linked to this service.',
    );
    expect(refused(oneLogin, {})).toThrow('Token has no subject (sub).');
  });

  it('checks the configuration at start-up and lists every problem', () => {
    const broken = [
      { ...ENTRA, issuer: 'http://idp.example.com' },
      { ...CIS2, id: 'cis2b', organisation: undefined },
      { ...ONE_LOGIN, subjects: undefined },
      { ...ENTRA, id: 'entra-2', role: { claim: 'roles', map: { Admin: 'superuser' } } },
      { ...ENTRA, id: 'entra-3', issuer: 'https://x.example', surprise: true },
    ];
    let message = '';
    try {
      parseOidcProviders(broken);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('0.issuer: must be https (http only on this machine)');
    expect(message).toContain('1.organisation: role and organisation are mapped together');
    expect(message).toContain('2.role: map a role and organisation, or give a subject link table');
    expect(message).toMatch(/3\.role\.map\.Admin/);
    expect(message).toMatch(/4: Unrecognized key: "surprise"/i);
    expect(() => parseOidcProviders([ENTRA, { ...ENTRA, id: 'same-issuer' }])).toThrow(/duplicate issuer/);
    expect(() => parseOidcProviders([{ ...ONE_LOGIN, issuer: 'http://127.0.0.1:4010' }])).not.toThrow();
  });

  it('reads a subject link table from its own file, relative to the configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-oidc-links-'));
    writeFileSync(
      join(dir, 'links.json'),
      JSON.stringify({
        'urn:fdc:synthetic-yp-1': { sub: 'demo-yp-1', role: 'young_person', orgId: 'family' },
      }),
    );
    const [p] = parseOidcProviders([{ ...ONE_LOGIN, subjects: undefined, subjectsFile: 'links.json' }], dir);
    expect(p && mapClaims(p, { sub: 'urn:fdc:synthetic-yp-1' })).toMatchObject({
      sub: 'demo-yp-1',
      role: 'young_person',
    });
  });
});

/**
 * The provider side for the verifier: a discovery document and a JWKS over real HTTP, whose
 * keys the test can rotate. (The portal's end-to-end test runs the real oidc-provider.)
 */
interface Key {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}
async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

describe('verifying a provider token by its JWKS', () => {
  let server: Server;
  let issuer: string;
  let published: Key[] = [];
  let discoveryIssuer: (issuer: string) => string = (i) => i;
  let jwksFetches = 0;
  let active: Key;

  const provider = () =>
    parseOidcProviders([
      {
        id: 'council',
        name: 'Council sign-in',
        issuer,
        clientId: 'hub-portal',
        audience: 'urn:hub',
        role: { claim: 'job', map: { 'SEND officer': 'la_send_officer' } },
        organisation: { value: 'la-1' },
      },
    ]);

  async function sign(
    claims: JWTPayload,
    options: { key?: Key; iss?: string; aud?: string; lifetime?: number } = {},
  ): Promise<string> {
    const key = options.key ?? active;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ job: 'SEND officer', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
      .setIssuer(options.iss ?? issuer)
      .setAudience(options.aud ?? 'urn:hub')
      .setSubject('officer-1')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.lifetime ?? 300))
      .sign(key.privateKey);
  }

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer: discoveryIssuer(issuer), jwks_uri: `${issuer}/jwks` }));
      } else if (req.url === '/jwks') {
        jwksFetches += 1;
        res.end(JSON.stringify({ keys: published.map((k) => k.publicJwk) }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    active = await newKey('key-1');
    published = [active];
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts the provider token and maps it; refuses other issuers, audiences, keys and lifetimes', async () => {
    const verifier = createOidcTokenVerifier({ providers: provider() });
    await expect(verifier.verify(await sign({ name: 'Synthetic Officer' }))).resolves.toEqual({
      sub: 'council:officer-1',
      role: 'la_send_officer',
      orgId: 'la-1',
      orgType: 'local_authority',
      name: 'Synthetic Officer',
    });
    await expect(verifier.verify(await sign({}, { iss: 'https://elsewhere.example' }))).rejects.toThrow(
      'Token issuer is not trusted.',
    );
    await expect(verifier.verify(await sign({}, { aud: 'urn:another-api' }))).rejects.toThrow(
      'Token claim "aud" is not accepted.',
    );
    // The right issuer's name on a token signed with a key the provider never published.
    await expect(verifier.verify(await sign({}, { key: await newKey('key-1') }))).rejects.toThrow(
      'Token signature is not valid.',
    );
    await expect(verifier.verify(await sign({}, { key: await newKey('forged') }))).rejects.toThrow(
      'Token was not signed by a trusted key.',
    );
    // Token-time policy as for every end-user token: at most an hour.
    await expect(verifier.verify(await sign({}, { lifetime: 7200 }))).rejects.toThrow(
      /lives longer than the 3600 s/,
    );
    // A role the table does not list, from a genuine token.
    await expect(verifier.verify(await sign({ job: 'Payroll' }))).rejects.toThrow(/does not give access/);
    // An HMAC token "signed" with the public key's bytes is refused before any key is used.
    const hmac = await new SignJWT({ job: 'SEND officer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(issuer)
      .setAudience('urn:hub')
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(active.publicJwk)));
    await expect(verifier.verify(hmac)).rejects.toThrow('Token algorithm is not accepted.');
    await expect(verifier.verify('not-a-jwt')).rejects.toThrow('Token is malformed.');
  });

  it('follows key rotation: a new key is fetched when a token names it, a retired key stops working', async () => {
    const verifier = createOidcTokenVerifier({ providers: provider(), jwks: { cooldownMs: 0 } });
    const old = active;
    await expect(verifier.verify(await sign({}))).resolves.toMatchObject({ role: 'la_send_officer' });
    const fetchesBefore = jwksFetches;

    // The provider publishes a new key beside the old one and signs with it.
    active = await newKey('key-2');
    published = [old, active];
    await expect(verifier.verify(await sign({}))).resolves.toMatchObject({ role: 'la_send_officer' });
    expect(jwksFetches).toBe(fetchesBefore + 1);

    // Then retires the old key: once the hub has refetched the set, old-key tokens are refused.
    published = [active];
    await expect(verifier.verify(await sign({}, { key: await newKey('key-3') }))).rejects.toThrow(
      'Token was not signed by a trusted key.',
    );
    await expect(verifier.verify(await sign({}, { key: old }))).rejects.toThrow(
      'Token was not signed by a trusted key.',
    );
    await expect(verifier.verify(await sign({}))).resolves.toMatchObject({ orgId: 'la-1' });
  });

  it('refuses a discovery document that names another issuer, and tries discovery again later', async () => {
    discoveryIssuer = () => 'https://impostor.example';
    const verifier = createOidcTokenVerifier({ providers: provider() });
    await expect(verifier.verify(await sign({}))).rejects.toThrow('Token could not be verified.');
    discoveryIssuer = (i) => i;
    await expect(verifier.verify(await sign({}))).resolves.toMatchObject({ role: 'la_send_officer' });
  });

  it('routes tokens by issuer between several verifiers and refuses unknown issuers', async () => {
    const oidc = createOidcTokenVerifier({ providers: provider() });
    const other: UserTokenVerifier = {
      verify: async () => ({ sub: 'x', role: 'auditor', orgId: 'la-1', orgType: 'audit' }),
    };
    const combined = verifierByIssuer(
      new Map<string, UserTokenVerifier>([
        [issuer, oidc],
        ['urn:other', other],
      ]),
    );
    await expect(combined.verify(await sign({}))).resolves.toMatchObject({ role: 'la_send_officer' });
    await expect(combined.verify(await sign({}, { iss: 'urn:other' }))).resolves.toMatchObject({
      role: 'auditor',
    });
    await expect(combined.verify(await sign({}, { iss: 'urn:third' }))).rejects.toThrow(
      'Token issuer is not trusted.',
    );
  });
});
