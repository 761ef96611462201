import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { startHub, type TestHub } from '../../gateway/test/hub.ts';
import { buildPortal } from '../src/build.ts';
import { CHROMIUM_ARGS, checkScreen, describeViolations, findChromium } from './browser.ts';

/** The two widths every journey is checked at: a desktop and a phone. */
export const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

export const executablePath = findChromium();
export const inCi = process.env.CI === 'true' || process.env.CI === '1';
/** Locally, a machine without Chromium skips with a message; in CI that is a failure. */
export const skipBrowser = !executablePath && !inCi;

export interface PortalHub {
  hub: TestHub;
  browser: Browser;
  base: string;
  /** A new browser context (its own sessionStorage: a new tab or another person), signed in. */
  signIn(sub: string, viewport?: { width: number; height: number }): Promise<Page>;
  /** axe-core on the screen as it is now plus a screenshot; fails the test on any violation. */
  screen(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/** The whole hub in this process serving the freshly built portal, and one Chromium. */
export async function startPortalHub(label: string): Promise<PortalHub> {
  if (!executablePath) {
    throw new Error(
      'Chromium is not installed, so the portal end-to-end tests cannot run. Install it with `apt-get install -y chromium` (.ci/run does this in CI).',
    );
  }
  const dir = await buildPortal({ outDir: mkdtempSync(join(tmpdir(), 'hub-portal-')) });
  const hub = await startHub({ portal: { dir } });
  await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
  const address = hub.gateway.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const axe: string[] = [];
  return {
    hub,
    browser,
    base,
    async signIn(sub, viewport = WIDTHS[0]) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      page.on('pageerror', (e) => console.error(`page error (${sub}):`, e.message));
      await page.goto(base);
      await page.getByLabel('Who do you want to sign in as?').selectOption(sub);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('Signed in as').waitFor();
      return page;
    },
    async screen(page, name) {
      await page.waitForLoadState('networkidle');
      const violations = await checkScreen(page, `${label}-${name}`);
      axe.push(`${name}=${violations.length}`);
      expect(violations, describeViolations(name, violations)).toEqual([]);
    },
    async close() {
      for (const c of contexts) await c.close();
      await browser.close();
      await hub.close();
      if (axe.length) console.log(`axe-core (${label}): ${axe.join(', ')}`);
    },
  };
}

export const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
