import { readFileSync } from 'node:fs';
import { ageOn } from '@hub/policy';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker } from '../../gateway/test/hub.ts';
import { savedDownload } from './browser.ts';
import { askForAdvice, type PortalHub, skipBrowser, startPortalHub, WIDTHS } from './journey.ts';

// The family's informed-consent journey (consent-journey.tsx) in Chromium, at a desktop and a
// phone width (keyboard only on the phone run), axe-core on every screen: a partner waits on a
// consent → the family sees the task → one question with what/who/why/if-you-say-no → check
// answers (survives a reload) → a double-clicked confirm → confirmation → a record to keep; a new
// tab shows the saved choice; the practitioner is warned before the advice form until then.
if (skipBrowser)
  console.warn('consent journey e2e tests SKIPPED: Chromium not found (apt-get install -y chromium).');

describe.skipIf(skipBrowser)('informed consent journey in a real browser', () => {
  let portal: PortalHub;

  beforeAll(async () => {
    portal = await startPortalHub('consent-journey');
  }, 300_000);
  afterAll(async () => {
    await portal?.close();
  });

  /** An under-15 child the ICB works with, whose assessment waits for health advice the family has not agreed to. */
  async function childWaitingOnConsent(index: number) {
    const { hub } = portal;
    const now = new Date();
    const child = hub.dataset.children.filter(
      (c) =>
        ageOn(c.dateOfBirth, now) < 15 &&
        c.parentCarerSubs.length > 0 &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && i.endDate === null),
    )[index];
    if (!child) throw new Error(`no child ${index} with an ICB involvement`);
    await askForAdvice(hub, child.id);
    return child;
  }

  const openConsents = (childId: string) =>
    portal.hub.subgraphs.record.db.query<{ id: string }>(
      `select id from record.consent where child_id = $1 and domain = 'health'
          and recipient_org_type = 'local_authority' and purpose = 'ehc_assessment' and withdrawn_at is null`,
      [childId],
    );

  /** Holds every GraphQL request whose text contains `marker` until the returned function is called. */
  async function holdQueries(page: Page, marker: string): Promise<() => Promise<void>> {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/graphql', async (route) => {
      if (route.request().postData()?.includes(marker)) await gate;
      await route.continue();
    });
    // The route stays (held requests continue once released; later ones go straight through).
    return async () => release();
  }

  for (const [index, size] of WIDTHS.entries()) {
    it(`${size.name} (${size.width} px): a partner waits, the family answers one question, checks, confirms and keeps a record`, async () => {
      const child = await childWaitingOnConsent(index);
      const name = `${child.givenName} ${child.familyName}`;
      const keyboard = size.name === 'phone';
      const shot = (page: Page, n: string) => portal.screen(page, `${size.name}-${n}`);

      // The practitioner is warned before the form, and on their list, while the family has not agreed.
      const nhs = await portal.signIn('demo-health-1', size);
      const waiting = nhs.getByTestId('advice-waiting');
      await expect.poll(() => waiting.innerText()).toContain(name);
      await expect.poll(() => waiting.innerText()).toContain('Waiting for the family to agree');
      await waiting.getByRole('link', { name }).click();
      await nhs.getByTestId('advice-consent-missing').waitFor();
      expect(await nhs.getByLabel('The child’s health needs').count()).toBe(0);
      await shot(nhs, '1-practitioner-warned');

      // The family: the child's page says what a partner is waiting for. While the choices load,
      // no state and nothing to press is shown.
      const parent = await portal.signIn(decisionMaker(portal.hub.dataset, child).sub, size);
      const release = await holdQueries(parent, 'query Consents');
      await parent.getByRole('link', { name: new RegExp(child.givenName!) }).click();
      await parent.getByText('Loading sharing choices').waitFor();
      expect(await parent.getByRole('link', { name: /sharing choices/ }).count()).toBe(0);
      expect(await parent.getByText(/^(Shared|Not shared)$/).count()).toBe(0);
      await release();
      const tasks = parent.getByTestId('waiting-tasks');
      await expect.poll(() => tasks.innerText()).toContain('Can the NHS send its advice to the council?');
      await expect.poll(() => tasks.innerText()).toContain('Waiting for you');
      await shot(parent, '2-family-task-list');

      // The sharing summary loads the same way: "Loading", then every choice with a Change link.
      await parent.getByRole('link', { name: /See or change .* sharing choices/ }).click();
      await parent.getByRole('heading', { level: 1, name: /Who can see .* information/ }).waitFor();
      await expect.poll(() => parent.locator('[data-choice]').count()).toBe(27);
      expect(await parent.getByRole('link', { name: /^Change whether you share/ }).count()).toBe(27);
      await shot(parent, '3-sharing-summary');

      // One question per page: what, who, why and what happens if you say no.
      await parent.getByTestId('waiting-tasks').getByRole('link').click();
      const question = `Can the NHS share ${child.givenName}’s health information with the council’s SEND team for an EHC needs assessment?`;
      await parent.getByRole('heading', { level: 1, name: question }).waitFor();
      const main = await parent.locator('main').innerText();
      for (const part of [
        'What is shared',
        'Who will see it',
        'Why',
        'If you say no',
        'cannot send its advice',
      ]) {
        expect(main).toContain(part);
      }
      expect(main).not.toMatch(/local_authority|ehc_assessment|recipientOrgType/);
      await expect.poll(() => parent.title()).toBe(`${question} – Tell it once`);
      await shot(parent, '4-question');

      // No answer: a GOV.UK error summary linked to the answer, and "Error:" in the title.
      await parent.getByRole('button', { name: 'Continue' }).click();
      await parent.getByRole('alert').getByText('There is a problem').waitFor();
      await expect.poll(() => parent.title()).toMatch(/^Error: /);
      await parent.getByRole('alert').getByRole('link').click();
      expect(await parent.evaluate('document.activeElement?.id')).toBe('share-yes');
      await shot(parent, '5-question-error');

      if (keyboard) {
        await parent.keyboard.press('Space');
        await parent.keyboard.press('Tab');
        expect(await parent.evaluate('document.activeElement?.textContent')).toBe('Continue');
        await parent.keyboard.press('Enter');
      } else {
        await parent.getByLabel('Yes, share it').check();
        await parent.getByRole('button', { name: 'Continue' }).click();
      }

      // Check your answers; a reload keeps the answer (nothing is saved until confirmed).
      await parent.getByRole('heading', { level: 1, name: 'Check your answers before confirming' }).waitFor();
      await parent.reload();
      const check = parent.getByTestId('check-answers');
      await expect.poll(() => check.innerText()).toContain('Yes, share it (sharing will start)');
      expect(await openConsents(child.id)).toEqual([]);
      await shot(parent, '6-check-answers');

      // A double click (or Enter twice) records one consent.
      const confirm = parent.getByRole('button', { name: 'Confirm and save' });
      if (keyboard) {
        await confirm.focus();
        await parent.keyboard.press('Enter');
        await parent.keyboard.press('Enter');
      } else {
        await confirm.dblclick();
      }
      await parent.getByRole('heading', { level: 1, name: 'Your sharing choices have been saved' }).waitFor();
      await expect.poll(async () => (await openConsents(child.id)).length).toBe(1);
      expect(await parent.locator('main').innerText()).toContain(
        'Share health information with the council’s SEND team for an EHC needs assessment',
      );
      await shot(parent, '7-confirmation');

      // A record to keep: every choice with its date, to print or download.
      await parent.getByRole('link', { name: /Print or download a record/ }).click();
      await parent.getByRole('heading', { level: 1, name: /A record of .* sharing choices/ }).waitFor();
      await parent.getByTestId('record-date').waitFor();
      await shot(parent, '8-record-to-keep');
      const download = parent.waitForEvent('download');
      await parent.getByRole('button', { name: 'Download a copy' }).click();
      const text = readFileSync(await savedDownload(await download), 'utf8');
      expect(text).toContain(`Sharing choices for ${child.givenName}`);
      expect(text).toMatch(/Health information with the council’s SEND team: Shared since \d+ \w+ \d{4}/);
      expect(text.match(/^- /gm)?.length).toBe(27);

      // A new tab: the choice is saved in the hub, and nobody is waiting any more.
      const tab = await portal.signIn(decisionMaker(portal.hub.dataset, child).sub, size);
      await tab.getByRole('link', { name: new RegExp(child.givenName!) }).click();
      await tab.getByRole('link', { name: /See or change .* sharing choices/ }).click();
      const row = tab.locator('[data-choice="ehc_assessment/health/local_authority"]');
      await expect.poll(() => row.innerText()).toMatch(/Shared since/);
      expect(await tab.getByTestId('waiting-tasks').count()).toBe(0);

      // The practitioner, after a reload, gets the form instead of the warning.
      await nhs.reload();
      await nhs.getByLabel('The child’s health needs').waitFor();
      expect(await nhs.getByTestId('advice-consent-missing').count()).toBe(0);
    }, 300_000);
  }

  it('an ended sign-in and a network failure on confirming: the answer is kept, nothing is saved twice', async () => {
    // A family not used by the tests above (they take the first three children with an ICB involvement).
    const child = portal.hub.dataset.children
      .filter((c) => ageOn(c.dateOfBirth, new Date()) < 15 && c.parentCarerSubs.length > 0)
      .at(-1);
    if (!child) throw new Error('no child under 15 with a parent carer');
    const family = decisionMaker(portal.hub.dataset, child);
    const parent = await portal.signIn(family.sub);
    await parent.getByRole('link', { name: new RegExp(child.givenName!) }).click();
    await parent.getByRole('link', { name: /See or change .* sharing choices/ }).click();
    await parent
      .getByRole('link', { name: 'Change whether you share school information with the NHS for early help' })
      .click();
    const question = parent.getByRole('heading', { level: 1 });
    await expect.poll(() => question.innerText()).toMatch(/school information with the NHS/);
    const questionUrl = parent.url();
    const granted = async () =>
      (
        await portal.hub.subgraphs.record.db.query<{ id: string }>(
          `select id from record.consent where child_id = $1 and domain = 'education' and recipient_org_type = 'health'
              and purpose = 'early_help' and withdrawn_at is null`,
          [child.id],
        )
      ).length;
    expect(await granted()).toBe(0);

    // The sign-in ends while the question is open: after signing in again, the same question.
    await parent.evaluate("sessionStorage.setItem('hub.token', 'an-expired-token')");
    await parent.reload();
    await parent.getByTestId('session-ended').waitFor();
    await parent.getByLabel('Who do you want to sign in as?').selectOption(family.sub);
    await parent.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => question.innerText()).toMatch(/school information with the NHS/);
    expect(parent.url()).toBe(questionUrl);
    await parent.getByLabel('Yes, share it').check();
    await parent.getByRole('button', { name: 'Continue' }).click();
    const check = parent.getByTestId('check-answers');
    await expect.poll(() => check.innerText()).toContain('Yes, share it (sharing will start)');
    const checkUrl = parent.url();

    // It ends again as they confirm: nothing is saved, and after signing in they are back on
    // "Check your answers" with the answer kept.
    await parent.evaluate("sessionStorage.setItem('hub.token', 'an-expired-token')");
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    await parent.getByTestId('session-ended').waitFor();
    expect(await granted()).toBe(0);
    await parent.getByLabel('Who do you want to sign in as?').selectOption(family.sub);
    await parent.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => check.innerText()).toContain('Yes, share it (sharing will start)');
    expect(parent.url()).toBe(checkUrl);

    // The network fails as they confirm: a clear message, the answer still there, nothing saved.
    await parent.route('**/graphql', (route) =>
      route.request().postData()?.includes('mutation') ? route.abort('connectionreset') : route.continue(),
    );
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    const summary = parent.getByRole('alert');
    await expect
      .poll(() => summary.innerText())
      .toMatch(/Not all your answers were saved: Sorry, the service could not be reached\./);
    expect(await summary.innerText()).not.toContain('..');
    await expect.poll(() => parent.title()).toMatch(/^Error: /);
    expect(await check.innerText()).toContain('Yes, share it (sharing will start)');
    expect(await granted()).toBe(0);
    await portal.screen(parent, 'check-answers-network-failure');

    // Back on line, one press saves it once.
    await parent.unroute('**/graphql');
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    await parent.getByRole('heading', { level: 1, name: 'Your sharing choices have been saved' }).waitFor();
    expect(await granted()).toBe(1);
    await parent.getByRole('link', { name: /See all of .* sharing choices/ }).click();
    await expect
      .poll(() => parent.locator('[data-choice="early_help/education/health"]').innerText())
      .toMatch(/Shared since/);
    expect(await parent.getByTestId('unconfirmed').count()).toBe(0);
  }, 300_000);

  it('saying no stops sharing straight away, and the summary shows it after a reload', async () => {
    const child = await childWaitingOnConsent(2);
    const parent = await portal.signIn(decisionMaker(portal.hub.dataset, child).sub);
    await parent.getByRole('link', { name: new RegExp(child.givenName!) }).click();
    await parent.getByRole('link', { name: /See or change .* sharing choices/ }).click();
    const change = (sentence: string) =>
      parent.getByRole('link', { name: `Change whether you share ${sentence}` }).click();
    // Yes to one, then no to it again before confirming: the last answer counts.
    await change('school information with the NHS for early help');
    await parent.getByLabel('Yes, share it').check();
    await parent.getByRole('button', { name: 'Continue' }).click();
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    await parent.getByRole('heading', { level: 1, name: 'Your sharing choices have been saved' }).waitFor();
    await parent.getByRole('link', { name: /See all of .* sharing choices/ }).click();
    const row = parent.locator('[data-choice="early_help/education/health"]');
    await expect.poll(() => row.innerText()).toMatch(/Shared since/);
    await change('school information with the NHS for early help');
    await expect.poll(() => parent.getByTestId('current-state').innerText()).toMatch(/Shared/);
    await parent.getByLabel('No, do not share it').check();
    await parent.getByRole('button', { name: 'Continue' }).click();
    await expect
      .poll(() => parent.getByTestId('check-answers').innerText())
      .toContain('No, do not share it (sharing will stop)');
    await parent.getByRole('button', { name: 'Confirm and save' }).click();
    await parent.getByRole('heading', { level: 1, name: 'Your sharing choices have been saved' }).waitFor();
    await parent.reload();
    await parent.getByRole('link', { name: /See all of .* sharing choices/ }).click();
    await expect.poll(() => row.innerText()).toMatch(/Not shared/);
    const open = await portal.hub.subgraphs.record.db.query(
      `select id from record.consent where child_id = $1 and domain = 'education' and recipient_org_type = 'health'
          and purpose = 'early_help' and withdrawn_at is null`,
      [child.id],
    );
    expect(open).toEqual([]);
  }, 300_000);
});
