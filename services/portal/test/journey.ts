import { buildOncePerRun } from '@hub/testkit';
import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { startHub, type TestHub } from '../../gateway/test/hub.ts';
import { buildPortal } from '../src/build.ts';
import {
  checkScreen,
  describeViolations,
  findChromium,
  launchBrowser,
  openHome,
  openTabs,
  seedSession,
} from './browser.ts';

/**
 * The one set-up for the portal's browser tests: the whole hub in this process serving the built
 * portal, the run's one Chromium (launchBrowser), one tab per signed-in user (its own
 * sessionStorage: a new tab or another person; opened from one launcher tab, `openTabs` in
 * browser.ts), signed in by a seeded session (seedSession in browser.ts; the sign-in screen is
 * the resilience and OIDC tests' subject). Two flavours share it:
 * - `startJourney` (social-worker, auditor, senco, family details, advice): each screen is checked
 *   checked with axe-core at desktop (1280 px) and phone (390 px) widths;
 * - `startPortalHub` (consent journey, health advice drafts): the test runs at each of `WIDTHS`
 *   itself, and each screen is checked at the width it is shown at.
 * The portal is built once per test run and shared read-only by every file (`builtPortal`).
 */
export const executablePath = findChromium();
export const inCi = process.env.CI === 'true' || process.env.CI === '1';
/** Locally, a machine without Chromium skips with a message; in CI that is a failure. */
export const skipBrowser = !executablePath && !inCi;
if (skipBrowser) {
  console.warn(
    'portal e2e tests SKIPPED: Chromium not found (apt-get install -y chromium). In CI this fails.',
  );
}

/** expect.poll waits this long: pages on a busy 2-core machine can take seconds. */
export const WAIT = { timeout: 15_000 };

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The two widths a `startPortalHub` test runs at: a desktop and a phone. */
export const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** The council (demo-la-1) starts an EHC needs assessment for the child and asks an agency for advice. */
export async function askForAdvice(
  hub: TestHub,
  childId: string,
  /** The GraphQL enum value: health, education or social_care. */
  agency = 'health',
): Promise<void> {
  const officer = hub.dataset.demoUsers.find((u) => u.sub === 'demo-la-1')!;
  const requested = await hub.query<{ recordEhcAssessmentRequest: { id: string } }>(
    `mutation { recordEhcAssessmentRequest(childId: "${childId}", requestDate: "${daysAgo(20)}") { id } }`,
    { as: officer },
  );
  expect(requested.errors).toBeUndefined();
  const asked = await hub.query(
    `mutation { recordEhcAdviceRequest(assessmentId: "${requested.data!.recordEhcAssessmentRequest.id}", agency: ${agency}, sentDate: "${daysAgo(14)}") { id } }`,
    { as: officer },
  );
  expect(asked.errors).toBeUndefined();
}

/**
 * The production build of the portal (Vite, then precompressed), made once per test run by the
 * first file that asks and shared by the rest (see @hub/testkit buildOncePerRun); the gateway
 * only reads it. Outside a vitest run: a fresh build per call.
 */
export function builtPortal(): Promise<string> {
  return buildOncePerRun('portal', async (dir) => {
    await buildPortal({ outDir: dir });
  });
}

type Viewport = { width: number; height: number };

interface PortalSession {
  hub: TestHub;
  browser: Browser;
  base: string;
  signIn(sub: string, viewport: Viewport, open?: string): Promise<Page>;
  newTab(page: Page, url: string): Promise<Page>;
  close(): Promise<void>;
}

