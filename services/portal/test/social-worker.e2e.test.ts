import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DESKTOP,
  expectHeadingFocused,
  type Journey,
  skipBrowser,
  startJourney,
  tabTo,
  WAIT,
} from './journey.ts';

// The social worker's journey: find a child allocated to the team, see what the family agreed to
// share, open the rest in an emergency (break-glass) with a reason, and see what that shows and
// records; across a reload and a new tab, keyboard only, with a double click on the form.
describe.skipIf(skipBrowser)('social worker in a real browser', () => {
  let j: Journey;

  beforeAll(async () => {
    j = await startJourney();
  }, 180_000);

  afterAll(async () => {
    await j?.close();
  });

  it('finds an allocated child, sees what is shared, opens the rest with break-glass, and every look is flagged', async () => {
    const { hub } = j;
    const child = hub.dataset.children.find(
      (c) => c.socialCare?.allocatedWorker?.organisationId === 'sc-1' && c.health !== null,
    );
    if (!child) throw new Error('no child allocated to sc-1 with a health section');
    const fullName = `${child.givenName} ${child.familyName}`;

    const page = await j.signIn('demo-social-1');
    await expectHeadingFocused(page, /Find a child/);
    await tabTo(page, page.getByLabel('Child’s name'));
    await page.keyboard.type(child.familyName);
    await page.keyboard.press('Enter');
    const link = page.getByRole('link', { name: fullName });
    await tabTo(page, link);
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, fullName);

    // The consented record: social care's own section, health refused with the reason.
    await expect
      .poll(() => page.locator('[data-section="health"]').innerText(), WAIT)
      .toContain('The family has not agreed to share health information with your social care team');
    const emergency = page.getByRole('link', { name: 'use emergency access (break-glass)' });
    await emergency.waitFor();
    await j.screen(page, 'social-worker-01-record-consented');

    // The break-glass form: what it shows and records, and its rules.
    await tabTo(page, emergency);
    await page.keyboard.press('Enter');
    await expectHeadingFocused(page, 'Open this record in an emergency');
    await expect.poll(() => page.locator('main').innerText(), WAIT).toMatch(/flagged for auditors/);
    await page.getByRole('button', { name: 'Open the record in an emergency' }).click();
    await page.getByText('Enter why you need emergency access').first().waitFor();
    await page.getByText('Select how long you need emergency access for').first().waitFor();
    await j.screen(page, 'social-worker-02-break-glass-errors');

    // Keyboard: a too-short reason is refused with the count; what was typed survives a reload.
    await tabTo(page, page.getByLabel('Why do you need emergency access?'));
    await page.keyboard.type('Worried    ');
    await page.getByRole('button', { name: 'Open the record in an emergency' }).click();
    await page.getByText('Reason must be at least 20 characters (it has 7)').first().waitFor();
    await page.reload();
    await expect
      .poll(() => page.getByLabel('Why do you need emergency access?').inputValue(), WAIT)
      .toBe('Worried    ');
    const reason = 'Worried about bruising the school reported today; need the health history now.';
    await page.getByLabel('Why do you need emergency access?').fill('');
    await tabTo(page, page.getByLabel('Why do you need emergency access?'));
    await page.keyboard.type(reason);
    await tabTo(page, page.getByLabel('1 hour', { exact: true }));
    await page.keyboard.press('ArrowDown'); // radios: arrow keys move and select
    expect(await page.getByLabel('4 hours', { exact: true }).isChecked()).toBe(true);
    await j.screen(page, 'social-worker-03-break-glass-form');

    // A double click opens one override, not two.
    await page.getByRole('button', { name: 'Open the record in an emergency' }).dblclick();
    await expectHeadingFocused(page, fullName);
    const banner = page.getByTestId('break-glass-active');
    await expect.poll(() => banner.innerText(), WAIT).toContain(`Your reason: “${reason}”`);
    const rows = await hub.subgraphs.record.db.query<{ n: string }>(
      `select count(*)::text as n from record.break_glass where child_id = $1 and sub = 'demo-social-1'`,
      [child.id],
    );
    expect(rows[0]?.n).toBe('1');

    // What break-glass shows: the health section the family had not agreed to share.
    await expect
      .poll(() => page.locator('[data-section="health"]').innerText(), WAIT)
      .toMatch(/Health services involved/);
    await j.screen(page, 'social-worker-04-record-break-glass');

    // Reload and a new tab: still open, still saying so.
    await page.reload();
    await expect.poll(() => banner.innerText(), WAIT).toMatch(/^Emergency access until /);
    const tab = await j.newTab(page, page.url());
    await expect.poll(() => tab.getByTestId('break-glass-active').innerText(), WAIT).toContain(reason);
    await expect
      .poll(() => tab.locator('[data-section="health"]').innerText(), WAIT)
      .toMatch(/Health services involved/);
    await tab.close();

    // What break-glass records: the override with its reason, and each read under it flagged.
    const events = await hub.audit.db.query<{
      operation_name: string;
      break_glass: boolean;
      reason: string | null;
    }>(
      `select operation_name, break_glass, break_glass_reason as reason from audit.event
        where actor_sub = 'demo-social-1' and $1::uuid = any(child_ids) and outcome <> 'attempted' order by seq`,
      [child.id],
    );
    expect(events.filter((e) => e.operation_name?.startsWith('OpenBreakGlass'))).toEqual([
      { operation_name: 'OpenBreakGlass:openBreakGlass', break_glass: true, reason },
    ]);
    const readsAfter = events.slice(
      events.findIndex((e) => e.operation_name?.startsWith('OpenBreakGlass')) + 1,
    );
    const recordReads = readsAfter.filter((e) => e.operation_name?.startsWith('ChildRecord'));
    expect(recordReads.length).toBeGreaterThanOrEqual(3);
    for (const read of recordReads) expect(read).toMatchObject({ break_glass: true, reason });
  }, 240_000);

  // @hub/policy lets council SEND officers use break-glass too (mayBreakGlass): the same screen,
  // run as that role; the network fails on the first try (the reason kept, nothing opened).
  it('a council SEND officer opens a record with break-glass; a network failure opens nothing and a retry opens one', async () => {
    const { hub } = j;
    const child = hub.dataset.children.filter((c) => c.health !== null).at(-1);
    if (!child) throw new Error('no child with a health section');
    const fullName = `${child.givenName} ${child.familyName}`;
    const page = await j.signIn('demo-la-1', DESKTOP, `#/child/${child.id}`);
    await expect.poll(() => page.locator('h1').innerText(), WAIT).toMatch(child.familyName);
    await page.getByRole('link', { name: 'use emergency access (break-glass)' }).first().click();
    await expectHeadingFocused(page, 'Open this record in an emergency');
    const reason = 'Council safeguarding strategy meeting this afternoon needs the full health picture.';
    await page.getByLabel('Why do you need emergency access?').fill(reason);
    await page.getByLabel('1 hour', { exact: true }).check();
    const overrides = async () =>
      (
        await hub.subgraphs.record.db.query<{ n: string }>(
          `select count(*)::text as n from record.break_glass where child_id = $1 and sub = 'demo-la-1'`,
          [child.id],
        )
      )[0]?.n;

    await page.route('**/graphql', (route) =>
      route.request().postData()?.includes('mutation') ? route.abort('connectionreset') : route.continue(),
    );
    await page.getByRole('button', { name: 'Open the record in an emergency' }).click();
    await expect
      .poll(() => page.getByTestId('error-summary').innerText(), WAIT)
      .toMatch(/Sorry, the service could not be reached/);
    expect(await page.getByLabel('Why do you need emergency access?').inputValue()).toBe(reason);
    expect(await page.getByLabel('1 hour', { exact: true }).isChecked()).toBe(true);
    expect(await overrides()).toBe('0');
    await j.screen(page, 'social-worker-06-la-officer-break-glass-network-failure');

    await page.unroute('**/graphql');
    await page.getByRole('button', { name: 'Open the record in an emergency' }).click();
    await expectHeadingFocused(page, fullName);
    await expect
      .poll(() => page.getByTestId('break-glass-active').innerText(), WAIT)
      .toContain(`Your reason: “${reason}”`);
    await expect
      .poll(() => page.locator('[data-section="health"]').innerText(), WAIT)
      .toMatch(/Health services involved/);
    expect(await overrides()).toBe('1');
    await j.screen(page, 'social-worker-07-la-officer-record-break-glass');
    const audited = await hub.audit.db.query<{ break_glass: boolean; reason: string | null }>(
      `select break_glass, break_glass_reason as reason from audit.event
        where actor_sub = 'demo-la-1' and $1::uuid = any(child_ids) and operation_name = 'OpenBreakGlass:openBreakGlass'
          and outcome <> 'attempted'`,
      [child.id],
    );
    expect(audited).toEqual([{ break_glass: true, reason }]);
  }, 240_000);

  it('a child outside the team reads as not available, with the way to emergency access', async () => {
    const child = j.hub.dataset.children.find((c) => !c.socialCare?.allocatedWorker)!;
    const page = await j.signIn('demo-social-1', DESKTOP, `#/child/${child.id}`);
    await expect.poll(() => page.locator('h1').innerText(), WAIT).toMatch(/Record not available/);
    await page.getByRole('link', { name: 'use emergency access (break-glass)' }).waitFor();
    await j.screen(page, 'social-worker-05-not-available');
  }, 120_000);
});
