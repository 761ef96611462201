import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, startHub, type TestHub } from '../../gateway/test/hub.ts';
import { buildPortal } from '../src/build.ts';
import { CHROMIUM_ARGS, checkScreen, describeViolations, findChromium } from './browser.ts';

// Leaving and coming back (issue 15): network failures, 502s, a failed start-up query, reload,
// a new tab, a bookmarked page path, an ended sign-in; page titles, the error summary and
// plain-English errors; a family's "who has looked". The whole hub in this process, one
// Chromium, one browser context per user; axe-core and a screenshot on each screen.
const executablePath = findChromium();
// The machine running the tests may be busy: wait for the page up to 15 s (vitest's default is 1 s).
// Generous bounds for the same reason (a test here drives several pages and a whole hub).
const test = (name: string, body: () => Promise<void>) => it(name, body, 120_000);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const WIDTHS = [1280, 390] as const;
const TITLE = ' – Tell it once – GOV.UK';

describe.skipIf(!executablePath && !inCi)('portal: failures, reloads, new tabs and ended sign-ins', () => {
  let hub: TestHub;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];

  async function screen(page: Page, name: string) {
    const violations = await checkScreen(page, name);
    expect(violations, describeViolations(name, violations)).toEqual([]);
  }

  async function newPage(width: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return page;
  }

  /** Signs in on the page as it is (the sign-in page must be showing). */
  async function signInHere(page: Page, sub: string) {
    await page.getByLabel('Who do you want to sign in as?').selectOption(sub);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
  }

  async function signIn(sub: string, width: number): Promise<Page> {
    const page = await newPage(width);
    await page.goto(base);
    await signInHere(page, sub);
    return page;
  }

  const heading = (page: Page) => page.locator('main h1').innerText();
  const fullName = (c: { givenName: string; familyName: string }) => `${c.givenName} ${c.familyName}`;

  beforeAll(async () => {
    if (!executablePath) throw new Error('Chromium is not installed (apt-get install -y chromium).');
    const dir = await buildPortal({ outDir: mkdtempSync(join(tmpdir(), 'hub-portal-')) });
    hub = await startHub({ portal: { dir } });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await chromium.launch({ executablePath: executablePath as string, args: CHROMIUM_ARGS });
  }, 180_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await hub?.close();
  });

  const schoolChild = () => {
    const child = hub.dataset.children.find((c) => c.schoolId === 'school-1');
    if (!child) throw new Error('no child at school-1');
    return child;
  };

  for (const width of WIDTHS) {
    test(`record page: a network failure says so and "Try again" loads it (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signIn('demo-senco-1', width);
      // Every GraphQL request fails at the network level (connection dropped).
      await page.route('**/graphql', (route) => route.abort('connectionreset'));
      await page.goto(`${base}#/child/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      const problem = page.getByTestId('load-failed');
      await poll(() => problem.innerText()).toMatch(/Sorry, the service could not be reached/);
      expect(await page.title()).toBe(`Record could not be loaded${TITLE}`);
      await screen(page, `r01-record-network-failure-${width}`);

      await page.unroute('**/graphql');
      await problem.getByRole('button', { name: 'Try again' }).click();
      await poll(() => heading(page)).toContain(fullName(child));
      expect(await page.getByTestId('load-failed').count()).toBe(0);
      expect(await page.title()).toBe(`${fullName(child)}${TITLE}`);
    });

    test(`a failed start-up query (502) does not hide sections for the rest of the session (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signIn('demo-senco-1', width);
      // The first question the record page asks (what the hub offers) gets a proxy's 502 page.
      await page.route('**/capabilities', (route) =>
        route.fulfill({
          status: 502,
          contentType: 'text/html',
          body: '<html><h1>502 Bad Gateway</h1></html>',
        }),
      );
      await page.goto(`${base}#/child/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      await poll(() => page.getByTestId('load-failed').innerText()).toMatch(
        /Sorry, there is a problem with the service/,
      );
      await page.unroute('**/capabilities');
      await page.getByRole('button', { name: 'Try again' }).click();
      await poll(() => heading(page)).toContain(fullName(child));
      // The EHC section is asked for only when the hub offers it: it is there after the retry.
      await page.locator('[data-section="ehc"]').waitFor();
      await page.locator('[data-section="education"]').waitFor();
    });

    test(`family page: a 502 from the gateway says so and "Try again" loads it (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signIn(decisionMaker(hub.dataset, child).sub, width);
      await page.route('**/graphql', (route) =>
        route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>' }),
      );
      await page.goto(`${base}#/family/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      await poll(() => page.getByTestId('load-failed').innerText()).toMatch(
        /Sorry, there is a problem with the service/,
      );
      // One failure, one message and one action: the page-wide panel and its "Try again"; the
      // sharing choices and the other sections say they could not be loaded, with no summary,
      // alert or button of their own.
      await poll(() => page.getByText('The sharing choices could not be loaded.').count()).toBe(1);
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      await screen(page, `r02-family-502-${width}`);

      // The same on a page of the sharing choices journey.
      await page.goto(`${base}#/family/${child.id}/sharing`);
      await poll(() => page.getByText('Your sharing choices could not be loaded.').count()).toBe(1);
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await page.getByTestId('error-summary').count()).toBe(0);

      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Try again' }).click();
      // "Try again" draws the page afresh: the choices are there.
      await page.locator('[data-choice]').first().waitFor();
      expect(await page.getByTestId('load-failed').count()).toBe(0);
      await page.goto(`${base}#/family/${child.id}`);
      await poll(() => heading(page)).toContain(fullName(child));
      await page
        .getByTestId('sharing-overview')
        .getByRole('link', { name: /sharing choices/ })
        .waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    });
  }

  test('a record survives a reload, a new tab and a bookmarked page path (back there after signing in)', async () => {
    const child = schoolChild();
    const page = await signIn('demo-senco-1', 1280);
    await page.goto(`${base}#/child/${child.id}`);
    await poll(() => heading(page)).toContain(fullName(child));
    await page.reload();
    await poll(() => heading(page)).toContain(fullName(child));

    // A new tab has its own session (sessionStorage): it asks to sign in, then shows the record.
    const tab = await page.context().newPage();
    await tab.goto(`${base}#/child/${child.id}`);
    await poll(() => heading(tab)).toBe('Sign in');
    expect(await tab.title()).toBe(`Sign in${TITLE}`);
    await signInHere(tab, 'demo-senco-1');
    await poll(() => heading(tab)).toContain(fullName(child));

    // A page path (not a #/ route), as a bookmark or a pasted link might have it.
    const pasted = await page.context().newPage();
    await pasted.goto(`${base}child/${child.id}`);
    await signInHere(pasted, 'demo-senco-1');
    await poll(() => heading(pasted)).toContain(fullName(child));
    expect(new URL(pasted.url()).hash).toBe(`#/child/${child.id}`);
    await screen(pasted, 'r03-record-after-new-tab-sign-in');
  });

  for (const width of WIDTHS) {
    test(`an ended sign-in keeps what the family typed and brings them back to it (${width} px)`, async () => {
      const child = hub.dataset.children.filter((c) => c.schoolId === 'school-1')[width === 1280 ? 1 : 2]!;
      const family = decisionMaker(hub.dataset, child);
      const page = await signIn(family.sub, width);
      await page.goto(`${base}#/family/${child.id}`);
      await poll(() => heading(page)).toContain(fullName(child));
      const typed = `Synthetic note ${width}: a quiet corner at break time.`;
      const whatHelps = page.getByLabel('What helps', { exact: true });
      await whatHelps.fill(typed);

      // The token expires (or is revoked) while they type: the gateway answers 401.
      await page.evaluate("sessionStorage.setItem('hub.token', 'an-expired-token')");
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await poll(() => heading(page)).toBe('Sign in');
      await page.getByTestId('session-ended').waitFor();
      await screen(page, `r04-sign-in-ended-${width}`);

      await signInHere(page, family.sub);
      await poll(() => heading(page)).toContain(fullName(child));
      await poll(() => whatHelps.inputValue()).toBe(typed);
      await page.getByTestId('kept-draft').waitFor();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page
        .getByRole('status')
        .getByText(/^Saved\./)
        .waitFor();
      // Saved: the kept copy is gone, so a reload shows what the hub holds (the same words).
      await page.reload();
      await poll(() => whatHelps.inputValue()).toBe(typed);
      expect(await page.getByTestId('kept-draft').count()).toBe(0);
    });
  }

  test('titles, the error summary and error messages, by keyboard alone', async () => {
    const page = await newPage(1280);
    await page.goto(base);
    await poll(() => page.title()).toBe(`Sign in${TITLE}`);
    // Submit with nothing chosen, by keyboard.
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    const summary = page.getByTestId('error-summary');
    await summary.waitFor();
    await poll(() => page.evaluate('document.activeElement?.dataset?.testid')).toBe('error-summary');
    expect(await page.title()).toBe(`Error: Sign in${TITLE}`);
    // The field carries its own message, linked by aria-describedby and marked invalid.
    const select = page.locator('#user');
    expect(await select.getAttribute('aria-describedby')).toBe('user-hint user-error');
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#user-error').innerText()).toContain('Select who you want to sign in as');
    await screen(page, 'r05-sign-in-error-summary');
    // The summary's link takes focus to the field.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe(
      'Select who you want to sign in as',
    );
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate('document.activeElement?.id')).toBe('user');
    await page.keyboard.press('Tab'); // to the button
    await select.selectOption('demo-senco-1');
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => page.title()).toBe(`Find a child${TITLE}`);

    // A search that is too short: the same pattern on the search page.
    await page.getByLabel('Child’s name').fill('a');
    await page.getByLabel('Child’s name').press('Enter');
    await poll(() => page.title()).toBe(`Error: Find a child${TITLE}`);
    expect(await page.getByLabel('Child’s name').getAttribute('aria-describedby')).toBe(
      'child-name-hint child-name-error',
    );
    await screen(page, 'r06-search-error');
  });

  test('no internal names reach the user: a broken link reads in plain English', async () => {
    const page = await signIn('demo-senco-1', 1280);
    await page.goto(`${base}#/child/not-a-child-id`);
    await poll(() => heading(page)).toMatch(/Record not available$/);
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/link you followed is not complete or not right/);
    expect(text).not.toMatch(/UUID|Child\.|\$id|Variable|GraphQL/);
    expect(await page.title()).toBe(`Error: Record not available${TITLE}`);
    await screen(page, 'r07-broken-link');
  });

  test('who has looked: organisation names, UK time, one block per organisation, not the family’s own looks', async () => {
    const child = hub.dataset.children.filter((c) => c.schoolId === 'school-1')[3]!;
    const senco = await signIn('demo-senco-1', 1280);
    // Two looks by the same school.
    await senco.goto(`${base}#/child/${child.id}`);
    await poll(() => heading(senco)).toContain(fullName(child));
    await senco.reload();
    await poll(() => heading(senco)).toContain(fullName(child));
    const family = decisionMaker(hub.dataset, child);
    for (const width of WIDTHS) {
      const page = await signIn(family.sub, width);
      await page.goto(`${base}#/family/${child.id}`);
      const history = page.locator('[data-section="access-history"]');
      await history.getByTestId('access-history').waitFor();
      const text = await history.innerText();
      expect(text).toMatch(/Synthetic Primary School 1\s+Looked \d+ times, by SENCO/);
      expect(await history.getByRole('heading', { name: 'Synthetic Primary School 1' }).count()).toBe(1);
      expect(text).not.toMatch(/\bschool-1\b|UTC|parent or carer|young person/);
      // GOV.UK time style in England: "2 December 2026 at 10:05am".
      expect(text).toMatch(
        /Last looked \d{1,2} [A-Z][a-z]+ \d{4} at (\d{1,2}(:\d{2})?(am|pm)|midday|midnight)/,
      );
      await screen(page, `r08-family-who-has-looked-${width}`);
    }
  });
});
