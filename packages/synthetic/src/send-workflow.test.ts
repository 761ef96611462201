import { describe, expect, it } from 'vitest';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from './dataset.ts';
import { buildSendWorkflow } from './send-workflow.ts';

describe('buildSendWorkflow', () => {
  const dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE });
  const workflow = buildSendWorkflow(dataset);

  it('is deterministic and does not change the data set it is built from', () => {
    const again = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE });
    expect(buildSendWorkflow(again)).toEqual(workflow);
    expect(again).toEqual(dataset);
  });

  it('keeps every date on or before the reference date and in statutory order', () => {
    const ref = dataset.referenceDate;
    for (const a of workflow.assessments) {
      for (const d of [a.requestDate, a.decisionDate, a.draftPlanSentDate, a.finalPlanIssuedDate])
        if (d) expect(d <= ref).toBe(true);
      if (a.decisionDate) expect(a.decisionDate >= a.requestDate).toBe(true);
      if (a.finalPlanIssuedDate) expect(a.decision).toBe('assess');
      if (a.draftPlanSentDate && a.finalPlanIssuedDate)
        expect(a.draftPlanSentDate <= a.finalPlanIssuedDate).toBe(true);
      for (const r of a.adviceRequests) {
        expect(r.sentDate >= a.requestDate && r.sentDate <= ref).toBe(true);
        if (r.receivedDate) expect(r.receivedDate >= r.sentDate && r.receivedDate <= ref).toBe(true);
      }
    }
    for (const r of workflow.annualReviews) {
      expect(r.meetingDate <= ref).toBe(true);
      if (r.decisionDate) expect(r.decisionDate >= r.meetingDate && r.decisionDate <= ref).toBe(true);
    }
  });

  it('has at most one assessment in progress per child, unique ids, and enough of everything for the dashboard', () => {
    const ids = [
      ...workflow.assessments.flatMap((a) => [a.id, ...a.adviceRequests.map((r) => r.id)]),
      ...workflow.annualReviews.map((r) => r.id),
      ...workflow.supportWhileWaiting.map((s) => s.id),
    ];
    expect(new Set(ids).size).toBe(ids.length);
    const active = workflow.assessments.filter((a) => !a.finalPlanIssuedDate && a.decision !== 'not_assess');
    expect(new Set(active.map((a) => a.childId)).size).toBe(active.length);
    expect(workflow.assessments.filter((a) => a.finalPlanIssuedDate).length).toBeGreaterThan(20);
    expect(active.length).toBeGreaterThan(10);
    expect(workflow.familyInformation.length).toBeGreaterThan(20);
    expect(JSON.stringify(workflow.familyInformation)).not.toMatch(
      /"(whatMattersToMe|whatHelps|communicationNeeds)":"(?!Synthetic)/,
    );
  });

  it('exercises every EHC lifecycle state, all on or before the reference date (issue 13)', () => {
    const ref = dataset.referenceDate;
    const notIssued = workflow.assessments.filter((a) => a.planDecision === 'not_issue');
    expect(notIssued.length).toBeGreaterThan(0);
    for (const a of notIssued) {
      expect(a.finalPlanIssuedDate).toBeNull();
      expect(a.planDecisionDate! <= ref && a.planDecisionDate! >= a.decisionDate!).toBe(true);
    }
    expect(new Set(workflow.exceptions.map((e) => e.kind))).toEqual(
      new Set([
        'absence_from_area',
        'personal_circumstances',
        'school_closure',
        'early_years_closure',
        'missed_appointment',
      ]),
    );
    for (const e of workflow.exceptions) {
      expect(e.fromDate <= ref && (e.toDate === null || (e.toDate >= e.fromDate && e.toDate <= ref))).toBe(
        true,
      );
      expect(e.evidence.length).toBeGreaterThanOrEqual(10);
    }
    expect(new Set(workflow.appeals.map((a) => a.route))).toEqual(new Set(['mediation', 'tribunal']));
    for (const a of workflow.appeals) {
      expect(a.lodgedDate <= ref && (a.outcomeDate === null || a.outcomeDate <= ref)).toBe(true);
    }
    const amended = workflow.annualReviews.filter((r) => r.outcome === 'amend');
    expect(amended.length).toBeGreaterThan(0);
    expect(amended.some((r) => r.amendedPlanIssuedDate)).toBe(true);
    for (const r of workflow.annualReviews) {
      if (r.reportSentDate) expect(r.reportSentDate >= r.meetingDate && r.reportSentDate <= ref).toBe(true);
      if (r.outcome) expect(r.decisionDate).not.toBeNull();
      if (r.amendedPlanIssuedDate) expect(r.amendedPlanIssuedDate >= r.amendmentProposedDate!).toBe(true);
    }
  });
});
