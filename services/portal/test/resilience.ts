import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { decisionMaker, startHub, type TestHub } from '../../gateway/test/hub.ts';
import { homeFor } from '../app/nav.ts';
import {
  checkScreen,
  describeViolations,
  findChromium,
  launchBrowser,
  openTabs,
  seedSession,
  type Tabs,
} from './browser.ts';
import { builtPortal, tabTo } from './journey.ts';

// Leaving and coming back (issue 15): network failures, 502s, a failed start-up query, reload,
// a new tab, a bookmarked page path, an ended sign-in; page titles, the error summary and
// plain-English errors; a family's "who has looked". The set-up shared by the three files that
// test it, one per set of user groups so that vitest's two workers share the work:
// resilience-family (parent carers, young people), resilience-school (SENCO, the sign-in page)
// and resilience-agencies (NHS, social worker, council, auditor). Each file: the whole hub in its
// process, the run's one Chromium, one tab per user (openTabs in browser.ts: its own sessionStorage,
// as a browser context of its own would give); axe-core (and a screenshot when asked) on each screen.
export const executablePath = findChromium();
// The machine running the tests may be busy: wait for the page up to 15 s (vitest's default is 1 s).
// Generous bounds for the same reason (a test here drives several pages and a whole hub).
export const test = (name: string, body: () => Promise<void>) => it(name, body, 120_000);
export const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });
const inCi = process.env.CI === 'true' || process.env.CI === '1';
/** Locally, a machine without Chromium skips; in CI that is a failure (beforeAll throws). */
export const skipBrowser = !executablePath && !inCi;
export const WIDTHS = [1280, 390] as const;
export const TITLE = ' – Tell it once – GOV.UK';
/** The describe block of every resilience file (the tests' full names are as they were in one file). */
export const DESCRIBE = 'portal: failures, reloads, new tabs and ended sign-ins';

export interface Resilience {
  readonly hub: TestHub;
  readonly base: string;
  screen(page: Page, name: string): Promise<void>;
  newPage(width: number): Promise<Page>;
  /** Signs in through the sign-in screen on the page as it is (the sign-in page must be showing). */
  signInHere(page: Page, sub: string): Promise<void>;
  /**
   * A new page whose session is seeded (seedSession in browser.ts), not typed in: it shows nothing
   * yet, and the test goes where it wants (after setting up a failing network, say). The sign-in
   * screen itself is driven in each group's main-screen test (a new tab, an ended sign-in).
   */
  signedIn(sub: string, width: number): Promise<Page>;
  heading(page: Page): Promise<string>;
  fullName(c: { givenName: string; familyName: string }): string;
  schoolChild(): TestHub['dataset']['children'][number];
  youngPerson(): TestHub['dataset']['children'][number];
  allocatedChild(): TestHub['dataset']['children'][number];
}

/** Starts the hub and Chromium before the file's tests (beforeAll) and stops them after. */
export function resilienceHub(): Resilience {
  let hub: TestHub;
  let browser: Browser;
  let base: string;
  let tabs: Tabs;

  async function screen(page: Page, name: string) {
    const violations = await checkScreen(page, name);
    expect(violations, describeViolations(name, violations)).toEqual([]);
  }

  async function newPage(width: number): Promise<Page> {
    const page = await tabs.open({ width, height: 800 });
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function signInHere(page: Page, sub: string) {
    await page.getByLabel('Who do you want to sign in as?').selectOption(sub);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Signed in as').waitFor();
  }

  async function signedIn(sub: string, width: number): Promise<Page> {
    const page = await newPage(width);
    await seedSession(page, base, sub);
    return page;
  }

  beforeAll(async () => {
    if (!executablePath) throw new Error('Chromium is not installed (apt-get install -y chromium).');
    const dir = await builtPortal();
    hub = await startHub({ portal: { dir } });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await launchBrowser(executablePath as string);
    tabs = await openTabs(browser, base);
  }, 180_000);

  afterAll(async () => {
    await tabs?.close();
    await browser?.close();
    await hub?.close();
  });

  return {
    get hub() {
      return hub;
    },
    get base() {
      return base;
    },
    screen,
    newPage,
    signInHere,
    signedIn,
    heading: (page) => page.locator('main h1').innerText(),
    fullName: (c) => `${c.givenName} ${c.familyName}`,
    schoolChild() {
      const child = hub.dataset.children.find((c) => c.schoolId === 'school-1');
      if (!child) throw new Error('no child at school-1');
      return child;
    },
    youngPerson() {
      const today = new Date().toISOString().slice(0, 10);
      const child = hub.dataset.children.find(
        (c) => c.youngPersonSub && c.dateOfBirth <= `${Number(today.slice(0, 4)) - 17}${today.slice(4)}`,
      );
      if (!child) throw new Error('no synthetic young person of 17 or over');
      return child;
    },
    allocatedChild() {
      const child = hub.dataset.children.find(
        (c) => c.socialCare?.allocatedWorker?.organisationId === 'sc-1',
      );
      if (!child) throw new Error('no child allocated to sc-1');
      return child;
    },
  };
}

// Every user group's main screen: a reload, a new tab (sign in there, land on the same page), a
// network failure (one message, one "Try again"), an ended sign-in (back on the same page), and
// axe-core at 1280 and 390 px. Journeys of their own are in the per-group files; this makes sure
// no group's screen was left out of "leave and come back".
export type UserGroup =
  | 'parent carer'
  | 'young person deciding for themself'
  | 'SENCO'
  | 'NHS practitioner'
  | 'social worker'
  | 'council SEND officer'
  | 'auditor';

function groups(r: Resilience) {
  const { heading, fullName, schoolChild, youngPerson, allocatedChild } = r;
  const all: {
    group: UserGroup;
    sub: () => string;
    route: () => string;
    ready: (page: Page) => Promise<unknown>;
    keyboard?: (page: Page) => Promise<void>;
  }[] = [
    {
      group: 'parent carer',
      sub: () => decisionMaker(r.hub.dataset, schoolChild()).sub,
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
        const saved = await r.hub.subgraphs.record.db.query<{ n: string }>(
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
  return all;
}

/** A user group's main screen: reload, new tab, network failure, ended sign-in, keyboard; axe at both widths. */
export function mainScreenTest(r: Resilience, name: UserGroup): void {
  const { group, sub, route, ready, keyboard } = groups(r).find((g) => g.group === name)!;
  const { signedIn, signInHere, screen, heading } = r;
  it(`${group}: reload, new tab, network failure, ended sign-in${keyboard ? ', keyboard only' : ''}; axe at 1280 and 390 px`, async () => {
    const slug = group.split(' ')[0]?.toLowerCase();
    const page = await signedIn(sub(), 1280);
    const url = `${r.base}${route()}`;
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

    // A new tab has no session: sign in there, and land on the page asked for. (A tab from
    // openTabs, as a new tab is, not one opened from this page, which would copy its session.)
    const tab = await r.newPage(1280);
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

    // The portal's plain address in this signed-in tab (a bookmark of the service): the user's home
    // page, drawn; Back then returns to the page before, not to an address that sends them home.
    const role = await page.evaluate("JSON.parse(sessionStorage.getItem('hub.user') ?? '{}').role");
    await page.goto(r.base);
    await poll(() => page.evaluate('window.location.hash')).toBe(homeFor(String(role)));
    await poll(() => heading(page)).not.toBe('');
    await page.goBack();
    await ready(page);
    expect(page.url()).toBe(url);

    if (keyboard) await keyboard(page);
  }, 240_000);
}
