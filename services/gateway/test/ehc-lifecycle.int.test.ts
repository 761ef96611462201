import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

// The EHC lifecycle through the gateway: as-at dates, exceptions (SEND Regulations 2014 regs
// 5(4), 8(2), 10(4), 13(3)), endings and appeals (regs 10, 44), review to amendment (regs 20-22),
// phase transfers (reg 18). Dates are before "today" (mutations refuse future dates).
const MILESTONES =
  'milestones { name dueDate completedDate status daysLate breach exceptionApplies exceptionIds }';
const ASSESSMENT = `id requestDate decision decisionDate planDecision planDecisionDate planCeasedDate active ending { kind date } asAt ${MILESTONES}
  adviceRequests { id agency status }
  exceptions { id kind from to adviceRequestId evidence excuses { milestone adviceRequestId regulation } }
  appeals { id route subject lodgedDate outcome outcomeDate open ${MILESTONES} }`;
const READ = `query ($id: ID!, $asAt: String) { child(id: $id) { id ehcAssessments(asAt: $asAt) { ${ASSESSMENT} } } }`;
const READ_REVIEW = `query ($id: ID!, $asAt: String) { child(id: $id) { id annualReview(asAt: $asAt) { planIssuedDate ${MILESTONES}
  reviews { id meetingDate decisionDate reportSentDate reportDue outcome amendmentProposedDate amendedPlanIssuedDate amendedPlanDue preparationForAdulthood ${MILESTONES} } } } }`;
const REQUEST = `mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { id } }`;
const UPDATE = `mutation ($id: ID!, $input: EhcAssessmentUpdate!) { updateEhcAssessment(id: $id, input: $input) { ${ASSESSMENT} } }`;
const ADVICE = `mutation ($id: ID!, $agency: AdviceAgency!, $sent: String!) { recordEhcAdviceRequest(assessmentId: $id, agency: $agency, sentDate: $sent) { adviceRequests { id agency } } }`;
const EXCEPTION = `mutation RecordEhcException($id: ID!, $kind: EhcExceptionKind!, $from: String!, $to: String, $evidence: String!, $advice: ID) {
  recordEhcException(assessmentId: $id, kind: $kind, from: $from, to: $to, evidence: $evidence, adviceRequestId: $advice) { ${ASSESSMENT} } }`;
const END_EXCEPTION = `mutation ($id: ID!, $to: String!) { endEhcException(exceptionId: $id, to: $to) { ${ASSESSMENT} } }`;
const APPEAL = `mutation ($id: ID!, $route: EhcAppealRoute!, $subject: EhcAppealSubject!, $lodged: String!) {
  recordEhcAppeal(assessmentId: $id, route: $route, subject: $subject, lodgedDate: $lodged) { ${ASSESSMENT} } }`;
const OUTCOME = `mutation ($id: ID!, $outcome: EhcAppealOutcome!, $date: String!) {
  recordEhcAppealOutcome(appealId: $id, outcome: $outcome, outcomeDate: $date) { ${ASSESSMENT} } }`;
const COMPLIANCE = `mutation ($id: ID!, $first: String, $final: String) {
  recordEhcOrderCompliance(appealId: $id, firstStepDate: $first, finalStepDate: $final) { ${ASSESSMENT} } }`;
const REVIEW = `mutation ($childId: ID!, $meeting: String!) { recordAnnualReview(childId: $childId, meetingDate: $meeting) { reviews { id } } }`;
const UPDATE_REVIEW = `mutation ($id: ID!, $input: AnnualReviewUpdate!) { updateAnnualReview(reviewId: $id, input: $input) { reviews { id outcome } } }`;
const CEASE = `mutation ($id: ID!, $date: String!, $reason: String!) { ceaseEhcPlan(assessmentId: $id, ceasedDate: $date, reason: $reason) { ${ASSESSMENT} } }`;
const TRANSFERS = `query ($asAt: String) { ehcPhaseTransfersDue(asAt: $asAt) { child { id } planAssessmentId kind transferDate amendBy completedDate status breach } }`;

