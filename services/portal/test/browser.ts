import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContextOptions,
  chromium,
  type Download,
  type Page,
} from 'playwright-core';
import { inject } from 'vitest';

/**
 * Debian's Chromium (`apt-get install -y chromium`). The real binary is preferred over the
 * /usr/bin wrapper script, which prints a harmless warning on every start.
 */
export function findChromium(): string | null {
  // HUB_CHROMIUM, when set, is the only candidate (another build, or a missing path to test the failure).
  const candidates = process.env.HUB_CHROMIUM
    ? [process.env.HUB_CHROMIUM]
    : ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];
  return candidates.find((c) => existsSync(c)) ?? null;
}

// Per STACK-NOTES: without the background-networking flags Chromium keeps trying to reach
// Google's hosts through this machine's closed network.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-dev-shm-usage',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Chromium for a test file: a connection to the run's one Chromium (launched by the global set-up
 * in browser-server.ts on the first file's ask, so the files of both workers share it), or a
 * Chromium of the file's own when there is none. Closing the connection closes the file's contexts
 * and leaves the shared Chromium running for the other files.
 */
export async function launchBrowser(executablePath: string): Promise<Browser> {
  const launcher = inject('chromiumLauncher');
  if (launcher) {
    const answer = await fetch(launcher);
    if (!answer.ok) throw new Error(`the run's Chromium did not start: ${await answer.text()}`);
    return chromium.connect(await answer.text());
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/**
 * Fresh tabs for one test file's users, opened from one launcher tab on the hub's origin
 * (`window.open`), so that they all share the launcher's renderer process. Each Chromium renderer
 * process costs about 2.4 s of CPU to start on these 2-core machines (measured: a new tab
 * in a new context, loaded and kept 2.5 s, against 0.4 s for a tab opened like this), and it was
 * the largest cost of the browser tests, which take most of the suite's time.
 *
 * Each tab is what the tests need of a new browser context, as the portal uses nothing else: its
 * own sessionStorage (a new window opened from a tab gets a copy of that tab's sessionStorage,
 * and the launcher's is always empty), its own viewport, its own routes and init scripts. What
 * tabs of one file share is the context's cookies, localStorage, IndexedDB and HTTP cache, none
 * of which the portal uses for a session (services/portal/app/api.ts keeps everything in
 * sessionStorage). So a tab from `open` is also what "a new tab starts signed out" needs; a tab
 * opened from a signed-in user's tab (`window.open`) is the same session in a new tab.
 */
export interface Tabs {
  /** A new tab at about:blank on the hub's origin, at `viewport`: nothing in its sessionStorage. */
  open(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function openTabs(
  browser: Browser,
  base: string,
  options: BrowserContextOptions = {},
): Promise<Tabs> {
  const context = await browser.newContext(options);
  const launcher = await context.newPage();
  // A blank page on the hub's origin (the hub is not asked): tabs opened from it are same-site
  // with the portal, so they stay in the launcher's process when they go there.
  const blank = new URL('__test-tabs', base).href;
  await launcher.route(blank, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>tabs</title>' }),
  );
  await launcher.goto(blank);
  // No interception left on the launcher: requests of a tab opened from it and still at about:blank
  // were held by it and never answered.
  await launcher.unrouteAll();
  return {
    async open(viewport) {
      const opened = context.waitForEvent('page');
      await launcher.evaluate("window.open('about:blank', '_blank')");
      const page = await opened;
      await page.setViewportSize(viewport);
      return page;
    },
    close: () => context.close(),
  };
}

/**
 * Where a download was saved: a copy in a new temporary folder (`download.path()` is not available
 * through the shared Chromium's connection).
 */
export async function savedDownload(download: Download): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'hub-download-')), download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

/** axe-core's script, read when first needed. */
let axeScript: string | undefined;
export function axeSource(): string {
  axeScript ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeScript;
}
/** Where the run's launcher server (browser-server.ts) serves axe-core. */
export const AXE_PATH = '/axe-core/axe.min.js';

/**
 * How a page gets axe-core: as a script from the run's launcher server when there is one, so that
 * the tabs of a file take it from the browser's HTTP cache (and V8's code cache) — about 0.1 s
 * against 0.3–0.6 s when its 650 KB text is sent through the DevTools protocol each time, and a
 * file checks dozens of screens. Without the run's server (a Chromium of the file's own), or on a
 * page that is not a web page (about:blank filled by `setContent`, which Chromium does not let
 * load a script from the server), the text.
 */
function axeTag(page: Page): { url: string } | { content: string } {
  const launcher = inject('chromiumLauncher');
  return launcher && page.url().startsWith('http')
    ? { url: new URL(AXE_PATH, launcher).href }
    : { content: axeSource() };
}

export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'portal');

/**
 * Screenshots are for people to look at (nothing asserts on them), so they are taken only when
 * asked for: `HUB_SCREENSHOTS=1 pnpm exec vitest run services/portal/test` saves a full-page PNG of
 * every screen checked in `test-artifacts/portal/`. Off by default, and so in CI: a full-page
 * screenshot of a long page at 390 px cost about as much as the axe run beside it.
 */
export const SCREENSHOTS = process.env.HUB_SCREENSHOTS === '1' || process.env.HUB_SCREENSHOTS === 'true';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules plus best practices) on the page as it is
 * now (and saves a full-page screenshot when HUB_SCREENSHOTS is set). Returns the violations
 * for the test to assert on.
 */
