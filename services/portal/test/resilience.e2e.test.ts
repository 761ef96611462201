import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, startHub, type TestHub } from '../../gateway/test/hub.ts';
import { CHROMIUM_ARGS, checkScreen, describeViolations, findChromium } from './browser.ts';
import { builtPortal, tabTo } from './journey.ts';

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
    const dir = await builtPortal();
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
      // The first question the record page asks gets a proxy's 502 page.
      await page.route('**/graphql', (route) =>
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
      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Try again' }).click();
      await poll(() => heading(page)).toContain(fullName(child));
      // Every section is there after the retry.
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
      const versions = async () =>
        (
          await hub.subgraphs.record.db.query<{ n: string }>(
            'select count(*)::text as n from record.family_information_version where child_id = $1',
            [child.id],
          )
        )[0]?.n;
      const before = await versions();
      // A double click saves once (the second press would otherwise meet the first as a conflict).
      await page.getByRole('button', { name: 'Save', exact: true }).dblclick();
      await page
        .getByRole('status')
        .getByText(/^Saved\./)
        .waitFor();
      await page.waitForLoadState('networkidle');
      expect(await versions()).toBe(String(Number(before) + 1));
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      // Saved: the kept copy is gone, so a reload shows what the hub holds (the same words).
      await page.reload();
      await poll(() => whatHelps.inputValue()).toBe(typed);
      expect(await page.getByTestId('kept-draft').count()).toBe(0);

      // The network fails as they save a change: a clear message, the words kept, nothing saved;
      // back on line, one press saves it once.
      const changed = `${typed} Ear defenders in assembly.`;
      await whatHelps.fill(changed);
      await page.route('**/graphql', (route) =>
        route.request().postData()?.includes('mutation') ? route.abort('connectionreset') : route.continue(),
      );
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await poll(() => page.getByTestId('error-summary').innerText()).toMatch(
        /Sorry, the service could not be reached/,
      );
      expect(await whatHelps.inputValue()).toBe(changed);
      expect(await versions()).toBe(String(Number(before) + 1));
      await screen(page, `r04b-about-me-network-failure-${width}`);
      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page
        .getByRole('status')
        .getByText(/^Saved\./)
        .waitFor();
      await page.waitForLoadState('networkidle');
      expect(await versions()).toBe(String(Number(before) + 2));
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      await page.reload();
      await poll(() => whatHelps.inputValue()).toBe(changed);
    });
  }

  // Every user group's main screen: a reload, a new tab (sign in there, land on the same page), a
  // network failure (one message, one "Try again"), an ended sign-in (back on the same page), and
  // axe-core at 1280 and 390 px. Journeys of their own are in the per-group files; this makes sure
  // no group's screen was left out of "leave and come back".
  const groups: {
    group: string;
    sub: () => string;
    route: () => string;
    ready: (page: Page) => Promise<unknown>;
    keyboard?: (page: Page) => Promise<void>;
  }[] = [
    {
      group: 'parent carer',
      sub: () => decisionMaker(hub.dataset, schoolChild()).sub,
      route: () => `#/family/${schoolChild().id}`,
      ready: (page) => poll(() => heading(page)).toContain(fullName(schoolChild())),
      // Keyboard only on the record page: write "about me" and save it, then on to the sharing choices.
      keyboard: async (page) => {
        const typed = 'Synthetic keyboard note: likes a visual timetable.';
        await tabTo(page, page.getByLabel('What helps', { exact: true }), 150);
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(typed);
        await tabTo(page, page.getByRole('button', { name: 'Save', exact: true }), 20);
        await page.keyboard.press('Enter');
        await page
          .getByRole('status')
          .getByText(/^Saved\./)
          .waitFor();
        await tabTo(page, page.getByRole('link', { name: /See or change .* sharing choices/ }), 150);
        await page.keyboard.press('Enter');
        await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
        await poll(() => page.locator('[data-choice]').count()).toBe(27);
        const saved = await hub.subgraphs.record.db.query<{ n: string }>(
          `select count(*)::text as n from record.family_information_version where child_id = $1`,
          [schoolChild().id],
        );
        expect(Number(saved[0]?.n)).toBeGreaterThan(0);
      },
    },
    {
      group: 'young person deciding for themself',
      sub: () => youngPerson().youngPersonSub as string,
      route: () => `#/family/${youngPerson().id}`,
      ready: (page) =>
        page
          .locator('[data-section="parent-access"]')
          .getByText(/they (can|cannot) see it/)
          .waitFor(),
      // Keyboard only: from the record to the sharing choices.
      keyboard: async (page) => {
        await tabTo(page, page.getByRole('link', { name: 'See or change your sharing choices' }));
        await page.keyboard.press('Enter');
        await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
        await poll(() => page.locator('[data-choice]').count()).toBe(27);
      },
    },
    {
      group: 'SENCO',
      sub: () => 'demo-senco-1',
      route: () => `#/child/${schoolChild().id}`,
      ready: (page) => poll(() => heading(page)).toContain(fullName(schoolChild())),
      // Keyboard only on the record page: change why they are looking (the record follows), then
      // back to the search.
      keyboard: async (page) => {
        await tabTo(page, page.locator('summary', { hasText: 'Change why you are looking' }), 150);
        await page.keyboard.press('Enter');
        await page.keyboard.press('Tab'); // to the chosen reason (a radio group is one Tab stop)
        expect(await page.evaluate('document.activeElement?.id')).toBe('purpose-ehc_assessment');
        await page.keyboard.press('ArrowDown'); // arrow keys move and select
        await poll(() => page.locator('main .lead').innerText()).toContain(
          'You are looking for: Annual review',
        );
        await page.locator('[data-section="education"]').waitFor();
        await tabTo(
          page,
          page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }),
          150,
        );
        await page.keyboard.press('Enter');
        await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
        await poll(() => heading(page)).toMatch(/Find a child$/);
      },
    },
    {
      group: 'NHS practitioner',
      sub: () => 'demo-health-1',
      route: () => '#/assessments',
      ready: (page) => page.getByText(/requests?, oldest first|is not waiting for health advice/).waitFor(),
    },
    {
      group: 'social worker',
      sub: () => 'demo-social-1',
      route: () => `#/child/${allocatedChild().id}`,
      ready: (page) => poll(() => heading(page)).toContain(fullName(allocatedChild())),
    },
    {
      group: 'council SEND officer',
      sub: () => 'demo-la-1',
      route: () => '#/dashboard',
      ready: (page) => page.getByTestId('kpis').waitFor(),
      // Keyboard only: from the dashboard to a child's record through the search.
      keyboard: async (page) => {
        await tabTo(
          page,
          page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Find a child' }),
        );
        await page.keyboard.press('Enter');
        await tabTo(page, page.getByLabel('Child’s name'));
        await page.keyboard.type(schoolChild().familyName);
        await page.keyboard.press('Enter');
        const link = page.getByRole('link', { name: fullName(schoolChild()) });
        await tabTo(page, link);
        await page.keyboard.press('Enter');
        await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
        await poll(() => heading(page)).toContain(fullName(schoolChild()));
      },
    },
    {
      group: 'auditor',
      sub: () => 'demo-auditor-1',
      route: () => '#/audit',
      ready: (page) => page.getByTestId('audit-events').locator('tbody tr').first().waitFor(),
    },
  ];

  const youngPerson = () => {
    const today = new Date().toISOString().slice(0, 10);
    const child = hub.dataset.children.find(
      (c) => c.youngPersonSub && c.dateOfBirth <= `${Number(today.slice(0, 4)) - 17}${today.slice(4)}`,
    );
    if (!child) throw new Error('no synthetic young person of 17 or over');
    return child;
  };
  const allocatedChild = () => {
    const child = hub.dataset.children.find((c) => c.socialCare?.allocatedWorker?.organisationId === 'sc-1');
    if (!child) throw new Error('no child allocated to sc-1');
    return child;
  };

  for (const { group, sub, route, ready, keyboard } of groups) {
    it(`${group}: reload, new tab, network failure, ended sign-in${keyboard ? ', keyboard only' : ''}; axe at 1280 and 390 px`, async () => {
      const slug = group.split(' ')[0]?.toLowerCase();
      const page = await signIn(sub(), 1280);
      const url = `${base}${route()}`;
      await page.goto(url);
      await ready(page);
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForLoadState('networkidle');
        await screen(page, `r09-${slug}-${width}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });

      // Reload: the same page.
      await page.reload();
      await ready(page);

      // A new tab has no session: sign in there, and land on the page asked for.
      const tab = await page.context().newPage();
      await tab.goto(url);
      await poll(() => heading(tab)).toBe('Sign in');
      await signInHere(tab, sub());
      await ready(tab);
      expect(tab.url()).toBe(url);
      await tab.close();

      // The network fails: one message and one "Try again", which loads the page.
      await page.route('**/graphql', (r) => r.abort('connectionreset'));
      await page.reload();
      await page.getByTestId('load-failed').waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Try again' }).click();
      await ready(page);
      expect(await page.getByTestId('load-failed').count()).toBe(0);

      // The sign-in ends (expired or revoked token): sign in again, back on the same page.
      await page.evaluate("sessionStorage.setItem('hub.token', 'an-expired-token')");
      await page.reload();
      await page.getByTestId('session-ended').waitFor();
      await signInHere(page, sub());
      await ready(page);
      expect(page.url()).toBe(url);

      if (keyboard) await keyboard(page);
    }, 240_000);
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
