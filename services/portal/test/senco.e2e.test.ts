import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHeadingFocused, type Journey, skipBrowser, startJourney, tabTo, WAIT } from './journey.ts';

// The SENCO's search: the true number of children on the roll, 50 a page, and the page kept
// across a reload, a new tab and a visit to a record.
describe.skipIf(skipBrowser)('SENCO search in a real browser', () => {
  let j: Journey;

  beforeAll(async () => {
    // Enough children that school-1's roll is more than one page of 50.
    j = await startJourney({ children: 230 });
  }, 240_000);

  afterAll(async () => {
    await j?.close();
  });

  it('says how many children are on the roll, pages through them 50 at a time, keyboard only', async () => {
    const onRoll = j.hub.dataset.children.filter((c) => c.schoolId === 'school-1').length;
    expect(onRoll, 'the seed needs more than 50 children on the roll').toBeGreaterThan(50);

    const page = await j.signIn('demo-senco-1');
    await expectHeadingFocused(page, /Find a child/);
    await tabTo(page, page.getByLabel('Child’s name'));
    await page.keyboard.type('Testchild');
    await page.keyboard.press('Enter');

    const heading = page.locator('#results-heading');
    await expect.poll(() => heading.innerText(), WAIT).toBe(`${onRoll} children found`);
    expect(await page.getByTestId('results-range').innerText()).toBe(`Showing 1 to 50 of ${onRoll}`);
    expect(await page.locator('main table tbody tr').count()).toBe(50);
    await j.screen(page, 'senco-01-search-page-1');

    await tabTo(page, page.getByRole('button', { name: 'Next page' }));
    await page.keyboard.press('Enter');
    const lastPage = `Showing 51 to ${onRoll} of ${onRoll}`;
    await expect.poll(() => page.getByTestId('results-range').innerText(), WAIT).toBe(lastPage);
    expect(await page.locator('main table tbody tr').count()).toBe(onRoll - 50);
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    await j.screen(page, 'senco-02-search-page-2');

    // Reload and a new tab: the same page of the same search.
    await page.reload();
    await expect.poll(() => page.getByTestId('results-range').innerText(), WAIT).toBe(lastPage);
    expect(await page.getByLabel('Child’s name').inputValue()).toBe('Testchild');
    const tab = await j.newTab(page, page.url());
    await expect.poll(() => tab.getByTestId('results-range').innerText(), WAIT).toBe(lastPage);
    await tab.close();

    // A record from page 2, and back: still page 2.
    const first = page.locator('main table tbody tr a').first();
    const name = await first.innerText();
    await first.click();
    await expectHeadingFocused(page, name);
    await page.goBack();
    await expect.poll(() => page.getByTestId('results-range').innerText(), WAIT).toBe(lastPage);

    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect
      .poll(() => page.getByTestId('results-range').innerText(), WAIT)
      .toBe(`Showing 1 to 50 of ${onRoll}`);
  }, 180_000);
});