async function startPortalSession(options: { children?: number }): Promise<PortalSession> {
  if (!executablePath) {
    throw new Error(
      'Chromium is not installed, so the portal end-to-end tests cannot run. Install it with `apt-get install -y chromium` (.ci/run does this in CI).',
    );
  }
  const dir = await builtPortal();
  const hub = await startHub({
    portal: { dir },
    ...(options.children ? { children: options.children } : {}),
  });
  await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
  const address = hub.gateway.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const browser = await launchBrowser(executablePath);
  const tabs = await openTabs(browser, base);

  const watch = (page: Page, who: string) => {
    // Fail with Playwright's message (what it waited for) well before vitest's test timeout.
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.error(`page error (${who}):`, e.message));
  };

  return {
    hub,
    browser,
    base,
    // The session is seeded (seedSession), not typed into the sign-in screen: these tests are
    // about what comes after it. The portal then opens at `open` (a route such as `#/child/<id>`),
    // or at the user's home page.
    async signIn(sub, viewport, open = '') {
      const page = await tabs.open(viewport);
      watch(page, sub);
      await seedSession(page, base, sub);
      if (open) {
        await page.goto(`${base}${open}`);
        await page.getByText('Signed in as').waitFor();
      } else {
        await openHome(page, base);
      }
      return page;
    },
    async newTab(page, url) {
      const opened = page.context().waitForEvent('page');
      await page.evaluate(`window.open(${JSON.stringify(url)}, '_blank')`);
      const tab = await opened;
      watch(tab, 'new tab');
      await tab.waitForLoadState();
      return tab;
    },
    async close() {
      await tabs.close();
      await browser.close();
      await hub.close();
    },
  };
}

export interface Journey {
  hub: TestHub;
  base: string;
  /** A new browser context signed in as `sub` (a seeded session), at `open` (a route) or the home page. */
  signIn(sub: string, viewport?: Viewport, open?: string): Promise<Page>;
  /** axe-core on the page as it is, at 1280 px and at 390 px; fails on any violation. */
  screen(page: Page, name: string): Promise<void>;
  /** The same tab's session in a new tab (as "open link in new tab" does), at the given address. */
  newTab(page: Page, url: string): Promise<Page>;
  close(): Promise<void>;
}

export async function startJourney(options: { children?: number } = {}): Promise<Journey> {
  const session = await startPortalSession(options);
  return {
    hub: session.hub,
    base: session.base,
    signIn: (sub, viewport = DESKTOP, open) => session.signIn(sub, viewport, open),
    newTab: session.newTab,
    close: session.close,
    async screen(page, name) {
      await page.waitForLoadState('networkidle');
      const original = page.viewportSize() ?? DESKTOP;
      for (const [suffix, size] of [
        ['1280', DESKTOP],
        ['390', PHONE],
      ] as const) {
        await page.setViewportSize(size);
        const violations = await checkScreen(page, `${name}-${suffix}`);
        expect(violations, describeViolations(`${name} at ${suffix} px`, violations)).toEqual([]);
      }
      await page.setViewportSize(original);
    },
  };
}

export interface PortalHub {
  hub: TestHub;
  browser: Browser;
  base: string;
  /** A new browser context (its own sessionStorage: a new tab or another person), signed in. */
  signIn(sub: string, viewport?: Viewport): Promise<Page>;
  /** axe-core on the screen as it is now; fails the test on any violation. */
  screen(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** As `startJourney`, with screens checked at the width shown and named `<label>-<name>`. */
export async function startPortalHub(label: string): Promise<PortalHub> {
  const session = await startPortalSession({});
  const axe: string[] = [];
  return {
    hub: session.hub,
    browser: session.browser,
    base: session.base,
    signIn: (sub, viewport = WIDTHS[0]) => session.signIn(sub, viewport),
    async screen(page, name) {
      await page.waitForLoadState('networkidle');
      const violations = await checkScreen(page, `${label}-${name}`);
      axe.push(`${name}=${violations.length}`);
      expect(violations, describeViolations(name, violations)).toEqual([]);
    },
    async close() {
      await session.close();
      if (axe.length) console.log(`axe-core (${label}): ${axe.join(', ')}`);
    },
  };
}

// A function for the page, written as text: this file is checked as Node code, without the DOM library.
const IS_FOCUSED = new Function('el', 'return el === el.ownerDocument.activeElement') as (
  el: unknown,
) => boolean;

/** Presses Tab until `target` has focus (at most `max` times): proves it is reachable by keyboard. */
export async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate(IS_FOCUSED)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`not reached with ${max} presses of Tab: ${target}`);
}

/** After navigation, focus is on the page heading (screen readers announce the new page). */
export async function expectHeadingFocused(page: Page, text: string | RegExp): Promise<void> {
  await expect.poll(() => page.evaluate('document.activeElement?.tagName'), WAIT).toBe('H1');
  await expect.poll(() => page.locator('h1').innerText(), WAIT).toMatch(text);
}
