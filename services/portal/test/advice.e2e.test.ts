import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents } from '../../gateway/test/hub.ts';
import { expectHeadingFocused, type Journey, skipBrowser, startJourney, tabTo, WAIT } from './journey.ts';

// Advice for EHC needs assessments: the health practitioner corrects advice already sent (a new
// version; the sent one stays on record), and SENCOs and social workers see what the council
// is waiting for from them.
describe.skipIf(skipBrowser)('EHC advice in a real browser', () => {
  let j: Journey;
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    j = await startJourney();
  }, 180_000);

  afterAll(async () => {
    await j?.close();
  });

  /** The council starts an assessment and asks an agency for advice. */
  async function askForAdvice(childId: string, agency: string) {
    const officer = demoUser(j.hub.dataset, 'demo-la-1');
    const requested = await j.hub.query<{ recordEhcAssessmentRequest: { id: string } }>(
      `mutation { recordEhcAssessmentRequest(childId: "${childId}", requestDate: "${daysAgo(20)}") { id } }`,
      { as: officer },
    );
    expect(requested.errors).toBeUndefined();
    const asked = await j.hub.query(
      `mutation { recordEhcAdviceRequest(assessmentId: "${requested.data!.recordEhcAssessmentRequest.id}", agency: ${agency}, sentDate: "${daysAgo(14)}") { id } }`,
      { as: officer },
    );
    expect(asked.errors).toBeUndefined();
  }

  it('health practitioner corrects sent advice: one new version on a double click, sent again, kept across a reload', async () => {
    const { hub } = j;
    const child = hub.dataset.children.find((c) =>
      c.health?.involvements.some((i) => i.organisationId === 'icb-1' && i.endDate === null),
    )!;
    await askForAdvice(child.id, 'health');
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

    const page = await j.signIn('demo-health-1');
    await page.goto(`${j.base}#/child/${child.id}`);
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

  for (const [sub, agency, label, pick] of [
    [
      'demo-senco-1',
      'education',
      'education advice',
      (c: { schoolId: string | null }) => c.schoolId === 'school-1',
    ],
    [
      'demo-social-1',
      'social_care',
      'social care advice',
      (c: { socialCare: { allocatedWorker: { organisationId: string } | null } | null }) =>
        c.socialCare?.allocatedWorker?.organisationId === 'sc-1',
    ],
  ] as const) {
    it(`${sub}: sees the assessments waiting for ${label}, and opens the child from the list`, async () => {
      const child = j.hub.dataset.children.find(
        (c) =>
          (pick as (c: unknown) => boolean)(c) &&
          !c.health?.involvements.some((i) => i.organisationId === 'icb-1'),
      )!;
      await askForAdvice(child.id, agency);
      const page = await j.signIn(sub);
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
      await page.reload();
      await expect.poll(() => page.getByTestId('advice-waiting').innerText(), WAIT).toContain(name);
      await waiting.getByRole('link', { name }).click();
      await expectHeadingFocused(page, name);
    }, 180_000);
  }
});