// An independent oracle for reg 18(1) and reg 20(6) (not @hub/ehc-clock's code): the school year
// starts on 1 September; Reception is the school year in which the child turns 5.
const schoolYear = (date: string) => Number(date.slice(0, 4)) - (Number(date.slice(5, 7)) >= 9 ? 0 : 1);
const yearGroupOn = (dob: string, date: string) => schoolYear(date) - schoolYear(dob) - 5;
const phaseTransfers = (dob: string) =>
  (
    [
      ['early_years_to_school', 0, '02-15'],
      ['primary_to_secondary', 7, '02-15'],
      ['secondary_to_post16', 12, '03-31'],
    ] as const
  ).map(([kind, group, deadline]) => {
    const year = schoolYear(dob) + 5 + group;
    return { kind, transferDate: `${year}-09-01`, amendBy: `${year}-${deadline}` };
  });

type Milestone = {
  name: string;
  status: string;
  breach: boolean;
  exceptionApplies: boolean;
  dueDate: string;
};
const milestone = (a: { milestones: Milestone[] }, name: string) => a.milestones.find((m) => m.name === name);

describe('EHC lifecycle: as-at dates, exceptions, endings, appeals, amendments, phase transfers', () => {
  let hub: TestHub;
  let free: SyntheticChild[];
  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const ok = async <T = any>(query: string, variables: Record<string, unknown>, as = la()) => {
    const result = await hub.query<T>(query, { as, variables });
    expect(result.errors).toBeUndefined();
    return result.data as T;
  };
  const code = async (query: string, variables: Record<string, unknown>, as = la()) =>
    (await hub.query(query, { as, variables })).errors?.[0]?.extensions?.code;
  const assessments = async (child: SyntheticChild, asAt?: string, as = la()) =>
    (await ok<{ child: any }>(READ, { id: child.id, asAt }, as)).child.ehcAssessments;
  const start = async (child: SyntheticChild, request: string, assessOn: string) => {
    const id = (await ok<any>(REQUEST, { childId: child.id, date: request })).recordEhcAssessmentRequest.id;
    await ok(UPDATE, { id, input: { decision: 'assess', decisionDate: assessOn } });
    return id as string;
  };

  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
    // Children the LA is responsible for (demo-la-1) with no seeded assessment.
    free = hub.dataset.children.filter(
      (c) => !withAssessment.has(c.id) && c.dateOfBirth < '2020-01-01' && c.councilId === 'la-1',
    );
    expect(free.length).toBeGreaterThanOrEqual(3);
  });
  afterAll(() => hub?.close());

  it('as at a date: no assessment requested later, no decision made later', async () => {
    const child = free[0]!;
    const id = await start(child, '2026-01-05', '2026-02-10');
    expect(await assessments(child, '2026-01-04')).toEqual([]);
    const [before] = await assessments(child, '2026-02-01');
    expect(before).toMatchObject({ id, decision: null, decisionDate: null, active: true });
    expect(milestone(before, 'decision_to_assess')).toMatchObject({ status: 'not_due', breach: false });
    const [after] = await assessments(child, '2026-02-10');
    expect(after).toMatchObject({ decision: 'assess', decisionDate: '2026-02-10' });
    expect(milestone(after, 'decision_to_assess')?.status).toBe('met');
  });

  it('exceptions excuse exactly the limits the regulations list, with evidence, audited', async () => {
    const child = free[0]!;
    const [a] = await assessments(child);
    const advice = (await ok<any>(ADVICE, { id: a.id, agency: 'health', sent: '2026-02-23' }))
      .recordEhcAdviceRequest.adviceRequests;
    await ok(ADVICE, { id: a.id, agency: 'education', sent: '2026-02-23' });
    const health = advice.find((r: any) => r.agency === 'health').id;

    // Missed appointment: reg 8(2)(c), the health body's advice only.
    const missed = (
      await ok<any>(EXCEPTION, {
        id: a.id,
        kind: 'missed_appointment',
        from: '2026-03-10',
        to: '2026-03-10',
        evidence: 'Paediatric clinic letter: appointment not attended',
        advice: health,
      })
    ).recordEhcException;
    expect(missed.exceptions[0].excuses).toEqual([
      { milestone: 'advice:health', adviceRequestId: health, regulation: 'reg 8(2)(c)' },
    ]);
    const adviceMilestones = missed.milestones.filter((m: Milestone) => m.name.startsWith('advice:'));
    expect(
      adviceMilestones.map((m: Milestone) => [m.name, m.status, m.exceptionApplies, m.breach]).sort(),
    ).toEqual([
      ['advice:education', 'overdue', false, true],
      ['advice:health', 'overdue', true, false],
    ]);
    expect(milestone(missed, 'final_plan')).toMatchObject({
      status: 'overdue',
      exceptionApplies: false,
      breach: true,
    });

    // An absence still going on, 4+ weeks by today: regs 10(4)(d)/13(3) excuse the 20-week plan.
    const away = (
      await ok<any>(EXCEPTION, {
        id: a.id,
        kind: 'absence_from_area',
        from: '2026-04-10',
        evidence: 'Family abroad caring for a relative; email from parent 2026-04-08',
      })
    ).recordEhcException;
    expect(milestone(away, 'final_plan')).toMatchObject({
      status: 'overdue',
      exceptionApplies: true,
      breach: false,
    });
    expect(milestone(away, 'decision_to_assess')?.exceptionApplies).toBe(false);
    const absence = away.exceptions.find((e: any) => e.kind === 'absence_from_area');
    expect(absence.excuses).toEqual([
      { milestone: 'final_plan', adviceRequestId: null, regulation: 'reg 13(3) with 10(4)(d)' },
    ]);
    // Ended after 41 days: still excuses; ended again: refused, evidence unchanged.
    const ended = (await ok<any>(END_EXCEPTION, { id: absence.id, to: '2026-05-20' })).endEhcException;
    expect(milestone(ended, 'final_plan')?.exceptionApplies).toBe(true);
    expect(await code(END_EXCEPTION, { id: absence.id, to: '2026-05-21' })).toBe('INVALID_INPUT');

    // Bad facts are refused with every problem listed and nothing written.
    const closure = await hub.query(EXCEPTION, {
      as: la(),
      variables: { id: a.id, kind: 'school_closure', from: '2026-07-22', evidence: 'x' },
    });
    expect(closure.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(closure.errors?.[0]?.message).toMatch(/evidence/);
    expect(closure.errors?.[0]?.message).toMatch(/re-opened/);
    expect(
      await code(EXCEPTION, {
        id: a.id,
        kind: 'missed_appointment',
        from: '2026-03-10',
        evidence: 'Appointment not attended',
      }),
    ).toBe('INVALID_INPUT');
    expect(
      await code(EXCEPTION, {
        id: a.id,
        kind: 'personal_circumstances',
        from: '2099-01-01',
        evidence: 'Bereavement in the family',
      }),
    ).toBe('INVALID_INPUT');
    const stored = await hub.subgraphs.record.db.query<{ count: string }>(
      'select count(*) from record.ehc_exception where assessment_id = $1',
      [a.id],
    );
    expect(Number(stored[0]?.count)).toBe(2);

    // Evidence is the LA's; the family and partners see the exception and its effect, not the text.
    const family = (await assessments(child, undefined, decisionMaker(hub.dataset, child)))[0];
    expect(family.exceptions.map((e: any) => e.evidence)).toEqual([null, null]);
    expect(milestone(family, 'final_plan')?.exceptionApplies).toBe(true);
    const senco = demoUser(hub.dataset, `demo-senco-${child.schoolId.slice('school-'.length)}`);
    expect(
      await code(
        EXCEPTION,
        {
          id: a.id,
          kind: 'personal_circumstances',
          from: '2026-03-01',
          evidence: 'Bereavement in the family',
        },
        senco,
      ),
    ).toBe('FORBIDDEN');
    // As at a date before they were recorded, the clock showed no exceptions.
    expect((await assessments(child, '2026-06-01'))[0].exceptions).toEqual([]);

    // The dashboard's "excluding exceptions" measure uses them: a late plan excused under reg 13(3).
    const DASHBOARD = `query { sendDashboard { plansCalendarYear { issued within20Weeks exceptionCases issuedExcludingExceptions within20WeeksExcludingExceptions } } }`;
    const figures = async () => (await ok<any>(DASHBOARD, {})).sendDashboard.plansCalendarYear;
    const baseline = await figures();
    await ok(UPDATE, {
      id: a.id,
      input: { draftPlanSentDate: '2026-06-01', finalPlanIssuedDate: '2026-06-15' },
    });
    const withPlan = await figures();
    expect({
      issued: withPlan.issued - baseline.issued,
      within20Weeks: withPlan.within20Weeks - baseline.within20Weeks,
      exceptionCases: withPlan.exceptionCases - baseline.exceptionCases,
      issuedExcludingExceptions: withPlan.issuedExcludingExceptions - baseline.issuedExcludingExceptions,
    }).toEqual({ issued: 1, within20Weeks: 0, exceptionCases: 1, issuedExcludingExceptions: 0 });

    // Audited as any mutation: the attempt and its outcome, naming the child.
    await vi.waitFor(
      async () => {
        const rows = await hub.audit.db.query<{ outcome: string }>(
          `select outcome from audit.event where operation_type = 'mutation' and $1 = any(child_ids)
             and actor_role = 'la_send_officer' and operation_name like 'RecordEhcException%' and outcome = 'ok'`,
          [child.id],
        );
        expect(rows.length).toBeGreaterThan(0);
      },
      { timeout: 20_000, interval: 100 },
    );
  });

  it('a decision not to issue ends the assessment (reg 10); a tribunal order starts reg 44 clocks', async () => {
    const child = free[1]!;
    const id = await start(child, '2026-01-05', '2026-02-10');
    expect(
      await code(APPEAL, { id, route: 'tribunal', subject: 'refusal_to_issue', lodged: '2026-06-01' }),
    ).toBe('INVALID_INPUT');
    const ended = (
      await ok<any>(UPDATE, { id, input: { planDecision: 'not_issue', planDecisionDate: '2026-05-04' } })
    ).updateEhcAssessment;
    expect(ended).toMatchObject({
      active: false,
      ending: { kind: 'decided_not_to_issue', date: '2026-05-04' },
    });
    expect(milestone(ended, 'final_plan')).toBeUndefined();
    expect(milestone(ended, 'decision_not_to_issue')).toMatchObject({
      dueDate: '2026-04-27',
      status: 'missed',
      breach: true,
    });
    // No plan after a decision not to issue.
    expect(await code(UPDATE, { id, input: { draftPlanSentDate: '2026-05-10' } })).toBe('INVALID_INPUT');
    // As at the day before that decision, it was in progress and the 20-week clock ran.
    const [earlier] = await assessments(child, '2026-04-30');
    expect(earlier).toMatchObject({ active: true, ending: null, planDecision: null });
    expect(milestone(earlier, 'final_plan')?.status).toBe('not_due');
    expect(milestone(earlier, 'decision_not_to_issue')).toBeUndefined();

    const lodged = (
      await ok<any>(APPEAL, { id, route: 'tribunal', subject: 'refusal_to_issue', lodged: '2026-06-01' })
    ).recordEhcAppeal;
    const appealId = lodged.appeals[0].id;
    expect(lodged.appeals[0]).toMatchObject({ open: true, outcome: null, milestones: [] });
    expect(await code(OUTCOME, { id: appealId, outcome: 'agreed', date: '2026-09-07' })).toBe(
      'INVALID_INPUT',
    );
    const ordered = (
      await ok<any>(OUTCOME, { id: appealId, outcome: 'make_and_maintain_plan', date: '2026-09-07' })
    ).recordEhcAppealOutcome;
    expect(ordered.appeals[0].milestones.map((m: any) => [m.name, m.dueDate])).toEqual([
      ['order:draft_plan', '2026-10-12'], // 5 weeks, reg 44(2)(c)(i)
      ['order:final_plan', '2026-11-23'], // 11 weeks, reg 44(2)(c)(ii)
    ]);
    const complied = (await ok<any>(COMPLIANCE, { id: appealId, first: '2026-10-09' }))
      .recordEhcOrderCompliance;
    const [draft, final] = complied.appeals[0].milestones;
    expect(draft).toMatchObject({ status: 'met', breach: false });
    expect(final).toMatchObject({ status: 'overdue', breach: true }); // not issued by today
    // As at before the order, the appeal was open with no clocks; before it was lodged, absent.
    expect((await assessments(child, '2026-08-01'))[0].appeals[0]).toMatchObject({
      open: true,
      milestones: [],
    });
    expect((await assessments(child, '2026-05-31'))[0].appeals).toEqual([]);
  });

  it('review to amendment (regs 20-22), preparation for adulthood, phase transfer (reg 18), ceasing', async () => {
    // A child whose next phase transfer is in September 2026 or 2027 (reg 18(1)).
    const child = free
      .slice(2)
      .find((c) =>
        phaseTransfers(c.dateOfBirth).some((t) => ['2026-09-01', '2027-09-01'].includes(t.transferDate)),
      )!;
    expect(child).toBeDefined();
    const id = await start(child, '2025-01-06', '2025-02-10');
    await ok(UPDATE, { id, input: { draftPlanSentDate: '2025-04-28', finalPlanIssuedDate: '2025-05-20' } });
    const reviewId = (await ok<any>(REVIEW, { childId: child.id, meeting: '2026-05-11' })).recordAnnualReview
      .reviews[0].id;
    expect(
      await code(UPDATE_REVIEW, {
        id: reviewId,
        input: { decisionDate: '2026-06-01', outcome: 'no_change', amendmentProposedDate: '2026-06-01' },
      }),
    ).toBe('INVALID_INPUT');
    await ok(UPDATE_REVIEW, {
      id: reviewId,
      input: {
        reportSentDate: '2026-05-26',
        decisionDate: '2026-06-01',
        outcome: 'amend',
        amendmentProposedDate: '2026-06-01',
      },
    });
    await ok(UPDATE_REVIEW, { id: reviewId, input: { amendedPlanIssuedDate: '2026-07-27' } });
    const review = (await ok<any>(READ_REVIEW, { id: child.id, asAt: '2026-08-01' })).child.annualReview;
    expect(review.reviews[0]).toMatchObject({
      reportDue: '2026-05-25',
      outcome: 'amend',
      amendedPlanDue: '2026-07-27',
      preparationForAdulthood: yearGroupOn(child.dateOfBirth, '2026-05-11') >= 9,
    });
    expect(review.reviews[0].milestones.map((m: Milestone) => [m.name, m.status])).toEqual([
      ['review_report', 'missed'],
      ['amended_plan', 'met'],
    ]);
    // As at before the proposals, no amended-plan clock; before the meeting, no review.
    const early = (await ok<any>(READ_REVIEW, { id: child.id, asAt: '2026-05-20' })).child.annualReview;
    expect(early.reviews[0]).toMatchObject({
      outcome: null,
      decisionDate: null,
      amendmentProposedDate: null,
    });
    expect(
      (await ok<any>(READ_REVIEW, { id: child.id, asAt: '2026-05-10' })).child.annualReview.reviews,
    ).toEqual([]);

    // Phase transfers: listed within 12 months of the transfer, deadline 15 Feb or 31 Mar (reg 18(1)).
    const transfer = phaseTransfers(child.dateOfBirth).find((t) =>
      ['2026-09-01', '2027-09-01'].includes(t.transferDate),
    )!;
    const dueAt = async (asAt: string) =>
      (await ok<any>(TRANSFERS, { asAt })).ehcPhaseTransfersDue.find((d: any) => d.child.id === child.id);
    const year = Number(transfer.transferDate.slice(0, 4));
    const before = await dueAt(`${year}-01-10`);
    expect(before).toMatchObject({
      kind: transfer.kind,
      transferDate: transfer.transferDate,
      amendBy: transfer.amendBy,
      planAssessmentId: id,
      completedDate: null,
      status: 'not_due',
    });
    expect(await dueAt(`${year - 1}-08-31`)).toBeUndefined(); // more than 12 months before the transfer
    if (year === 2026) {
      // The May 2026 review (in the 12 months before the transfer) amended the plan on 2026-07-27: late.
      expect(await dueAt('2026-05-24')).toMatchObject({
        completedDate: null,
        status: 'overdue',
        breach: true,
      });
      expect(await dueAt('2026-08-01')).toMatchObject({
        completedDate: '2026-07-27',
        status: 'missed',
        breach: true,
      });
    } else {
      // The May 2026 review was more than 12 months before a September 2027 transfer: it does not count.
      expect(await dueAt('2027-05-24')).toMatchObject({
        completedDate: null,
        status: 'overdue',
        breach: true,
      });
    }
    expect(
      await code(
        TRANSFERS,
        {},
        demoUser(hub.dataset, `demo-senco-${child.schoolId.slice('school-'.length)}`),
      ),
    ).toBe('FORBIDDEN');

    // Ceasing (CFA 2014 s.45): no review cycle from then on; before then, still there.
    expect(await code(CEASE, { id, date: '2026-09-30', reason: 'short' })).toBe('INVALID_INPUT');
    const ceased = (
      await ok<any>(CEASE, { id, date: '2026-09-30', reason: 'Needs met without a plan (s.45(1)(b))' })
    ).ceaseEhcPlan;
    expect(ceased).toMatchObject({ planCeasedDate: '2026-09-30', ending: { kind: 'plan_ceased' } });
    expect((await ok<any>(READ_REVIEW, { id: child.id })).child.annualReview).toBeNull();
    expect(
      (await ok<any>(READ_REVIEW, { id: child.id, asAt: '2026-09-29' })).child.annualReview,
    ).not.toBeNull();
  });
});
