import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

const MILESTONES = 'milestones { name dueDate completedDate statutory status daysRemaining daysLate breach }';
const ASSESSMENT = `id requestDate decision decisionDate finalPlanIssuedDate active asAt ${MILESTONES} adviceRequests { id agency sentDate receivedDate dueDate status }`;
const READ = `query ($id: ID!, $asAt: String) { child(id: $id) { id ehcAssessments(asAt: $asAt) { ${ASSESSMENT} } annualReview(asAt: $asAt) { planIssuedDate lastMeetingDate nextReviewDue ${MILESTONES} reviews { id meetingDate decisionDate decisionDue } } } }`;
const REQUEST = `mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { ${ASSESSMENT} } }`;
const UPDATE = `mutation ($id: ID!, $input: EhcAssessmentUpdate!) { updateEhcAssessment(id: $id, input: $input) { ${ASSESSMENT} } }`;
const ADVICE = `mutation ($id: ID!, $agency: AdviceAgency!, $sent: String!) { recordEhcAdviceRequest(assessmentId: $id, agency: $agency, sentDate: $sent) { ${ASSESSMENT} } }`;
const RECEIVED = `mutation ($id: ID!, $date: String!) { recordEhcAdviceReceived(adviceRequestId: $id, receivedDate: $date) { ${ASSESSMENT} } }`;
const REVIEW = `mutation ($childId: ID!, $meeting: String!) { recordAnnualReview(childId: $childId, meetingDate: $meeting) { nextReviewDue reviews { id meetingDate decisionDue } } }`;
const REVIEW_DECISION = `mutation ($id: ID!, $date: String!) { recordAnnualReviewDecision(reviewId: $id, decisionDate: $date) { reviews { id decisionDate } } }`;

type Milestone = {
  name: string;
  dueDate: string;
  status: string;
  daysLate: number | null;
  daysRemaining: number | null;
  breach: boolean;
};
const milestone = (a: { milestones: Milestone[] }, name: string) => a.milestones.find((m) => m.name === name);

