import { describe, expect } from 'vitest';
import {
  DESCRIBE,
  mainScreenTest,
  poll,
  resilienceHub,
  skipBrowser,
  TITLE,
  test,
  WIDTHS,
} from './resilience.ts';

// Leaving and coming back for the SENCO (set-up and the other groups: resilience.ts): network
// failures and a failed start-up query on the record page, reload, new tab and a bookmarked page
// path, their main screen; and for everyone, the sign-in page's titles, error summary and
// plain-English errors.
describe.skipIf(skipBrowser)(DESCRIBE, () => {
  const r = resilienceHub();
  const { screen, newPage, signInHere, signedIn, heading, fullName, schoolChild } = r;

  for (const width of WIDTHS) {
    test(`record page: a network failure says so and "Try again" loads it (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signedIn('demo-senco-1', width);
      // Every GraphQL request fails at the network level (connection dropped).
      await page.route('**/graphql', (route) => route.abort('connectionreset'));
      await page.goto(`${r.base}#/child/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      const problem = page.getByTestId('load-failed');
      await poll(() => problem.innerText()).toMatch(/Sorry, the service could not be reached/);
      expect(await page.title()).toBe(`Record could not be loaded${TITLE}`);
      await screen(page, `r01-record-network-failure-${width}`);

      await page.unroute('**/graphql');
      await problem.getByRole('button', { name: 'Try again' }).click();
      await poll(() => heading(page)).toContain(fullName(child));
      expect(await page.getByTestId('load-failed').count()).toBe(0);
      expect(await page.title()).toBe(`${fullName(child)}${TITLE}`);
    });

    test(`a failed start-up query (502) does not hide sections for the rest of the session (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signedIn('demo-senco-1', width);
      // The first question the record page asks gets a proxy's 502 page.
      await page.route('**/graphql', (route) =>
        route.fulfill({
          status: 502,
          contentType: 'text/html',
          body: '<html><h1>502 Bad Gateway</h1></html>',
        }),
      );
      await page.goto(`${r.base}#/child/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      await poll(() => page.getByTestId('load-failed').innerText()).toMatch(
        /Sorry, there is a problem with the service/,
      );
      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Try again' }).click();
      await poll(() => heading(page)).toContain(fullName(child));
      // Every section is there after the retry.
      await page.locator('[data-section="ehc"]').waitFor();
      await page.locator('[data-section="education"]').waitFor();
    });
  }

  test('a record survives a reload, a new tab and a bookmarked page path (back there after signing in)', async () => {
    const child = schoolChild();
    const page = await signedIn('demo-senco-1', 1280);
    await page.goto(`${r.base}#/child/${child.id}`);
    await poll(() => heading(page)).toContain(fullName(child));
    await page.reload();
    await poll(() => heading(page)).toContain(fullName(child));

    // A new tab has its own session (sessionStorage): it asks to sign in, then shows the record.
    const tab = await newPage(1280);
    await tab.goto(`${r.base}#/child/${child.id}`);
    await poll(() => heading(tab)).toBe('Sign in');
    expect(await tab.title()).toBe(`Sign in${TITLE}`);
    await signInHere(tab, 'demo-senco-1');
    await poll(() => heading(tab)).toContain(fullName(child));

    // A page path (not a #/ route), as a bookmark or a pasted link might have it.
    const pasted = await newPage(1280);
    await pasted.goto(`${r.base}child/${child.id}`);
    await signInHere(pasted, 'demo-senco-1');
    await poll(() => heading(pasted)).toContain(fullName(child));
    expect(new URL(pasted.url()).hash).toBe(`#/child/${child.id}`);
    await screen(pasted, 'r03-record-after-new-tab-sign-in');
  });

  mainScreenTest(r, 'SENCO');

  test('titles, the error summary and error messages, by keyboard alone', async () => {
    const page = await newPage(1280);
    await page.goto(r.base);
    await poll(() => page.title()).toBe(`Sign in${TITLE}`);
    // Submit with nothing chosen, by keyboard.
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    const summary = page.getByTestId('error-summary');
    await summary.waitFor();
    await poll(() => page.evaluate('document.activeElement?.dataset?.testid')).toBe('error-summary');
    expect(await page.title()).toBe(`Error: Sign in${TITLE}`);
    // The field carries its own message, linked by aria-describedby and marked invalid.
    const select = page.locator('#user');
    expect(await select.getAttribute('aria-describedby')).toBe('user-hint user-error');
    expect(await select.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#user-error').innerText()).toContain('Select who you want to sign in as');
    await screen(page, 'r05-sign-in-error-summary');
    // The summary's link takes focus to the field.
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe(
      'Select who you want to sign in as',
    );
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate('document.activeElement?.id')).toBe('user');
    await page.keyboard.press('Tab'); // to the button
    await select.selectOption('demo-senco-1');
    await page.getByRole('button', { name: 'Sign in' }).focus();
    await page.keyboard.press('Enter');
    await poll(() => page.title()).toBe(`Find a child${TITLE}`);

    // A search that is too short: the same pattern on the search page.
    await page.getByLabel('Child’s name').fill('a');
    await page.getByLabel('Child’s name').press('Enter');
    await poll(() => page.title()).toBe(`Error: Find a child${TITLE}`);
    expect(await page.getByLabel('Child’s name').getAttribute('aria-describedby')).toBe(
      'child-name-hint child-name-error',
    );
    await screen(page, 'r06-search-error');
  });

  test('no internal names reach the user: a broken link reads in plain English', async () => {
    const page = await signedIn('demo-senco-1', 1280);
    await page.goto(`${r.base}#/child/not-a-child-id`);
    await poll(() => heading(page)).toMatch(/Record not available$/);
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/link you followed is not complete or not right/);
    expect(text).not.toMatch(/UUID|Child\.|\$id|Variable|GraphQL/);
    expect(await page.title()).toBe(`Error: Record not available${TITLE}`);
    await screen(page, 'r07-broken-link');
  });
});