export async function checkScreen(page: Page, name: string): Promise<AxeViolation[]> {
  if (SCREENSHOTS) {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  }
  // Evaluated as strings: this file is checked as Node code, without the DOM library.
  if (!(await page.evaluate('"axe" in window'))) await page.addScriptTag(axeTag(page));
  const violations = await page.evaluate(`axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }).then((result) => result.violations)`);
  return violations as AxeViolation[];
}

/**
 * Opens the portal at `base` on a page signed in with seedSession and waits for the user's home
 * page, as after signing in: the portal sends itself from `/` to the home page's `#/` address.
 */
export async function openHome(page: Page, base: string): Promise<void> {
  await page.goto(base);
  await page.getByText('Signed in as').waitFor();
  await page.waitForFunction('window.location.hash.length > 2');
  await page.locator('main h1').waitFor();
}

/** Where the portal keeps a signed-in session (services/portal/app/api.ts): the tab's sessionStorage. */
const SESSION_KEYS = { token: 'hub.token', user: 'hub.user' } as const;
/** Marks a tab whose session was seeded once (the portal reads no such key). */
const SEEDED = 'test.session-seeded';

/**
 * Signs `page` in as `sub` without the sign-in screen, for tests that are not about signing in:
 * the demo identity provider's token (POST /demo-idp/token, the request the sign-in screen makes,
 * so the token and user are real) is put where the portal keeps its session, the tab's
 * sessionStorage, by a script that runs before the portal's own on this page's first document
 * (and only the first: a reload after the test has ended or changed the session keeps what the
 * test did). Other pages are not touched: a new tab still starts signed out. The page shows
 * nothing until the test goes where it wants (`openHome`, or a `#/` address), which loads the
 * portal once. The sign-in screen itself is driven for every user group by the resilience tests
 * (a new tab and an ended sign-in), by resilience-school (keyboard only) and by oidc.e2e.
 */
export async function seedSession(page: Page, base: string, sub: string): Promise<void> {
  const answer = await fetch(new URL('demo-idp/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  if (!answer.ok) throw new Error(`the demo sign-in refused ${sub}: ${answer.status} ${await answer.text()}`);
  const { token, user } = (await answer.json()) as { token: string; user: unknown };
  const seeded = JSON.stringify(SEEDED);
  await page.addInitScript(
    `if (location.origin === ${JSON.stringify(new URL(base).origin)} && !sessionStorage.getItem(${seeded})) {
       sessionStorage.setItem(${seeded}, '1');
       sessionStorage.setItem(${JSON.stringify(SESSION_KEYS.token)}, ${JSON.stringify(token)});
       sessionStorage.setItem(${JSON.stringify(SESSION_KEYS.user)}, ${JSON.stringify(JSON.stringify(user))});
     }`,
  );
}

export function describeViolations(screen: string, violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${screen}: ${v.id} (${v.impact}) ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('\n')}`,
    )
    .join('\n');
}
