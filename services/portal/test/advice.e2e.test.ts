import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents } from '../../gateway/test/hub.ts';
import {
  askForAdvice,
  DESKTOP,
  expectHeadingFocused,
  type Journey,
  PHONE,
  skipBrowser,
  startJourney,
  tabTo,
  WAIT,
} from './journey.ts';

// Advice for EHC needs assessments: the health practitioner corrects advice already sent (a new
// version; the sent one stays on record); SENCOs (desktop) and social workers (phone) go from
// what the council is waiting for to writing, saving, sending and correcting their own advice.
describe.skipIf(skipBrowser)('EHC advice in a real browser', () => {
  let j: Journey;

  beforeAll(async () => {
    j = await startJourney();
  }, 180_000);

  afterAll(async () => {
    await j?.close();
  });

  it('health practitioner corrects sent advice: one new version on a double click, sent again, kept across a reload', async () => {
    const { hub } = j;
    const child = hub.dataset.children.find((c) =>
      c.health?.involvements.some((i) => i.organisationId === 'icb-1' && i.endDate === null),
    )!;
    await askForAdvice(j.hub, child.id, 'health');
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['health']);
    const practitioner = demoUser(hub.dataset, 'demo-health-1');
    const draft = await hub.query<{ createHealthAdviceDraft: { id: string } }>(
      `mutation { createHealthAdviceDraft(childId: "${child.id}", input: { needs: "Needs help with speech (synthetic).", outcomesSought: "Able to ask for help in class.", provisionRecommended: "Speech therapy, 6 sessions a term." }) { id } }`,
      { as: practitioner },
    );
    expect(draft.errors).toBeUndefined();
    const sent = await hub.query(
      `mutation { submitHealthAdvice(id: "${draft.data!.createHealthAdviceDraft.id}") { id } }`,
      { as: practitioner },
    );
    expect(sent.errors).toBeUndefined();

    const page = await j.signIn('demo-health-1', DESKTOP, `#/child/${child.id}`);
    const sentAdvice = page.getByTestId('advice-sent');
    await expect.poll(() => sentAdvice.innerText(), WAIT).toMatch(/\(version 1\)/);
    await j.screen(page, 'advice-01-health-sent');

    await page.getByRole('button', { name: 'Correct this advice (version 1)' }).dblclick();
    await page.getByRole('status').getByText('You started a correction (version 2)').waitFor();
    const versions = await hub.subgraphs.health.db.query<{ n: string }>(
      'select count(*)::text as n from health.health_advice where child_id = $1',
      [child.id],
    );
    expect(versions[0]?.n).toBe('2');
    const needs = page.getByLabel('The child’s health needs');
    await expect.poll(() => needs.inputValue(), WAIT).toBe('Needs help with speech (synthetic).');
    await j.screen(page, 'advice-02-health-correcting');

    // Keyboard only: change the needs and send the correction.
    await tabTo(page, needs);
    await page.keyboard.press('Control+A');
    await page.keyboard.type('Needs help with speech and with social communication (synthetic).');
    await tabTo(page, page.getByRole('button', { name: 'Send advice to the council' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText('Your health advice has been sent to the council').waitFor();
    await expect.poll(() => sentAdvice.innerText(), WAIT).toMatch(/\(version 2, a correction\)/);
    expect(await sentAdvice.count()).toBe(1);
    expect(await sentAdvice.innerText()).toContain('social communication');

    await page.reload();
    await expect
      .poll(() => page.getByTestId('advice-sent').innerText(), WAIT)
      .toMatch(/version 2, a correction/);
    await j.screen(page, 'advice-03-health-corrected');
  }, 240_000);

  const withAssessment = () => new Set(buildSendWorkflow(j.hub.dataset).assessments.map((a) => a.childId));
  for (const { sub, agency, label, title, needsLabel, table, subgraph, viewport, pick } of [
    {
      sub: 'demo-senco-1',
      agency: 'education',
      label: 'educational advice',
      title: 'Educational advice',
      needsLabel: 'The child’s special educational needs',
      table: 'education.educational_advice',
      subgraph: 'education',
      viewport: DESKTOP,
      pick: (c: SyntheticChild) => c.schoolId === 'school-1',
    },
    {
      sub: 'demo-social-1',
      agency: 'social_care',
      label: 'social care advice',
      title: 'Social care advice',
      needsLabel: 'The child’s social care needs',
      table: 'social_care.social_care_advice',
      subgraph: 'social-care',
      // The social worker's whole journey on a phone.
      viewport: PHONE,
      pick: (c: SyntheticChild) =>
        c.socialCare?.allocatedWorker?.organisationId === 'sc-1' && c.schoolId !== 'school-1',
    },
  ] as const) {
    it(`${sub}: from the assessments waiting for ${label}, writes it, saves a draft, sends it and corrects it`, async () => {
      const assessed = withAssessment();
      const child = j.hub.dataset.children.find(
        (c) =>
          pick(c) && !assessed.has(c.id) && !c.health?.involvements.some((i) => i.organisationId === 'icb-1'),
      )!;
      expect(child, `seed needs a child for ${sub} with no assessment`).toBeDefined();
      await askForAdvice(j.hub, child.id, agency);
      await grantConsents(j.hub, child, 'local_authority', 'ehc_assessment', [agency]);
      const rows = async () =>
        (
          await j.hub.subgraphs[subgraph].db.query<{ version: number; status: string }>(
            `select version, status from ${table} where child_id = $1 order by version`,
            [child.id],
          )
        ).map((r) => `${r.version}:${r.status}`);
      const page = await j.signIn(sub, viewport);
      await tabTo(
        page,
        page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Advice requests' }),
      );
      await page.keyboard.press('Enter');
      await expectHeadingFocused(page, `Assessments waiting for ${label}`);
      const name = `${child.givenName} ${child.familyName}`;
      const waiting = page.getByTestId('advice-waiting');
      await expect.poll(() => waiting.innerText(), WAIT).toContain(name);
      await j.screen(page, `advice-04-${agency}-requests`);
      await waiting.getByRole('link', { name }).click();
      await expectHeadingFocused(page, name);

      // Write the needs and save a draft: one draft, seen only by the writer's organisation.
      await page.getByRole('heading', { name: `${title} for the EHC needs assessment` }).waitFor(WAIT);
      await page.getByTestId('advice-due').waitFor(WAIT);
      const needs = page.getByLabel(needsLabel);
      await needs.fill('Finds busy rooms hard and needs help to settle (synthetic).');
      await page.getByRole('button', { name: 'Save as draft' }).click();
      await page.getByRole('status').getByText('Your draft has been saved').waitFor(WAIT);
      expect(await rows()).toEqual(['1:draft']);
      await j.screen(page, `advice-05-${agency}-draft`);

      // Keyboard only: the other two sections, then send.
      await tabTo(page, page.getByLabel('What you want to achieve'));
      await page.keyboard.type('Settles in class within ten minutes most mornings (synthetic).');
      await tabTo(page, page.getByLabel(/you recommend/));
      await page.keyboard.type('A quiet start to the day and a named adult, every day (synthetic).');
      await tabTo(page, page.getByRole('button', { name: 'Send advice to the council' }));
      await page.keyboard.press('Enter');
      await page.getByRole('status').getByText(`Your ${label} has been sent to the council`).waitFor(WAIT);
      const sentAdvice = page.getByTestId('advice-sent');
      await expect.poll(() => sentAdvice.innerText(), WAIT).toMatch(/\(version 1\)/);
      expect(await rows()).toEqual(['1:submitted']);
      await j.screen(page, `advice-06-${agency}-sent`);

      // Correct it: a new version; the sent one stays on record.
      await page.getByRole('button', { name: 'Correct this advice (version 1)' }).click();
      await page.getByRole('status').getByText('You started a correction (version 2)').waitFor(WAIT);
      await expect.poll(() => page.getByLabel(needsLabel).inputValue(), WAIT).toContain('busy rooms');
      await page.getByLabel(needsLabel).fill('Finds busy rooms and loud noise hard (synthetic, corrected).');
      await page.getByRole('button', { name: 'Send advice to the council' }).click();
      await expect.poll(() => sentAdvice.innerText(), WAIT).toMatch(/\(version 2, a correction\)/);
      expect(await sentAdvice.innerText()).toContain('loud noise');
      expect(await rows()).toEqual(['1:submitted', '2:submitted']);
      await j.screen(page, `advice-07-${agency}-corrected`);

      // Sent through the hub, the council's request is answered: no longer waiting.
      await page.goto(`${j.base}#/assessments`);
      await expectHeadingFocused(page, `Assessments waiting for ${label}`);
      await expect.poll(() => page.locator('main').innerText(), WAIT).not.toMatch(/Loading/);
      expect(await page.locator('main').innerText()).not.toContain(name);
    }, 240_000);
  }
});
