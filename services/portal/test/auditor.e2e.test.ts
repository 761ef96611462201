import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser } from '../../gateway/test/hub.ts';
import { savedDownload } from './browser.ts';
import { expectHeadingFocused, type Journey, skipBrowser, startJourney, tabTo, WAIT } from './journey.ts';

// The auditor's journey: find the requests where something was refused, see which fields were
// refused and why, keep the filters across a reload and a new tab, and export exactly those events.
describe.skipIf(skipBrowser)('auditor in a real browser', () => {
  let j: Journey;

  beforeAll(async () => {
    j = await startJourney();
  }, 180_000);

  afterAll(async () => {
    await j?.close();
  });

  it('sees which fields were refused and why, filters survive reload and a new tab, and the export has only the filtered events', async () => {
    const { hub } = j;
    // A SENCO asks for a child's NHS number (never for schools) and health section (no consent).
    const child = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.health !== null)!;
    const other = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.id !== child.id)!;
    const senco = demoUser(hub.dataset, 'demo-senco-1');
    const refused = await hub.query(
      `query SencoLook { child(id: "${child.id}") { id nhsNumber health { updatedAt } } }`,
      { as: senco, purpose: 'ehc_assessment' },
    );
    expect(refused.errors?.map((e) => e.extensions?.code)).toContain('FORBIDDEN_FIELD');
    // Someone else's look, which the filtered export must leave out.
    await hub.query(`{ child(id: "${other.id}") { id givenName } }`, {
      as: senco,
      purpose: 'ehc_assessment',
    });

    const page = await j.signIn('demo-auditor-1');
    await expectHeadingFocused(page, /Access log/);
    await page.getByTestId('audit-events').locator('tbody tr').first().waitFor();

    // Keyboard only: child id and "Refused", then Enter submits the form.
    await tabTo(page, page.getByLabel('Child id'));
    await page.keyboard.type(child.id);
    await tabTo(page, page.getByLabel('Result'));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByLabel('Result').inputValue()).toBe('DENIED');
    await tabTo(page, page.getByRole('button', { name: 'Apply filters' }));
    await page.keyboard.press('Enter');

    const refusals = page.getByTestId('refusals');
    const expectRefusalsShown = async () => {
      // Wait for the filtered list itself (the unfiltered one may still be on screen): only
      // refused requests, at least one of them this child's look with both refusals explained.
      await expect
        .poll(async () => {
          const rows = await page.getByTestId('audit-events').locator('tbody tr').allInnerTexts();
          return rows.length > 0 && rows.every((row) => /\tRefused$/.test(row.trim()));
        }, WAIT)
        .toBe(true);
      const text = (await refusals.allInnerTexts()).join('\n');
      expect(text).toMatch(/Child\.nhsNumber – the role may never see it/);
      expect(text).toMatch(/Child\.health – the family had not agreed to share it for the stated reason/);
    };
    await expectRefusalsShown();
    expect(page.url()).toContain(`childId=${child.id}`);
    await j.screen(page, 'auditor-01-refused-fields');

    // Reload: the same filters and events.
    await page.reload();
    await expectRefusalsShown();
    expect(await page.getByLabel('Child id').inputValue()).toBe(child.id);
    expect(await page.getByLabel('Result').inputValue()).toBe('DENIED');

    // A new tab at the same address shows the same.
    const tab = await j.newTab(page, page.url());
    await tab.getByTestId('refusals').first().waitFor();
    expect(await tab.getByLabel('Child id').inputValue()).toBe(child.id);
    await tab.close();

    // The export applies the same filters, on the server: only this child's refused requests.
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: /NDJSON/ }).click();
    const lines = readFileSync(await savedDownload(await download), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { childIds: string[]; outcome: string; fieldsDenied: string[] });
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.childIds).toContain(child.id);
      expect(line.outcome).toBe('denied');
    }
    expect(lines.flatMap((l) => l.fieldsDenied)).toContain('Child.nhsNumber:NOT_PERMITTED');
    expect(await page.getByText('Download the events that match these filters').count()).toBe(1);
  }, 180_000);
});
