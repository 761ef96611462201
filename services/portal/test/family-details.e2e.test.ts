import { ageOn } from '@hub/policy';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker } from '../../gateway/test/hub.ts';
import {
  DESKTOP,
  expectHeadingFocused,
  type Journey,
  skipBrowser,
  startJourney,
  tabTo,
  WAIT,
} from './journey.ts';

/**
 * Keyboard only, as with a real radio group: Tab reaches the group (its checked radio, or the
 * first), then arrow keys move the choice.
 */
async function chooseRadio(page: Page, group: string, label: string) {
  const checked = page.locator(`input[name="${group}"]:checked`);
  await tabTo(page, (await checked.count()) > 0 ? checked : page.locator(`input[name="${group}"]`).first());
  for (let i = 0; i < 6 && !(await page.getByLabel(label, { exact: true }).isChecked()); i++) {
    await page.keyboard.press('ArrowDown');
  }
  expect(await page.getByLabel(label, { exact: true }).isChecked()).toBe(true);
}

// The family tells once how they want to be contacted and their key history; the SENCO sees both.
describe.skipIf(skipBrowser)('family contact preferences and key history in a real browser', () => {
  let j: Journey;

  beforeAll(async () => {
    j = await startJourney();
  }, 180_000);

  afterAll(async () => {
    await j?.close();
  });

  it('saves contact preferences and key events (keyboard only, double click saves once), kept across reload and a new tab, and partners see them', async () => {
    const { hub } = j;
    const child = hub.dataset.children.find(
      (c) =>
        c.schoolId === 'school-1' && c.parentCarerSubs.length > 0 && ageOn(c.dateOfBirth, new Date()) < 14,
    )!;
    const family = decisionMaker(hub.dataset, child);
    const versions = async () =>
      Number(
        (
          await hub.subgraphs.record.db.query<{ n: string }>(
            'select count(*)::text as n from record.family_information_version where child_id = $1',
            [child.id],
          )
        )[0]?.n,
      );

    const page = await j.signIn(family.sub);
    await page.goto(`${j.base}#/family/${child.id}`);
    const link = page.getByRole('link', { name: 'Contact preferences and key history' });
    await tabTo(page, link);
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, 'Contact preferences and key history');
    await page.getByLabel('Text message').waitFor();
    await j.screen(page, 'family-details-01-empty');

    // Keyboard only: text message, after 3pm, Polish, an interpreter.
    await chooseRadio(page, 'contact-method', 'Text message');
    await tabTo(page, page.getByLabel('Best time to contact you (optional)'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('After 3pm on weekdays');
    await tabTo(page, page.getByLabel('Language you prefer (optional)'));
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Polish');
    await chooseRadio(page, 'interpreter', 'Yes');
    const before = await versions();
    await tabTo(page, page.getByRole('button', { name: 'Save contact preferences' }));
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .getByText(/^Saved\./)
      .waitFor();
    expect(await versions()).toBe(before + 1);

    // Key history: a double click adds the event once.
    await page.getByLabel('What happened').fill('We moved house from Testtown to Sampleville (synthetic)');
    await page.getByLabel('When (optional)').fill('2025-09-01');
    await page.getByRole('button', { name: 'Add to key history' }).dblclick();
    const events = page.getByTestId('key-events');
    await expect.poll(() => events.innerText(), WAIT).toContain('1 September 2025');
    await expect.poll(() => versions(), WAIT).toBe(before + 2);
    expect(await page.getByTestId('error-summary').count()).toBe(0);
    expect(await page.getByText('There is a problem').count()).toBe(0);
    await page.getByLabel('What happened').fill('Grandad died; she is still sad at bedtimes (synthetic)');
    await page.getByRole('button', { name: 'Add to key history' }).click();
    await expect.poll(() => events.innerText(), WAIT).toContain('Grandad died');
    await j.screen(page, 'family-details-02-saved');

    // Reload and a new tab show what was saved, the contact form with the history: never the saved
    // history beside a form still empty (it was, for a frame, when the form was filled in an effect
    // after drawing). A MutationObserver sees the page as each change leaves it, before any effect.
    await page.addInitScript(`new MutationObserver(() => {
      const events = document.querySelector('[data-testid="key-events"]');
      if (events?.textContent?.includes('We moved house') && !document.querySelector('input[name="contact-method"]:checked')) {
        window.historyBesideEmptyForm = true;
      }
    }).observe(document, { childList: true, subtree: true, characterData: true })`);
    await page.reload();
    await expect.poll(() => page.getByTestId('key-events').innerText(), WAIT).toContain('We moved house');
    expect(await page.evaluate('window.historyBesideEmptyForm === true')).toBe(false);
    expect(await page.getByLabel('Text message').isChecked()).toBe(true);
    expect(await page.getByLabel('Language you prefer (optional)').inputValue()).toBe('Polish');
    const tab = await j.newTab(page, page.url());
    await expect.poll(() => tab.getByTestId('key-events').innerText(), WAIT).toContain('Grandad died');
    await tab.close();

    // Remove one.
    await page.getByRole('button', { name: /Remove “Grandad died/ }).click();
    await expect.poll(() => page.getByTestId('key-events').innerText(), WAIT).not.toContain('Grandad died');

    // The SENCO sees the contact preferences and key history in the record, without asking.
    const senco = await j.signIn('demo-senco-1', DESKTOP, `#/child/${child.id}`);
    const told = senco.locator('[data-section="family-information"]');
    await expect.poll(() => told.innerText(), WAIT).toContain('1 September 2025: We moved house');
    expect(await told.innerText()).toMatch(
      /Text message, After 3pm on weekdays, Polish, needs an interpreter/,
    );
    await j.screen(senco, 'family-details-03-senco-sees');
  }, 240_000);
});
