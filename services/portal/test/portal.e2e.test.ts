import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, grantConsents, startHub, type TestHub } from '../../gateway/test/hub.ts';
import {
  type AxeViolation,
  checkScreen,
  describeViolations,
  findChromium,
  launchBrowser,
  openHome,
  openTabs,
  savedDownload,
  seedSession,
  type Tabs,
} from './browser.ts';
import { askForAdvice, builtPortal } from './journey.ts';

// End-to-end: the whole hub in this process (subgraphs on port 0, the gateway listening on
// port 0 and serving the freshly built portal), one Chromium, one browser context per user so
// each has their own sessionStorage. One journey per user group; axe-core on every screen.
const executablePath = findChromium();
const inCi = process.env.CI === 'true' || process.env.CI === '1';

// Locally, a machine without Chromium skips with a message; in CI that is a failure.
if (!executablePath && !inCi) {
  console.warn(
    'portal e2e tests SKIPPED: Chromium not found (apt-get install -y chromium). In CI this fails.',
  );
}
describe.skipIf(!executablePath && !inCi)('portal in a real browser', () => {
  let hub: TestHub;
  let browser: Browser;
  let base: string;
  let tabs: Tabs;
  const axeResults: Record<string, AxeViolation[]> = {};

  /** axe on the current screen plus a screenshot; the test fails on any violation. */
  async function screen(page: Page, name: string) {
    await page.waitForLoadState('networkidle');
    const violations = await checkScreen(page, name);
    axeResults[name] = violations;
    expect(violations, describeViolations(name, violations)).toEqual([]);
  }

  async function signIn(sub: string): Promise<Page> {
    const page = await tabs.open({ width: 1100, height: 800 });
    // Fail with Playwright's message (what it waited for) well before vitest's test timeout.
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => console.error(`page error (${sub}):`, e.message));
    // A seeded session (seedSession): these tests start after the sign-in screen, at the user's
    // home page (the sign-in screen is resilience-*.e2e's and oidc.e2e's subject).
    await seedSession(page, base, sub);
    await openHome(page, base);
    return page;
  }

  /** After navigation, focus is on the page heading (screen readers announce the new page). */
  async function expectHeadingFocused(page: Page, text: string | RegExp) {
    // 15 s, not the 1 s default: on a busy 2-core machine a record can take seconds to load.
    await expect.poll(() => page.evaluate('document.activeElement?.tagName'), { timeout: 15_000 }).toBe('H1');
    await expect.poll(() => page.locator('h1').innerText(), { timeout: 15_000 }).toMatch(text);
  }

  beforeAll(async () => {
    if (!executablePath) {
      throw new Error(
        'Chromium is not installed, so the portal end-to-end tests cannot run. Install it with `apt-get install -y chromium` (.ci/run does this in CI).',
      );
    }
    const dir = await builtPortal();
    hub = await startHub({ portal: { dir } });
    await hub.gateway.listen({ host: '127.0.0.1', port: 0 });
    const address = hub.gateway.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await launchBrowser(executablePath);
    tabs = await openTabs(browser, base);
  }, 120_000);

  afterAll(async () => {
    await tabs?.close();
    await browser?.close();
    await hub?.close();
    // The closing note of issue 6 asks for the axe results: print them per screen.
    const screens = Object.entries(axeResults);
    if (screens.length) console.log(`axe-core: ${screens.map(([n, v]) => `${n}=${v.length}`).join(', ')}`);
  });

  it('sign-in page says plainly it is a demo identity provider, and the skip link works', async () => {
    const page = await tabs.open({ width: 1280, height: 720 });
    await page.goto(base);
    await expect.poll(() => page.getByText('This is a demo sign-in.').count()).toBe(1);
    // Keyboard: the first Tab reaches the skip link, which moves focus to the main content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement?.id')).toBe('main-content');
    await screen(page, '01-sign-in');

    // axe really runs: a page with an unlabelled field must fail (guards against a silent no-op).
    const probe = await tabs.open({ width: 1280, height: 720 });
    await probe.setContent(
      '<html lang="en"><body><main><h1>Probe</h1><input type="text"></main></body></html>',
    );
    expect((await checkScreen(probe, '00-axe-probe')).map((v) => v.id)).toContain('label');
    await probe.close();
  });

  it('family withdraws consent and the SENCO loses that section at once', async () => {
    // A child at school-1 whose health service holds something, with health shared with
    // schools for EHC needs assessments (as the family would have agreed earlier).
    const child = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.health !== null);
    if (!child) throw new Error('no suitable synthetic child');
    const family = decisionMaker(hub.dataset, child);
    await grantConsents(hub, child, 'school', 'ehc_assessment', ['health']);

    // SENCO: search the roll and open the record; health is shown.
    const senco = await signIn('demo-senco-1');
    await expectHeadingFocused(senco, /Find a child/);
    await screen(senco, '02-senco-search');
    await senco.getByLabel('EHC needs assessment').check();
    await senco.getByLabel('Child’s name').fill(child.familyName);
    await senco.getByRole('button', { name: 'Search' }).click();
    await senco.getByRole('link', { name: `${child.givenName} ${child.familyName}` }).click();
    await expectHeadingFocused(senco, `${child.givenName} ${child.familyName}`);
    const health = senco.locator('[data-section="health"]');
    await expect.poll(() => health.innerText()).toMatch(/Health services involved/);
    // Social care is not shared with schools for this child: it says why in plain words.
    await expect
      .poll(() => senco.locator('[data-section="socialCare"]').innerText())
      .toMatch(/Not shown\. (The family has not agreed|Your role does not give access)/);
    await screen(senco, '03-senco-record-shared');

    // Family: stop sharing health information with the school.
    const parent = await signIn(family.sub);
    await expectHeadingFocused(parent, /Your (children|record)/);
    await screen(parent, '04-family-home');
    await parent.getByRole('link', { name: new RegExp(child.givenName) }).click();
    await expectHeadingFocused(parent, /.+/);
    // Who has looked: the SENCO's look a moment ago is listed, under the school's name.
    await expect
      .poll(() => parent.locator('[data-section="access-history"]').innerText())
      .toMatch(/Synthetic Primary School 1\s+Looked (once|\d+ times), by SENCO/);
    await screen(parent, '05-family-record-and-sharing');
    // Sharing choices (consent-journey.tsx): change one answer, check it, confirm it.
    await parent.getByRole('link', { name: /See or change .* sharing choices/ }).click();
    await parent
      .getByRole('link', {
        name: 'Change whether you share health information with the school for an EHC needs assessment',
      })
      .click();
    await parent.getByLabel('No, do not share it').check();
    await parent.getByRole('button', { name: 'Continue' }).click();
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    await parent.getByRole('heading', { name: 'Your sharing choices have been saved' }).waitFor();
    await screen(parent, '06-family-after-withdrawal');
    await parent.getByRole('link', { name: `Back to ${child.givenName}’s record` }).click();
    await expectHeadingFocused(parent, `${child.givenName} ${child.familyName}`);
    // The form below loads what the family wrote before: type once it has.
    await parent.waitForLoadState('networkidle');

    // Tell it once: the family writes what helps, once, for everyone working with the child.
    const whatHelps = `Synthetic note ${Date.now()}: a visual timetable and a quiet start to the day.`;
    await parent.getByLabel('What helps', { exact: true }).fill(whatHelps);
    await parent.getByRole('button', { name: 'Save', exact: true }).click();
    await parent
      .getByRole('status')
      .getByText(/^Saved\. Everyone working with/)
      .waitFor();
    // The family's own view of the record shows it as partners will see it (the record is
    // folded away to keep the page short: open it).
    await parent.getByText('Show everything on the record').click();
    await expect
      .poll(() => parent.locator('[data-section="family-information"]').innerText())
      .toContain(whatHelps);
    await screen(parent, '06b-family-about-me-saved');

    // SENCO: the very next look no longer shows health, and says why.
    await senco.reload();
    await expect
      .poll(() => senco.locator('[data-section="health"]').innerText())
      .toContain(
        'The family has not agreed to share health information with your school for an EHC needs assessment.',
      );
    // ...and shows what the family wrote, without the school having to ask.
    await expect
      .poll(() => senco.locator('[data-section="family-information"]').innerText())
      .toContain(whatHelps);
    await screen(senco, '07-senco-record-after-withdrawal');
  });

  it('young person: agrees to a consent their parent gave before they were 16, and lets their parent see the record', async () => {
    // A young person of 17+ (the hub stores dates of birth; whole years on today's date).
    const today = new Date().toISOString().slice(0, 10);
    const child = hub.dataset.children.find(
      (c) =>
        c.youngPersonSub &&
        c.parentCarerSubs.length > 0 &&
        c.dateOfBirth <= `${Number(today.slice(0, 4)) - 17}${today.slice(4)}`,
    );
    if (!child) throw new Error('no synthetic young person of 17 or over');
    // The parent carer shared health information with the school a month before the 16th
    // birthday; from 16 that only counts once the young person agrees.
    const before16 = new Date(
      `${Number(child.dateOfBirth.slice(0, 4)) + 16}${child.dateOfBirth.slice(4)}T00:00:00Z`,
    );
    before16.setUTCDate(before16.getUTCDate() - 30);
    await hub.subgraphs.record.db.query(
      `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub, granted_by_role, starts_at, created_at)
       values ($1, $2, 'health', 'school', 'ehc_assessment', $3, 'parent_carer', $4, $4)`,
      [randomUUID(), child.id, child.parentCarerSubs[0], before16.toISOString()],
    );

    const yp = await signIn(child.youngPersonSub!);
    await expectHeadingFocused(yp, 'Your record');
    await yp.getByRole('link', { name: `Your record (${child.givenName} ${child.familyName})` }).click();
    await expectHeadingFocused(yp, `${child.givenName} ${child.familyName}`);
    await yp.getByRole('link', { name: 'See or change your sharing choices' }).click();
    const health = yp.locator('[data-choice="ehc_assessment/health/school"]');
    await expect.poll(() => health.innerText()).toContain('agreed by a parent or carer before 16');
    await health.getByRole('link', { name: /^Change/ }).click();
    await yp.getByLabel('Yes, share it').check();
    await yp.getByRole('button', { name: 'Continue' }).click();
    await yp.getByRole('button', { name: 'Confirm and save' }).click();
    await yp.getByRole('heading', { name: 'Your sharing choices have been saved' }).waitFor();
    await yp.getByRole('link', { name: /See all of .* sharing choices/ }).click();
    await expect.poll(() => health.innerText()).toMatch(/^Health information with the school\s*Shared/);
    await yp.getByRole('link', { name: 'Back to the record' }).click();

    // Their parent cannot see the record until they say so.
    const parentSub = child.parentCarerSubs[0]!;
    const parentsRecords = async () => {
      const parent = await signIn(parentSub);
      await expectHeadingFocused(parent, /Your children/);
      await parent
        .getByText(/There are no records linked|Your children/)
        .first()
        .waitFor();
      return parent;
    };
    const before = await parentsRecords();
    await expect.poll(() => before.locator('main').innerText()).not.toContain(child.givenName);
    const access = yp.locator('[data-section="parent-access"]');
    await expect.poll(() => access.innerText()).toContain('No, they cannot see it');
    await yp.getByRole('button', { name: 'Let them see my record' }).click();
    await access.getByText('Yes, they can see it').waitFor();
    await screen(yp, '14-young-person-record');

    // Now the parent sees the record and the young person's choices, but cannot change them.
    const parent = await parentsRecords();
    await parent.getByRole('link', { name: new RegExp(child.givenName) }).click();
    await expectHeadingFocused(parent, `${child.givenName} ${child.familyName}`);
    await parent.getByText(`${child.givenName} ${child.familyName} decides whether they share`).waitFor();
    await screen(parent, '15-parent-of-young-person');
    // They see the young person's choices, and nothing to change them with.
    await parent.getByRole('link', { name: /^See .* sharing choices$/ }).click();
    await parent.getByText('You can see their choices but not change them').waitFor();
    await expect.poll(() => parent.locator('[data-choice]').count()).toBe(27);
    expect(await parent.getByRole('link', { name: /^Change/ }).count()).toBe(0);
  });

  it('health practitioner: opens an assessment, sees the 6-week due date, writes and sends health advice', async () => {
    // The council has asked for health advice on a child the ICB is involved with.
    const child = hub.dataset.children.find((c) =>
      c.health?.involvements.some((i) => i.organisationId === 'icb-1' && i.endDate === null),
    );
    if (!child) throw new Error('no child with an ICB involvement');
    await askForAdvice(hub, child.id);
    // Advice goes to the council, so the family must have agreed to share health information with it.
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['health']);

    const page = await signIn('demo-health-1');
    await expectHeadingFocused(page, /Assessments/);
    // The council's request is on the practitioner's list; the child's record opens from it.
    const waiting = page.getByTestId('advice-waiting');
    await expect.poll(() => waiting.innerText()).toContain(`${child.givenName} ${child.familyName}`);
    await screen(page, '08-health-assessments');
    await waiting.getByRole('link', { name: `${child.givenName} ${child.familyName}` }).click();
    const due = page.getByTestId('advice-due');
    await due.waitFor();
    // 6 weeks after the request was sent (14 days ago): 28 days from today.
    const dueDate = new Date(Date.now() + 28 * 86_400_000).toLocaleDateString('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(await due.innerText()).toContain(`Due by ${dueDate}`);
    await page
      .getByLabel('The child’s health needs')
      .fill('Needs help with speech and with social communication (synthetic).');
    await page.getByLabel('What you want to achieve').fill('Able to ask for help in class within a year.');
    await page
      .getByLabel('Health support you recommend')
      .fill('Speech and language therapy, 6 sessions a term.');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').getByText('Your draft has been saved').waitFor();
    await screen(page, '09-health-advice-draft');
    await page.getByRole('button', { name: 'Send advice to the council' }).click();
    await page.getByRole('status').getByText('Your health advice has been sent to the council').waitFor();
    await page.getByText(/^Sent /).waitFor();
    await screen(page, '10-health-advice-sent');
    // Sent through the hub, the advice answers the council's request: it leaves the list.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assessments' }).click();
    await expectHeadingFocused(page, /Assessments/);
    await expect
      .poll(() => page.locator('main').innerText())
      .not.toContain(`${child.givenName} ${child.familyName}`);
  });

  it('council SEND officer: timeliness dashboard', async () => {
    const page = await signIn('demo-la-1');
    await expectHeadingFocused(page, /Timeliness dashboard/);
    await page.getByTestId('kpis').waitFor();
    await expect
      .poll(() => page.locator('main').innerText())
      .toMatch(/EHC plans issued within 20 weeks[\s\S]*Advice that is late/);
    // The national measures, trends and pathway waits (sendDashboard), in captioned tables.
    await page.getByTestId('national-measures').waitFor();
    await expect
      .poll(() => page.locator('main').innerText())
      .toMatch(
        /National measures[\s\S]*Weeks from request to final plan[\s\S]*Waiting for a specialist assessment[\s\S]*Families repeat themselves less/,
      );
    expect(await page.getByRole('table', { name: /New EHC plans issued within 20 weeks/ }).count()).toBe(1);
    // axe on this screen: resilience-agencies' council SEND officer test (the same dashboard at 1280
    // and 390 px), not again here.
  });

  it('auditor: access log with filters, paging and export', async () => {
    // A safeguarding override by the council, so the log has a break-glass event to highlight.
    const officer = hub.dataset.demoUsers.find((u) => u.sub === 'demo-la-1')!;
    const child = hub.dataset.children[0]!;
    const opened = await hub.query(
      `mutation { openBreakGlass(childId: "${child.id}", reason: "Safeguarding concern reported by the school today", durationHours: 2) { id } }`,
      { as: officer },
    );
    expect(opened.errors).toBeUndefined();
    await hub.query(`{ child(id: "${child.id}") { id health { updatedAt } } }`, {
      as: officer,
      purpose: 'early_help',
    });

    const page = await signIn('demo-auditor-1');
    await expectHeadingFocused(page, /Access log/);
    const rows = page.getByTestId('audit-events').locator('tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    expect(await page.getByText('There is a problem').count()).toBe(0);
    // axe on the unfiltered log: resilience-agencies' auditor test (1280 and 390 px); here on the
    // filtered one below.

    // Paging: 20 a page; the journeys above have written more than that.
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/page 2\)/).waitFor();

    await page.getByLabel('Only emergency (break-glass) access').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText(/page 1\)/).waitFor();
    // The page number changes before the filtered rows arrive: wait for the filtered list
    // itself. A broken filter never gets there and the poll fails.
    await expect
      .poll(async () => {
        const texts = await rows.allInnerTexts();
        return texts.length > 0 && texts.every((text) => text.includes('Break-glass'));
      })
      .toBe(true);
    await screen(page, '13-auditor-break-glass-filter');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /NDJSON/ }).click();
    const file = await savedDownload(await download);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).length).toBeGreaterThan(0);
  });
});
