import { request as httpRequest } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, grantConsents, startHub, type TestHub } from '../../gateway/test/hub.ts';
import {
  checkScreen,
  describeViolations,
  findChromium,
  launchBrowser,
  openHome,
  openTabs,
  seedSession,
  type Tabs,
} from './browser.ts';
import { builtPortal } from './journey.ts';

// Phones (issue 15): no sideways scrolling at 320 and 390 CSS px on any main screen (WCAG 1.4.10
// Reflow), tables stacked with their column headings, a long family page with "On this page",
// and the portal's JavaScript and CSS sent compressed and cached.
const executablePath = findChromium();
// The machine running the tests may be busy: wait for the page up to 15 s (vitest's default is 1 s).
// Generous bounds for the same reason (a test here drives several pages and a whole hub).
const test = (name: string, body: () => Promise<void>) => it(name, body, 120_000);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });
const inCi = process.env.CI === 'true' || process.env.CI === '1';

describe.skipIf(!executablePath && !inCi)('portal on a phone', () => {
  let hub: TestHub;
  let browser: Browser;
  let base: string;
  let tabs: Tabs;

  async function signIn(sub: string, width: number): Promise<Page> {
    const page = await tabs.open({ width, height: 640 });
    page.setDefaultTimeout(15_000);
    // A seeded session (seedSession): these tests start after the sign-in screen, at the user's
    // home page (the sign-in screen is resilience-*.e2e's and oidc.e2e's subject).
    await seedSession(page, base, sub);
    await openHome(page, base);
    return page;
  }

  /** Nothing wider than the screen (the test the issue names), axe-core clean, screenshot saved. */
  async function fits(page: Page, name: string) {
    const widths = (await page.evaluate(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    )) as { scroll: number; client: number };
    const wide = await page.evaluate(`[...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5).map((el) => el.tagName + '.' + el.className + ': ' + (el.textContent || '').slice(0, 40))`);
    expect(widths.scroll, `${name} is wider than the screen: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(
      widths.client,
    );
    const violations = await checkScreen(page, name);
    expect(violations, describeViolations(name, violations)).toEqual([]);
  }

  beforeAll(async () => {
    if (!executablePath) throw new Error('Chromium is not installed (apt-get install -y chromium).');
    const dir = await builtPortal();
    hub = await startHub({ portal: { dir } });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await launchBrowser(executablePath as string);
    // One context for the file's tabs (openTabs), a phone's: touch, and the page's own viewport meta.
    tabs = await openTabs(browser, base, { isMobile: true, hasTouch: true });
  }, 180_000);

  afterAll(async () => {
    await tabs?.close();
    await browser?.close();
    await hub?.close();
  });

  for (const width of [320, 390]) {
    test(`partner screens reflow at ${width} px: search results and a record`, async () => {
      const child = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.health !== null)!;
      await grantConsents(hub, child, 'school', 'ehc_assessment', ['health']);
      const page = await signIn('demo-senco-1', width);
      await fits(page, `p01-senco-search-${width}`);
      await page.getByLabel('Child’s name').fill('Testchild');
      await page.getByRole('button', { name: 'Search' }).click();
      const results = page.getByRole('table');
      await results.waitFor();
      // Stacked rows: each cell says which column it is.
      expect(await results.locator('tbody td').nth(1).getAttribute('data-label')).toBe('Date of birth');
      await fits(page, `p02-senco-results-${width}`);
      await page.goto(`${base}#/child/${child.id}`);
      await page.locator('[data-section="health"]').getByText('Health services involved').waitFor();
      await fits(page, `p03-senco-record-${width}`);
    });

    test(`family screens reflow at ${width} px, and the long page has "On this page"`, async () => {
      const child = hub.dataset.children.find((c) => c.schoolId === 'school-1')!;
      const page = await signIn(decisionMaker(hub.dataset, child).sub, width);
      await fits(page, `p04-family-home-${width}`);
      await page.goto(`${base}#/family/${child.id}`);
      await page.getByRole('navigation', { name: 'On this page' }).waitFor();
      await page
        .locator('[data-section="access-history"]')
        .getByText(/Nobody|Looked/)
        .first()
        .waitFor();
      await fits(page, `p05-family-record-${width}`);
      // The contents list takes keyboard and screen-reader users to the section.
      await page.getByRole('link', { name: 'Who has looked at the record' }).click();
      await poll(() => page.evaluate('document.activeElement?.id')).toBe('history-heading');
      // The whole record is one tap away, and reflows too.
      await page.getByText('Show everything on the record').click();
      await page.locator('[data-section="education"]').waitFor();
      await fits(page, `p06-family-record-open-${width}`);
    });

    for (const [sub, ready, name] of [
      ['demo-health-1', 'Assessments waiting for health advice', 'health-assessments'],
      ['demo-la-1', 'EHC plans issued within 20 weeks', 'la-dashboard'],
      ['demo-auditor-1', 'Access log', 'auditor'],
    ] as const) {
      test(`${name} reflows at ${width} px`, async () => {
        const page = await signIn(sub, width);
        await page.getByText(ready).first().waitFor();
        await page.waitForLoadState('networkidle');
        await fits(page, `p07-${name}-${width}`);
      });
    }
  }

  test('JavaScript and CSS are sent precompressed, with Vary and long caching; the page itself is revalidated', async () => {
    const get = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>(
        (resolve, reject) => {
          const req = httpRequest(new URL(path, base), { headers }, (res) => {
            let bytes = 0;
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes }));
          });
          req.on('error', reject);
          req.end();
        },
      );
    const html = await (await fetch(base, { headers: { accept: 'text/html' } })).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const plain = await get(asset, {});
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toMatch(/accept-encoding/i);
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      for (const [accept, encoding] of [
        ['br, gzip', 'br'],
        ['gzip', 'gzip'],
      ] as const) {
        const packed = await get(asset, { 'accept-encoding': accept });
        expect(packed.status).toBe(200);
        expect(packed.headers['content-encoding']).toBe(encoding);
        expect(packed.headers.vary).toMatch(/accept-encoding/i);
        expect(packed.headers['content-type']).toMatch(asset.endsWith('.js') ? /javascript/ : /text\/css/);
        expect(packed.bytes).toBeLessThan(plain.bytes / 2);
      }
    }
    for (const page of ['/', '/child/3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60']) {
      const index = await get(page, { accept: 'text/html', 'accept-encoding': 'br' });
      expect(index.status).toBe(200);
      expect(index.headers['cache-control']).toBe('no-cache');
    }
  });
});
