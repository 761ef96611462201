import { randomUUID } from 'node:crypto';
import { ageOn } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, GRANT_CONSENT, grantConsents, startHub, type TestHub } from './hub.ts';

// One open consent per choice (child × domain × recipient × purpose), enforced by the database,
// with grant and withdraw idempotent; and the family's task list of what partners wait for.
describe('consent choices through the gateway', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    const now = new Date();
    const icb = hub.dataset.children.filter(
      (c) =>
        ageOn(c.dateOfBirth, now) < 15 &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && i.endDate === null),
    );
    child = icb[0]!;
    expect(child, 'seed needs an under-15 child the ICB works with').toBeDefined();
  });
  afterAll(() => hub?.close());

  const family = () => decisionMaker(hub.dataset, child);
  const openRows = (c: SyntheticChild, domain: string, recipient: string, purpose: string) =>
    hub.subgraphs.record.db.query<{ id: string }>(
      `select id from record.consent where child_id = $1 and domain = $2 and recipient_org_type = $3
          and purpose = $4 and withdrawn_at is null`,
      [c.id, domain, recipient, purpose],
    );
  const grant = (c: SyntheticChild, domain: string, recipientOrgType: string, purpose: string) =>
    hub.query<{ grantConsent: { id: string; status: string } }>(GRANT_CONSENT, {
      as: decisionMaker(hub.dataset, c),
      variables: { input: { childId: c.id, domain, recipientOrgType, purpose } },
    });

  it('eight concurrent grants of one choice record one consent, and every answer is that consent', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => grant(child, 'education', 'health', 'annual_review')),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    const ids = new Set(answers.map((a) => a.data!.grantConsent.id));
    expect(ids.size).toBe(1);
    expect(answers.every((a) => a.data!.grantConsent.status === 'active')).toBe(true);
    expect((await openRows(child, 'education', 'health', 'annual_review')).map((r) => r.id)).toEqual([
      ...ids,
    ]);
    // Granting again later is the same answer, not a second consent.
    const later = await grant(child, 'education', 'health', 'annual_review');
    expect(later.data?.grantConsent.id).toBe([...ids][0]);
  });

  it('the database itself refuses a second open consent for one choice, even from its owner', async () => {
    await grantConsents(hub, child, 'social_care', 'annual_review', ['health']);
    await expect(
      hub.subgraphs.record.db.query(
        `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub, granted_by_role, starts_at)
         values ($1, $2, 'health', 'social_care', 'annual_review', $3, 'parent_carer', now())`,
        [randomUUID(), child.id, family().sub],
      ),
    ).rejects.toThrow(/consent_one_open_idx|duplicate key/);
  });

  it('withdrawal is idempotent under concurrency, and the choice can then be given again', async () => {
    const [id] = await grantConsents(hub, child, 'school', 'early_help', ['health']);
    const mutation = `mutation ($id: ID!) { withdrawConsent(id: $id) { id status withdrawnAt } }`;
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => hub.query(mutation, { as: family(), variables: { id } })),
    );
    for (const a of answers) expect(a.errors).toBeUndefined();
    expect(new Set(answers.map((a) => JSON.stringify(a.data))).size).toBe(1);
    expect(await openRows(child, 'health', 'school', 'early_help')).toEqual([]);
    const again = await grant(child, 'health', 'school', 'early_help');
    expect(again.errors).toBeUndefined();
    expect(again.data?.grantConsent.id).not.toBe(id);
  });

  it('an expired consent does not block giving the choice again; its history still says expired', async () => {
    const old = randomUUID();
    await hub.subgraphs.record.db.query(
      `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub, granted_by_role, starts_at, expires_at)
       values ($1, $2, 'social_care', 'school', 'early_help', $3, 'parent_carer', now() - interval '10 days', now() - interval '1 day')`,
      [old, child.id, family().sub],
    );
    const renewed = await grant(child, 'social_care', 'school', 'early_help');
    expect(renewed.errors).toBeUndefined();
    expect(renewed.data?.grantConsent.status).toBe('active');
    const list = await hub.query<{ consents: { id: string; status: string }[] }>(
      `query ($id: ID!) { consents(childId: $id) { id status } }`,
      { as: family(), variables: { id: child.id } },
    );
    expect(list.data?.consents.find((c) => c.id === old)?.status).toBe('expired');
  });

  describe('what partners are waiting for', () => {
    const REQUESTS = /* GraphQL */ `
      query ($id: ID!) { consentRequests(childId: $id) { domain recipientOrgType purpose agency requestedOn dueDate } }
    `;
    const FOR_ME = /* GraphQL */ `
      { adviceRequestsForMe { child { id } consentNeeded { domain recipientOrgType purpose } } }
    `;
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

    it('the council asks for health advice: the family sees the task, the practitioner is warned, and both clear when the family agrees', async () => {
      const officer = demoUser(hub.dataset, 'demo-la-1');
      const practitioner = demoUser(hub.dataset, 'demo-health-1');
      const requests = () =>
        hub.query<{ consentRequests: Record<string, string>[] }>(REQUESTS, {
          as: family(),
          variables: { id: child.id },
        });
      const forMe = async () =>
        (
          await hub.query<{
            adviceRequestsForMe: { child: { id: string }; consentNeeded: Record<string, string> | null }[];
          }>(FOR_ME, { as: practitioner })
        ).data?.adviceRequestsForMe.find((r) => r.child.id === child.id);

      expect((await requests()).data?.consentRequests).toEqual([]);
      const started = await hub.query<{ recordEhcAssessmentRequest: { id: string } }>(
        `mutation { recordEhcAssessmentRequest(childId: "${child.id}", requestDate: "${daysAgo(20)}") { id } }`,
        { as: officer },
      );
      expect(started.errors).toBeUndefined();
      const asked = await hub.query(
        `mutation { recordEhcAdviceRequest(assessmentId: "${started.data!.recordEhcAssessmentRequest.id}", agency: health, sentDate: "${daysAgo(14)}") { id } }`,
        { as: officer },
      );
      expect(asked.errors).toBeUndefined();

      const waiting = await requests();
      expect(waiting.errors).toBeUndefined();
      expect(waiting.data?.consentRequests).toEqual([
        {
          domain: 'health',
          recipientOrgType: 'local_authority',
          purpose: 'ehc_assessment',
          agency: 'health',
          requestedOn: daysAgo(14),
          dueDate: new Date(Date.parse(daysAgo(14)) + 42 * 86_400_000).toISOString().slice(0, 10),
        },
      ]);
      expect((await forMe())?.consentNeeded).toEqual({
        domain: 'health',
        recipientOrgType: 'local_authority',
        purpose: 'ehc_assessment',
      });
      // Someone with no relationship to the child learns nothing (the same answer as an unknown id).
      const stranger = await hub.query(REQUESTS, {
        as: demoUser(hub.dataset, 'demo-auditor-1'),
        variables: { id: child.id },
      });
      expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['health']);
      expect((await requests()).data?.consentRequests).toEqual([]);
      expect((await forMe())?.consentNeeded).toBeNull();
    });
  });
});
