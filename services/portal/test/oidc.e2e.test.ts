import {
  accountsFromUsers,
  DEV_OIDC_CLIENT_ID,
  DEV_OIDC_RESOURCE,
  type DevOidcServer,
  devProviderConfig,
  listenDevOidc,
} from '@hub/dev-oidc';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../../gateway/test/hub.ts';
import { checkScreen, describeViolations, findChromium, launchBrowser } from './browser.ts';
import { builtPortal } from './journey.ts';

// End-to-end sign-in through a REAL OpenID Connect provider: panva's `oidc-provider` running on
// 127.0.0.1 (packages/dev-oidc), the whole hub in this process with the gateway trusting that
// provider by configuration (its JWKS, issuer, audience, claim mapping), and Chromium driving
// the portal: authorization code + PKCE, refresh, and RP-initiated logout.
const executablePath = findChromium();
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!executablePath && !inCi) {
  console.warn('OIDC e2e tests SKIPPED: Chromium not found (apt-get install -y chromium). In CI this fails.');
}

const SIGN_IN_BUTTON = 'Sign in with the local test sign-in';

function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe.skipIf(!executablePath && !inCi)('portal sign-in through a real OpenID Connect provider', () => {
  let hub: TestHub;
  let op: DevOidcServer;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  // Evaluated as strings: this file is checked as Node code, without the DOM library.
  const storage = (page: Page, key: string) =>
    page.evaluate(`sessionStorage.getItem(${JSON.stringify(key)})`) as Promise<string | null>;
  const setStorage = (page: Page, key: string, value: string) =>
    page.evaluate(`sessionStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(value)})`);
  const oidcState = async (page: Page) =>
    JSON.parse((await storage(page, 'hub.oidc')) ?? 'null') as {
      refreshToken?: string;
      idToken?: string;
      expiresAt: number;
    } | null;

  async function newPage(width = 1280): Promise<{ page: Page; authorizeUrls: URL[] }> {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.error('page error:', e.message));
    const authorizeUrls: URL[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === op.issuer && url.pathname === '/auth') authorizeUrls.push(url);
    });
    return { page, authorizeUrls };
  }

  /** From the portal's sign-in page through the provider's own page and back. */
  async function signInAtProvider(page: Page, sub: string) {
    await page.goto(base);
    await page.getByRole('button', { name: SIGN_IN_BUTTON }).click();
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.getByLabel('Account').selectOption(sub);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(base));
  }

  /** A SENCO's search for a child on the roll, then the record. */
  async function openRecord(page: Page) {
    const child = hub.dataset.children.find((c) => c.schoolId === 'school-1');
    if (!child) throw new Error('no synthetic child at school-1');
    await page.getByRole('link', { name: 'Find a child' }).click();
    await page.getByLabel('EHC needs assessment').check();
    await page.getByLabel('Child’s name').fill(child.familyName);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: `${child.givenName} ${child.familyName}` }).click();
    await page.locator('h1', { hasText: `${child.givenName} ${child.familyName}` }).waitFor();
    await page.locator('[data-section="education"]').waitFor();
    return child;
  }

  beforeAll(async () => {
    if (!executablePath) throw new Error('Chromium is not installed (apt-get install -y chromium).');
    const dir = await builtPortal();
    // The provider listens first (its issuer has its port), the gateway trusts it by
    // configuration, then the provider learns the portal's address (its redirect URI).
    op = await listenDevOidc();
    const accounts = [
      // startHub's data set (its reference date, 60 children, one council): the same synthetic users.
      ...accountsFromUsers(
        buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 60, councils: 1 }).demoUsers,
      ),
      // A real account whose job title the hub's configuration does not map.
      { sub: 'caretaker-1', name: 'Synthetic Caretaker', jobRole: 'Site caretaker', org: 'school-1' },
    ];
    hub = await startHub({ portal: { dir }, oidc: [devProviderConfig(op.issuer, accounts)] });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    await op.start({ portalOrigin: base, accounts, accessTokenTtl: 300 });
    browser = await launchBrowser(executablePath);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await hub?.close();
    await op?.close();
  });

  // The whole sign-in at a desktop and a phone width (the provider's page is its own; the
  // portal's pages before and after it are checked with axe-core at both).
  for (const width of [1280, 390]) {
    it(`signs in with the authorization code flow and PKCE, and shows a record (${width} px)`, async () => {
      const { page, authorizeUrls } = await newPage(width);
      await page.goto(base);
      await page.getByRole('button', { name: SIGN_IN_BUTTON }).waitFor();
      const violations = await checkScreen(page, `oidc-01-sign-in-${width}`);
      expect(violations, describeViolations(`oidc-01-sign-in at ${width} px`, violations)).toEqual([]);

      await signInAtProvider(page, 'demo-senco-1');
      await page.getByText('Signed in as').waitFor();
      await page.locator('.signed-in', { hasText: 'Demo SENCO (School 1)' }).waitFor();
      // The code and state are gone from the address bar.
      expect(new URL(page.url()).search).toBe('');

      // The authorization request: code flow, PKCE with S256, state, nonce, the hub as resource.
      const authorize = authorizeUrls[0];
      expect(authorize?.searchParams.get('response_type')).toBe('code');
      expect(authorize?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize?.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize?.searchParams.get('state')).toBeTruthy();
      expect(authorize?.searchParams.get('nonce')).toBeTruthy();
      expect(authorize?.searchParams.get('resource')).toBe(DEV_OIDC_RESOURCE);

      // The bearer token is the provider's access token for the hub, in the provider's words
      // (job title, organisation code): the gateway mapped them to a SENCO at school-1.
      const token = (await storage(page, 'hub.token')) ?? '';
      expect(jwtPayload(token)).toMatchObject({
        iss: op.issuer,
        aud: DEV_OIDC_RESOURCE,
        sub: 'demo-senco-1',
        job_role: 'Special educational needs co-ordinator',
        org: 'school-1',
      });
      expect(jwtPayload(token)).not.toHaveProperty('role');
      expect((await oidcState(page))?.refreshToken).toBeTruthy();
      expect(op.events.map((e) => e.name)).toContain('grant.success:authorization_code');

      await openRecord(page);
      const record = await checkScreen(page, `oidc-02-record-${width}`);
      expect(record, describeViolations(`oidc-02-record at ${width} px`, record)).toEqual([]);

      // A reload keeps the sign-in (sessionStorage) and the page.
      await page.reload();
      await page.locator('[data-section="education"]').waitFor();
    });
  }

  it('refreshes an access token about to expire, and once more when the gateway refuses one', async () => {
    const { page } = await newPage();
    await signInAtProvider(page, 'demo-senco-1');
    await page.getByText('Signed in as').waitFor();
    const first = await storage(page, 'hub.token');
    const firstRefresh = (await oidcState(page))?.refreshToken;

    // Time passes: the access token is about to expire. The next request refreshes it first.
    await setStorage(page, 'hub.oidc', JSON.stringify({ ...(await oidcState(page)), expiresAt: Date.now() }));
    await openRecord(page);
    const second = await storage(page, 'hub.token');
    expect(second).not.toBe(first);
    expect(jwtPayload(second ?? '')).toMatchObject({ iss: op.issuer, sub: 'demo-senco-1' });
    // The provider rotated the refresh token (a public client's refresh tokens are one-use).
    expect((await oidcState(page))?.refreshToken).not.toBe(firstRefresh);
    expect(op.events.map((e) => e.name)).toContain('grant.success:refresh_token');

    // The gateway refuses the token (here: its signature no longer matches): the portal
    // refreshes once and asks again, and the person sees the page, not the sign-in.
    await setStorage(page, 'hub.token', `${second?.slice(0, -4)}AAAA`);
    await page.reload();
    await page.locator('[data-section="education"]').waitFor();
    const third = await storage(page, 'hub.token');
    expect(third).not.toBe(second);
    expect(third?.endsWith('AAAA')).toBe(false);

    // When the refresh token is refused too, the sign-in has ended: back to the sign-in page.
    await setStorage(
      page,
      'hub.oidc',
      JSON.stringify({ ...(await oidcState(page)), refreshToken: 'not-a-refresh-token' }),
    );
    await setStorage(page, 'hub.token', 'not.a.token');
    await page.reload();
    await page.getByRole('button', { name: SIGN_IN_BUTTON }).waitFor();
    expect(await storage(page, 'hub.oidc')).toBeNull();
  });

  it('signing out ends the session at the provider and revokes the refresh token', async () => {
    const { page } = await newPage();
    await signInAtProvider(page, 'demo-senco-1');
    await page.getByText('Signed in as').waitFor();
    const refreshToken = (await oidcState(page))?.refreshToken ?? '';
    expect(refreshToken).not.toBe('');

    await page.getByRole('button', { name: 'Sign out' }).click();
    // The provider's own sign-out page (RP-initiated logout, with the ID token as hint).
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.getByRole('button', { name: 'Yes, sign out' }).click();
    // …which sends the browser back to the portal, signed out.
    await page.waitForURL((url) => url.href.startsWith(base));
    await page.getByRole('button', { name: SIGN_IN_BUTTON }).waitFor();
    expect(await storage(page, 'hub.token')).toBeNull();
    expect(await storage(page, 'hub.oidc')).toBeNull();
    expect(op.events.map((e) => e.name)).toContain('end_session.success');

    // The refresh token no longer works at the provider.
    const discovery = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string;
    };
    const refused = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base.replace(/\/$/, '') },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: DEV_OIDC_CLIENT_ID,
      }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');

    // And the provider's session is over: signing in again asks who you are.
    await page.getByRole('button', { name: SIGN_IN_BUTTON }).click();
    await page.waitForURL((url) => url.origin === op.issuer);
    await page.getByLabel('Account').waitFor();
  });

  it('refuses an account whose role the configuration does not map (deny by default)', async () => {
    const { page } = await newPage();
    await signInAtProvider(page, 'caretaker-1');
    await page
      .getByRole('alert')
      .filter({
        hasText:
          'Your role at the local test sign-in (claim "job_role") does not give access to this service.',
      })
      .waitFor();
    expect(await storage(page, 'hub.token')).toBeNull();
    expect(await page.getByText('Signed in as').count()).toBe(0);
    const violations = await checkScreen(page, 'oidc-03-refused');
    expect(violations, describeViolations('oidc-03-refused', violations)).toEqual([]);
  });
});
