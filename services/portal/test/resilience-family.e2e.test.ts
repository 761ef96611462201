import { describe, expect } from 'vitest';
import { decisionMaker } from '../../gateway/test/hub.ts';
import { DESCRIBE, mainScreenTest, poll, resilienceHub, skipBrowser, test, WIDTHS } from './resilience.ts';

// Leaving and coming back for parent carers and young people (set-up and the other groups:
// resilience.ts): a 502 on the family page, an ended sign-in that keeps what was typed, their
// main screens, and "who has looked".
describe.skipIf(skipBrowser)(DESCRIBE, () => {
  const r = resilienceHub();
  const { screen, signInHere, signedIn, heading, fullName, schoolChild } = r;

  for (const width of WIDTHS) {
    test(`family page: a 502 from the gateway says so and "Try again" loads it (${width} px)`, async () => {
      const child = schoolChild();
      const page = await signedIn(decisionMaker(r.hub.dataset, child).sub, width);
      await page.route('**/graphql', (route) =>
        route.fulfill({ status: 502, contentType: 'text/html', body: '<html>Bad Gateway</html>' }),
      );
      await page.goto(`${r.base}#/family/${child.id}`);
      await poll(() => heading(page)).toMatch(/Record could not be loaded/);
      await poll(() => page.getByTestId('load-failed').innerText()).toMatch(
        /Sorry, there is a problem with the service/,
      );
      // One failure, one message and one action: the page-wide panel and its "Try again"; the
      // sharing choices and the other sections say they could not be loaded, with no summary,
      // alert or button of their own.
      await poll(() => page.getByText('The sharing choices could not be loaded.').count()).toBe(1);
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      await screen(page, `r02-family-502-${width}`);

      // The same on a page of the sharing choices journey.
      await page.goto(`${r.base}#/family/${child.id}/sharing`);
      await poll(() => page.getByText('Your sharing choices could not be loaded.').count()).toBe(1);
      await page.waitForLoadState('networkidle');
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
      expect(await page.getByRole('alert').count()).toBe(1);
      expect(await page.getByTestId('error-summary').count()).toBe(0);

      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Try again' }).click();
      // "Try again" draws the page afresh: the choices are there.
      await page.locator('[data-choice]').first().waitFor();
      expect(await page.getByTestId('load-failed').count()).toBe(0);
      await page.goto(`${r.base}#/family/${child.id}`);
      await poll(() => heading(page)).toContain(fullName(child));
      await page
        .getByTestId('sharing-overview')
        .getByRole('link', { name: /sharing choices/ })
        .waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    });
  }

  for (const width of WIDTHS) {
    test(`an ended sign-in keeps what the family typed and brings them back to it (${width} px)`, async () => {
      const child = r.hub.dataset.children.filter((c) => c.schoolId === 'school-1')[width === 1280 ? 1 : 2]!;
      const family = decisionMaker(r.hub.dataset, child);
      const page = await signedIn(family.sub, width);
      await page.goto(`${r.base}#/family/${child.id}`);
      await poll(() => heading(page)).toContain(fullName(child));
      const typed = `Synthetic note ${width}: a quiet corner at break time.`;
      const whatHelps = page.getByLabel('What helps', { exact: true });
      await whatHelps.fill(typed);

      // The token expires (or is revoked) while they type: the gateway answers 401.
      await page.evaluate("sessionStorage.setItem('hub.token', 'an-expired-token')");
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await poll(() => heading(page)).toBe('Sign in');
      await page.getByTestId('session-ended').waitFor();
      await screen(page, `r04-sign-in-ended-${width}`);

      await signInHere(page, family.sub);
      await poll(() => heading(page)).toContain(fullName(child));
      await poll(() => whatHelps.inputValue()).toBe(typed);
      await page.getByTestId('kept-draft').waitFor();
      const versions = async () =>
        (
          await r.hub.subgraphs.record.db.query<{ n: string }>(
            'select count(*)::text as n from record.family_information_version where child_id = $1',
            [child.id],
          )
        )[0]?.n;
      const before = await versions();
      // A double click saves once (the second press would otherwise meet the first as a conflict).
      await page.getByRole('button', { name: 'Save', exact: true }).dblclick();
      await page
        .getByRole('status')
        .getByText(/^Saved\./)
        .waitFor();
      await page.waitForLoadState('networkidle');
      expect(await versions()).toBe(String(Number(before) + 1));
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      // Saved: the kept copy is gone, so a reload shows what the hub holds (the same words).
      await page.reload();
      await poll(() => whatHelps.inputValue()).toBe(typed);
      expect(await page.getByTestId('kept-draft').count()).toBe(0);

      // The network fails as they save a change: a clear message, the words kept, nothing saved;
      // back on line, one press saves it once.
      const changed = `${typed} Ear defenders in assembly.`;
      await whatHelps.fill(changed);
      await page.route('**/graphql', (route) =>
        route.request().postData()?.includes('mutation') ? route.abort('connectionreset') : route.continue(),
      );
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await poll(() => page.getByTestId('error-summary').innerText()).toMatch(
        /Sorry, the service could not be reached/,
      );
      expect(await whatHelps.inputValue()).toBe(changed);
      expect(await versions()).toBe(String(Number(before) + 1));
      await screen(page, `r04b-about-me-network-failure-${width}`);
      await page.unroute('**/graphql');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page
        .getByRole('status')
        .getByText(/^Saved\./)
        .waitFor();
      await page.waitForLoadState('networkidle');
      expect(await versions()).toBe(String(Number(before) + 2));
      expect(await page.getByTestId('error-summary').count()).toBe(0);
      await page.reload();
      await poll(() => whatHelps.inputValue()).toBe(changed);
    });
  }

  mainScreenTest(r, 'parent carer');
  mainScreenTest(r, 'young person deciding for themself');

  test('who has looked: organisation names, UK time, one block per organisation, not the family’s own looks', async () => {
    const child = r.hub.dataset.children.filter((c) => c.schoolId === 'school-1')[3]!;
    const senco = await signedIn('demo-senco-1', 1280);
    // Two looks by the same school.
    await senco.goto(`${r.base}#/child/${child.id}`);
    await poll(() => heading(senco)).toContain(fullName(child));
    await senco.reload();
    await poll(() => heading(senco)).toContain(fullName(child));
    const family = decisionMaker(r.hub.dataset, child);
    for (const width of WIDTHS) {
      const page = await signedIn(family.sub, width);
      await page.goto(`${r.base}#/family/${child.id}`);
      const history = page.locator('[data-section="access-history"]');
      await history.getByTestId('access-history').waitFor();
      const text = await history.innerText();
      expect(text).toMatch(/Synthetic Primary School 1\s+Looked \d+ times, by SENCO/);
      expect(await history.getByRole('heading', { name: 'Synthetic Primary School 1' }).count()).toBe(1);
      expect(text).not.toMatch(/\bschool-1\b|UTC|parent or carer|young person/);
      // GOV.UK time style in England: "2 December 2026 at 10:05am".
      expect(text).toMatch(
        /Last looked \d{1,2} [A-Z][a-z]+ \d{4} at (\d{1,2}(:\d{2})?(am|pm)|midday|midnight)/,
      );
      await screen(page, `r08-family-who-has-looked-${width}`);
    }
  });
});