describe('EHC needs assessment and annual review clocks', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let assessmentId = '';
  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const read = async (asAt: string, as = la()) => {
    const result = await hub.query<{ child: any }>(READ, { as, variables: { id: child.id, asAt } });
    expect(result.errors).toBeUndefined();
    return result.data!.child;
  };

  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
    child = hub.dataset.children.find((c) => !withAssessment.has(c.id) && c.dateOfBirth < '2020-01-01')!;
    expect(child).toBeDefined();
  });
  afterAll(() => hub?.close());

  it('a request starts the 6- and 20-week clocks (calendar weeks), with statuses as at any date', async () => {
    const created = await hub.query<{ recordEhcAssessmentRequest: any }>(REQUEST, {
      as: la(),
      variables: { childId: child.id, date: '2026-01-05' },
    });
    expect(created.errors).toBeUndefined();
    assessmentId = created.data!.recordEhcAssessmentRequest.id;
    const [early] = (await read('2026-02-10')).ehcAssessments;
    expect(early).toMatchObject({ requestDate: '2026-01-05', active: true, asAt: '2026-02-10' });
    expect(milestone(early, 'decision_to_assess')).toMatchObject({
      dueDate: '2026-02-16',
      status: 'due_soon',
      daysRemaining: 6,
    });
    expect(milestone(early, 'draft_plan')).toMatchObject({
      dueDate: '2026-05-10',
      status: 'not_due',
      breach: false,
    });
    expect(milestone(early, 'final_plan')).toMatchObject({ dueDate: '2026-05-25', status: 'not_due' });
    const [late] = (await read('2026-03-01')).ehcAssessments;
    expect(milestone(late, 'decision_to_assess')).toMatchObject({
      status: 'overdue',
      daysLate: 13,
      breach: true,
    });
    const twice = await hub.query(REQUEST, {
      as: la(),
      variables: { childId: child.id, date: '2026-01-06' },
    });
    expect(twice.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('bad dates are listed together and change nothing; recorded dates are not rewritten', async () => {
    const bad = await hub.query(UPDATE, {
      as: la(),
      variables: {
        id: assessmentId,
        input: {
          decision: 'assess',
          decisionDate: '2025-12-01',
          finalPlanIssuedDate: '2099-01-01',
          draftPlanSentDate: '2026-02-30',
        },
      },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/finalPlanIssuedDate cannot be in the future/);
    expect(bad.errors?.[0]?.message).toMatch(/draftPlanSentDate must be a real date/);
    expect(bad.errors?.[0]?.message).toMatch(/decisionDate is before the request date/);
    const [row] = await hub.subgraphs.record.db.query<{ decision: string | null }>(
      'select decision from record.ehc_assessment where id = $1',
      [assessmentId],
    );
    expect(row?.decision).toBeNull();

    const decided = await hub.query<{ updateEhcAssessment: any }>(UPDATE, {
      as: la(),
      variables: { id: assessmentId, input: { decision: 'assess', decisionDate: '2026-02-20' } },
    });
    expect(milestone(decided.data!.updateEhcAssessment, 'decision_to_assess')).toMatchObject({
      status: 'missed',
      daysLate: 4,
      breach: true,
    });
    const rewrite = await hub.query(UPDATE, {
      as: la(),
      variables: { id: assessmentId, input: { decision: 'assess', decisionDate: '2026-02-16' } },
    });
    expect(rewrite.errors?.[0]?.message).toMatch(/decisionDate is already recorded/);
  });

  it('each advice request is due 6 weeks after it was sent, per agency', async () => {
    await hub.query(ADVICE, {
      as: la(),
      variables: { id: assessmentId, agency: 'health', sent: '2026-02-23' },
    });
    const withSocial = await hub.query<{ recordEhcAdviceRequest: any }>(ADVICE, {
      as: la(),
      variables: { id: assessmentId, agency: 'social_care', sent: '2026-02-27' },
    });
    const advice = withSocial.data!.recordEhcAdviceRequest.adviceRequests;
    expect(advice.map((a: any) => [a.agency, a.dueDate])).toEqual([
      ['health', '2026-04-06'],
      ['social_care', '2026-04-10'],
    ]);
    const healthId = advice[0].id;
    const [asAt] = (await read('2026-04-08')).ehcAssessments;
    expect(asAt.adviceRequests.map((a: any) => a.status)).toEqual(['overdue', 'due_soon']);
    const received = await hub.query<{ recordEhcAdviceReceived: any }>(RECEIVED, {
      as: la(),
      variables: { id: healthId, date: '2026-04-20' },
    });
    expect(received.data?.recordEhcAdviceReceived.adviceRequests[0]).toMatchObject({
      receivedDate: '2026-04-20',
      status: 'missed',
    });
    const early = await hub.query(RECEIVED, {
      as: la(),
      variables: { id: advice[1].id, date: '2026-02-01' },
    });
    expect(early.errors?.[0]?.message).toMatch(/before the advice was requested/);
  });

  it('issuing the final plan ends the assessment; annual review decision is due 4 weeks after the meeting', async () => {
    const issued = await hub.query<{ updateEhcAssessment: any }>(UPDATE, {
      as: la(),
      variables: {
        id: assessmentId,
        input: { draftPlanSentDate: '2026-05-01', finalPlanIssuedDate: '2026-05-20' },
      },
    });
    expect(issued.errors).toBeUndefined();
    expect(issued.data?.updateEhcAssessment).toMatchObject({ active: false });
    expect(milestone(issued.data!.updateEhcAssessment, 'final_plan')).toMatchObject({
      status: 'met',
      breach: false,
    });
    const before = await read('2026-06-01');
    expect(before.annualReview).toMatchObject({
      planIssuedDate: '2026-05-20',
      lastMeetingDate: null,
      nextReviewDue: '2027-05-19',
    });

    const review = await hub.query<{ recordAnnualReview: any }>(REVIEW, {
      as: la(),
      variables: { childId: child.id, meeting: '2026-06-01' },
    });
    expect(review.errors).toBeUndefined();
    expect(review.data?.recordAnnualReview.reviews[0]).toMatchObject({
      meetingDate: '2026-06-01',
      decisionDue: '2026-06-29',
    });
    const pending = await read('2026-07-01');
    expect(milestone(pending.annualReview, 'annual_review_decision')).toMatchObject({
      status: 'overdue',
      daysLate: 2,
    });
    expect(milestone(pending.annualReview, 'next_annual_review')).toMatchObject({
      dueDate: '2027-05-31',
      status: 'not_due',
    });
    await hub.query(REVIEW_DECISION, {
      as: la(),
      variables: { id: review.data!.recordAnnualReview.reviews[0].id, date: '2026-06-20' },
    });
    expect(milestone((await read('2026-07-01')).annualReview, 'annual_review_decision')).toMatchObject({
      status: 'met',
    });
  });

  it('the family and involved partners see the clocks; only the LA records them', async () => {
    const family = await read('2026-07-01', decisionMaker(hub.dataset, child));
    expect(family.ehcAssessments).toHaveLength(1);
    const senco = demoUser(hub.dataset, `demo-senco-${child.schoolId.slice('school-'.length)}`);
    expect((await read('2026-07-01', senco)).ehcAssessments).toHaveLength(1);
    const bySenco = await hub.query(REQUEST, {
      as: senco,
      variables: { childId: child.id, date: '2026-07-01' },
    });
    expect(bySenco.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const future = await hub.query(REQUEST, {
      as: la(),
      variables: { childId: hub.dataset.children.at(-1)!.id, date: '2999-01-01' },
    });
    expect(future.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });
});
