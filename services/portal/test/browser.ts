import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Download, type Page } from 'playwright-core';
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
 * Where a download was saved: a copy in a new temporary folder (`download.path()` is not available
 * through the shared Chromium's connection).
 */
export async function savedDownload(download: Download): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'hub-download-')), download.suggestedFilename());
  await download.saveAs(path);
  return path;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const ARTIFACTS = join(import.meta.dirname, '..', '..', '..', 'test-artifacts', 'portal');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules plus best practices) on the page as it is
 * now and saves a full-page screenshot. Returns the violations for the test to assert on.
 */
export async function checkScreen(page: Page, name: string): Promise<AxeViolation[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  // Evaluated as strings: this file is checked as Node code, without the DOM library.
  if (!(await page.evaluate('"axe" in window'))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(`axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  }).then((result) => result.violations)`);
  return violations as AxeViolation[];
}

export function describeViolations(screen: string, violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${screen}: ${v.id} (${v.impact}) ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')} ${n.failureSummary ?? ''}`).join('\n')}`,
    )
    .join('\n');
}
