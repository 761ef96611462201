import { signInternalContext } from '@hub/auth';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_ADVICE, healthAdviceChild, healthAdviceRows } from './health-advice-fixtures.ts';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

const FIELDS =
  'id childId assessmentId version supersedesId status current needs outcomesSought provisionRecommended authorName organisationId submittedAt date';
const CREATE = `mutation ($childId: ID!, $input: HealthAdviceInput!) { createHealthAdviceDraft(childId: $childId, input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation ($id: ID!, $input: HealthAdviceInput!) { updateHealthAdviceDraft(id: $id, input: $input) { ${FIELDS} } }`;
const SUBMIT = `mutation ($id: ID!) { submitHealthAdvice(id: $id) { ${FIELDS} } }`;
const CORRECT = `mutation ($id: ID!) { correctHealthAdvice(id: $id) { ${FIELDS} } }`;
const READ = `query ($id: ID!) { child(id: $id) { id healthAdvice { ${FIELDS} } } }`;
const REQUEST = `mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { id active } }`;

describe('health advice for an EHC needs assessment', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  const hp = () => demoUser(hub.dataset, 'demo-health-1');
  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const rows = () => healthAdviceRows(hub, child.id);

  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    child = healthAdviceChild(hub);
  });
  afterAll(() => hub?.close());

  let v1 = '';

  it('refuses advice without consent, then without an assessment in progress; nothing is written', async () => {
    const noConsent = await hub.query(CREATE, {
      as: hp(),
      variables: { childId: child.id, input: HEALTH_ADVICE },
    });
    expect(noConsent.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(noConsent.errors?.[0]?.message).toMatch(
      /not agreed to share health information with the local authority/,
    );
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['health']);
    const noAssessment = await hub.query(CREATE, {
      as: hp(),
      variables: { childId: child.id, input: HEALTH_ADVICE },
    });
    expect(noAssessment.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(noAssessment.errors?.[0]?.message).toMatch(/no EHC needs assessment in progress/);
    // A health organisation not involved with the child cannot even find it.
    const trust = await hub.query(CREATE, {
      as: demoUser(hub.dataset, 'demo-health-2'),
      variables: { childId: child.id, input: HEALTH_ADVICE },
    });
    if (!child.health?.involvements.some((i) => i.organisationId === 'trust-1' && !i.endDate)) {
      expect(trust.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    expect(await rows()).toBe(0);
  });

  it('draft → submitted: validation lists every problem and changes nothing', async () => {
    const requestDate = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const requested = await hub.query(REQUEST, {
      as: la(),
      variables: { childId: child.id, date: requestDate },
    });
    expect(requested.errors).toBeUndefined();
    const tooLong = await hub.query(CREATE, {
      as: hp(),
      variables: {
        childId: child.id,
        input: { needs: 'x'.repeat(10_001), outcomesSought: 'y'.repeat(10_002) },
      },
    });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(tooLong.errors?.[0]?.message).toMatch(
      /needs must be at most 10000.*outcomesSought must be at most 10000/,
    );
    expect(await rows()).toBe(0);

    const draft = await hub.query<{ createHealthAdviceDraft: any }>(CREATE, {
      as: hp(),
      variables: { childId: child.id, input: { needs: HEALTH_ADVICE.needs } },
    });
    expect(draft.errors).toBeUndefined();
    expect(draft.data?.createHealthAdviceDraft).toMatchObject({
      status: 'draft',
      version: 1,
      organisationId: 'icb-1',
      current: false,
      submittedAt: null,
    });
    v1 = draft.data!.createHealthAdviceDraft.id;
    const incomplete = await hub.query(SUBMIT, { as: hp(), variables: { id: v1 } });
    expect(incomplete.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(incomplete.errors?.[0]?.message).toMatch(/outcomes sought.*provision recommended/);
    const second = await hub.query(CREATE, {
      as: hp(),
      variables: { childId: child.id, input: HEALTH_ADVICE },
    });
    expect(second.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // Drafts are the authoring organisation's working documents.
    const laBefore = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(laBefore.data?.child.healthAdvice).toEqual([]);

    await hub.query(UPDATE, {
      as: hp(),
      variables: {
        id: v1,
        input: {
          outcomesSought: HEALTH_ADVICE.outcomesSought,
          provisionRecommended: HEALTH_ADVICE.provisionRecommended,
        },
      },
    });
    const submitted = await hub.query<{ submitHealthAdvice: any }>(SUBMIT, {
      as: hp(),
      variables: { id: v1 },
    });
    expect(submitted.errors).toBeUndefined();
    expect(submitted.data?.submitHealthAdvice).toMatchObject({
      status: 'submitted',
      current: true,
      ...HEALTH_ADVICE,
      authorName: expect.any(String),
    });
    expect(submitted.data?.submitHealthAdvice.submittedAt).toBe(submitted.data?.submitHealthAdvice.date);
  });

  it('submitted advice is immutable: edits are refused by the API and by the database', async () => {
    const edit = await hub.query(UPDATE, {
      as: hp(),
      variables: { id: v1, input: { needs: 'Synthetic: changed' } },
    });
    expect(edit.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(edit.errors?.[0]?.message).toMatch(/write a correction/);
    await expect(
      hub.subgraphs.health.db.query(`update health.health_advice set needs = 'tampered' where id = $1`, [v1]),
    ).rejects.toThrow(/immutable/);
    await expect(
      hub.subgraphs.health.db.query('delete from health.health_advice where id = $1', [v1]),
    ).rejects.toThrow(/cannot be deleted/);
  });

  it('a correction is a new version that supersedes the old one once submitted', async () => {
    const correction = await hub.query<{ correctHealthAdvice: any }>(CORRECT, {
      as: hp(),
      variables: { id: v1 },
    });
    expect(correction.data?.correctHealthAdvice).toMatchObject({
      version: 2,
      supersedesId: v1,
      status: 'draft',
      ...HEALTH_ADVICE,
    });
    const v2 = correction.data!.correctHealthAdvice.id;
    const again = await hub.query(CORRECT, { as: hp(), variables: { id: v1 } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await hub.query(UPDATE, {
      as: hp(),
      variables: { id: v2, input: { needs: `${HEALTH_ADVICE.needs} Corrected: also hearing impairment.` } },
    });
    const done = await hub.query(SUBMIT, { as: hp(), variables: { id: v2 } });
    expect(done.errors).toBeUndefined();

    const byLa = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(byLa.errors).toBeUndefined();
    expect(byLa.data?.child.healthAdvice.map((a: any) => [a.version, a.status, a.current])).toEqual([
      [1, 'submitted', false],
      [2, 'submitted', true],
    ]);
    // Shared like the health section: no consent for this purpose, no advice.
    const otherPurpose = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'early_help',
    });
    expect(otherPurpose.data?.child.healthAdvice).toBeNull();
    expect(otherPurpose.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN_FIELD',
      field: 'Child.healthAdvice',
    });
  });

  it('the practitioner sees the requests waiting for them; sending advice answers the council’s request', async () => {
    const WAITING = `{ adviceRequestsForMe { assessmentId request { id agency sentDate receivedDate dueDate status } child { id givenName } } }`;
    const ASSESSMENTS = `query ($id: ID!) { child(id: $id) { ehcAssessments { id active adviceRequests { id agency receivedDate } } } }`;
    type Waiting = {
      assessmentId: string;
      request: Record<string, unknown>;
      child: { id: string; givenName: string };
    };
    const waitingFor = async (who: ReturnType<typeof hp>) => {
      const res = await hub.query<{ adviceRequestsForMe: Waiting[] }>(WAITING, { as: who });
      expect(res.errors).toBeUndefined();
      return (res.data?.adviceRequestsForMe ?? []).filter((w) => w.child.id === child.id);
    };
    const assessment = (
      await hub.query<{ child: { ehcAssessments: Array<{ id: string; active: boolean }> } }>(ASSESSMENTS, {
        as: la(),
        variables: { id: child.id },
      })
    ).data!.child.ehcAssessments.find((a) => a.active)!;
    const sentDate = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
    const due = new Date(Date.parse(`${sentDate}T00:00:00Z`) + 42 * 86_400_000).toISOString().slice(0, 10);
    const asked = await hub.query(
      `mutation ($id: ID!, $date: String!) { recordEhcAdviceRequest(assessmentId: $id, agency: health, sentDate: $date) { id } }`,
      { as: la(), variables: { id: assessment.id, date: sentDate } },
    );
    expect(asked.errors).toBeUndefined();

    // Waiting for the involved ICB, with the 6-week due date; nobody else's list has it.
    const waiting = await waitingFor(hp());
    expect(waiting).toEqual([
      {
        assessmentId: assessment.id,
        request: expect.objectContaining({ agency: 'health', sentDate, receivedDate: null, dueDate: due }),
        child: { id: child.id, givenName: child.givenName },
      },
    ]);
    if (!child.health?.involvements.some((i) => i.organisationId === 'trust-1' && !i.endDate)) {
      expect(await waitingFor(demoUser(hub.dataset, 'demo-health-2'))).toEqual([]);
    }
    expect(await waitingFor(la())).toEqual([]);

    // A corrected version sent through the hub answers the request, today.
    const latest = (
      await hub.query<{ child: any }>(READ, {
        as: hp(),
        variables: { id: child.id },
        purpose: 'ehc_assessment',
      })
    ).data!.child.healthAdvice.find((a: any) => a.current).id;
    const draft = await hub.query<{ correctHealthAdvice: { id: string } }>(CORRECT, {
      as: hp(),
      variables: { id: latest },
    });
    expect(
      (await hub.query(SUBMIT, { as: hp(), variables: { id: draft.data!.correctHealthAdvice.id } })).errors,
    ).toBeUndefined();
    expect(await waitingFor(hp())).toEqual([]);
    const after = await hub.query<{
      child: { ehcAssessments: Array<{ id: string; adviceRequests: any[] }> };
    }>(ASSESSMENTS, { as: la(), variables: { id: child.id } });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
    expect(
      after.data!.child.ehcAssessments.find((a) => a.id === assessment.id)!.adviceRequests,
    ).toContainEqual({
      id: waiting[0]!.request.id,
      agency: 'health',
      receivedDate: today,
    });
  });

  it('the record checks for itself who may mark health advice received', async () => {
    const post = async (principal: ReturnType<typeof hp>, body: unknown) => {
      const token = await signInternalContext(hub.secret, { principal, requestId: 'test', purpose: null });
      return fetch(hub.subgraphs.record.url.replace('/graphql', '/internal/ehc-advice-received'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-context': token },
        body: JSON.stringify(body),
      });
    };
    const assessmentId = (
      await hub.query<{ child: { ehcAssessments: Array<{ id: string }> } }>(
        'query ($id: ID!) { child(id: $id) { ehcAssessments { id } } }',
        { as: la(), variables: { id: child.id } },
      )
    ).data!.child.ehcAssessments[0]!.id;
    expect((await post(la(), { assessmentId })).status).toBe(403);
    expect((await post(demoUser(hub.dataset, 'demo-senco-1'), { assessmentId })).status).toBe(403);
    expect((await post(hp(), { assessmentId: crypto.randomUUID() })).status).toBe(404);
    expect((await post(hp(), { assessmentId: 'nope' })).status).toBe(400);
    expect((await post(hp(), { assessmentId })).status).toBe(200);
  });
});
