import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { compareDates, type IsoDate } from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { annualReview, child, ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { type AnnualReviewView, annualReviewsFor } from './annual-review-view.ts';
import {
  ADVICE_AGENCIES,
  type AdviceAgency,
  type AssessmentView,
  assessmentsFor,
  dateField,
  isActive,
  todayInEngland,
} from './workflow.ts';

// The EHC workflow's writes: the LA SEND team records the dates (access is checked by the caller
// through the access door); each write validates every date before it writes anything. What the
// dates mean (milestones, views as at a date) is workflow.ts's.

type AssessmentRow = typeof ehcAssessment.$inferSelect;

async function assessmentById(db: DbHandle, id: string): Promise<AssessmentRow> {
  const [row] = await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.id, id));
  if (!row) throw new HubError('NOT_FOUND', `No EHC needs assessment has id ${id}.`, { assessmentId: id });
  return row;
}

export async function childIdOfAssessment(db: DbHandle, id: string): Promise<string> {
  return (await assessmentById(db, id)).childId;
}

export async function childIdOfAdviceRequest(db: DbHandle, id: string): Promise<string> {
  const [row] = await db.db.select().from(ehcAdviceRequest).where(eq(ehcAdviceRequest.id, id));
  if (!row) throw new HubError('NOT_FOUND', `No advice request has id ${id}.`, { adviceRequestId: id });
  return row.childId;
}

export async function childIdOfReview(db: DbHandle, id: string): Promise<string> {
  const [row] = await db.db.select().from(annualReview).where(eq(annualReview.id, id));
  if (!row) throw new HubError('NOT_FOUND', `No annual review has id ${id}.`, { reviewId: id });
  return row.childId;
}

export async function viewOf(db: DbHandle, id: string): Promise<AssessmentView> {
  const a = await assessmentById(db, id);
  // Only the LA SEND officer writes, so the answer may carry exception evidence.
  const views = await assessmentsFor(db, [a.childId], todayInEngland(), { showEvidence: true });
  return views.get(a.childId)!.find((v) => v.id === id)!;
}

export async function recordAssessmentRequest(
  db: DbHandle,
  sub: string,
  childId: string,
  requestDate: unknown,
): Promise<AssessmentView> {
  const today = todayInEngland();
  const problems: string[] = [];
  const date = dateField(requestDate, 'requestDate', problems, today);
  if (date === null) problems.push('requestDate is required');
  const [c] = await db.db.select({ dob: child.dateOfBirth }).from(child).where(eq(child.id, childId));
  if (c && date && compareDates(date, c.dob as IsoDate) < 0)
    problems.push('requestDate is before the child was born');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid assessment request: ${problems.join('; ')}.`, { problems });
  const active = (await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.childId, childId))).filter(
    isActive,
  );
  if (active.length > 0) {
    throw new HubError(
      'CONFLICT',
      'This child already has an EHC needs assessment in progress; record its dates instead.',
      { assessmentId: active[0]!.id },
    );
  }
  const id = randomUUID();
  await db.db.insert(ehcAssessment).values({ id, childId, requestDate: date as IsoDate, recordedBySub: sub });
  return viewOf(db, id);
}

export interface AssessmentUpdate {
  decision?: 'assess' | 'not_assess' | null;
  decisionDate?: string | null;
  draftPlanSentDate?: string | null;
  finalPlanIssuedDate?: string | null;
  /** Reg 10: after the assessment, whether the LA will issue a plan; not_issue ends the assessment. */
  planDecision?: 'issue' | 'not_issue' | null;
  planDecisionDate?: string | null;
}

/**
 * Records the decision, draft and final plan dates. A date once recorded is evidence of when
 * something happened and is not changed here (a correction is an administrative act outside
 * this API). Every problem is listed at once, before anything is written.
 */
export async function updateAssessment(
  db: DbHandle,
  id: string,
  input: AssessmentUpdate,
): Promise<AssessmentView> {
  const a = await assessmentById(db, id);
  const today = todayInEngland();
  const problems: string[] = [];
  const decisionDate = dateField(input.decisionDate, 'decisionDate', problems, today);
  const draft = dateField(input.draftPlanSentDate, 'draftPlanSentDate', problems, today);
  const final = dateField(input.finalPlanIssuedDate, 'finalPlanIssuedDate', problems, today);
  const planDecisionDate = dateField(input.planDecisionDate, 'planDecisionDate', problems, today);
  const next = {
    decision: input.decision ?? a.decision,
    decisionDate: decisionDate ?? a.decisionDate,
    draftPlanSentDate: draft ?? a.draftPlanSentDate,
    finalPlanIssuedDate: final ?? a.finalPlanIssuedDate,
    planDecision: input.planDecision ?? a.planDecision,
    planDecisionDate: planDecisionDate ?? a.planDecisionDate,
  };
  const changedOnce = (field: keyof typeof next, given: unknown) => {
    if (given !== undefined && given !== null && a[field] !== null && a[field] !== next[field])
      problems.push(`${field} is already recorded (${a[field]}) and cannot be changed`);
  };
  changedOnce('decision', input.decision);
  changedOnce('decisionDate', decisionDate);
  changedOnce('draftPlanSentDate', draft);
  changedOnce('finalPlanIssuedDate', final);
  changedOnce('planDecision', input.planDecision);
  changedOnce('planDecisionDate', planDecisionDate);
  if ((next.planDecision === null) !== (next.planDecisionDate === null))
    problems.push('planDecision and planDecisionDate go together');
  if (next.planDecision !== null && next.decision !== 'assess')
    problems.push('a decision whether to issue a plan follows a decision to assess (reg 10)');
  if (next.planDecision === 'not_issue' && (next.draftPlanSentDate || next.finalPlanIssuedDate))
    problems.push('there is no plan after a decision not to issue one (reg 10)');
  if (
    next.planDecisionDate &&
    next.decisionDate &&
    compareDates(next.planDecisionDate as IsoDate, next.decisionDate as IsoDate) < 0
  )
    problems.push('planDecisionDate is before the decision to assess');
  if ((next.decision === null) !== (next.decisionDate === null))
    problems.push('decision and decisionDate go together');
  if (next.decision === 'not_assess' && (next.draftPlanSentDate || next.finalPlanIssuedDate))
    problems.push('there is no plan after a decision not to assess');
  if ((next.draftPlanSentDate || next.finalPlanIssuedDate) && next.decision !== 'assess')
    problems.push('record the decision to assess before plan dates');
  for (const [field, value] of [
    ['decisionDate', next.decisionDate],
    ['draftPlanSentDate', next.draftPlanSentDate],
    ['finalPlanIssuedDate', next.finalPlanIssuedDate],
    ['planDecisionDate', next.planDecisionDate],
  ] as const) {
    if (value && compareDates(value as IsoDate, a.requestDate as IsoDate) < 0)
      problems.push(`${field} is before the request date (${a.requestDate})`);
  }
  if (
    next.draftPlanSentDate &&
    next.finalPlanIssuedDate &&
    compareDates(next.finalPlanIssuedDate as IsoDate, next.draftPlanSentDate as IsoDate) < 0
  ) {
    problems.push('finalPlanIssuedDate is before draftPlanSentDate');
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid assessment dates: ${problems.join('; ')}.`, { problems });
  await db.db.update(ehcAssessment).set(next).where(eq(ehcAssessment.id, id));
  return viewOf(db, id);
}

export async function recordAdviceRequest(
  db: DbHandle,
  assessmentId: string,
  agency: unknown,
  sentDate: unknown,
): Promise<AssessmentView> {
  const a = await assessmentById(db, assessmentId);
  const problems: string[] = [];
  if (!(ADVICE_AGENCIES as readonly unknown[]).includes(agency))
    problems.push(`agency must be one of ${ADVICE_AGENCIES.join(', ')}`);
  const sent = dateField(sentDate, 'sentDate', problems, todayInEngland());
  if (sent === null) problems.push('sentDate is required');
  if (sent && compareDates(sent, a.requestDate as IsoDate) < 0)
    problems.push(`sentDate is before the request date (${a.requestDate})`);
  if (!isActive(a)) problems.push('the assessment is no longer in progress');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid advice request: ${problems.join('; ')}.`, { problems });
  await db.db.insert(ehcAdviceRequest).values({
    id: randomUUID(),
    assessmentId,
    childId: a.childId,
    agency: agency as AdviceAgency,
    sentDate: sent as IsoDate,
  });
  return viewOf(db, assessmentId);
}

export async function recordAdviceReceived(
  db: DbHandle,
  adviceRequestId: string,
  receivedDate: unknown,
): Promise<AssessmentView> {
  const [r] = await db.db.select().from(ehcAdviceRequest).where(eq(ehcAdviceRequest.id, adviceRequestId));
  if (!r) throw new HubError('NOT_FOUND', `No advice request has id ${adviceRequestId}.`);
  const problems: string[] = [];
  const received = dateField(receivedDate, 'receivedDate', problems, todayInEngland());
  if (received === null) problems.push('receivedDate is required');
  if (received && compareDates(received, r.sentDate as IsoDate) < 0)
    problems.push(`receivedDate is before the advice was requested (${r.sentDate})`);
  if (r.receivedDate !== null) problems.push(`this advice was already received on ${r.receivedDate}`);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid advice receipt: ${problems.join('; ')}.`, { problems });
  await db.db
    .update(ehcAdviceRequest)
    .set({ receivedDate: received as IsoDate })
    .where(eq(ehcAdviceRequest.id, adviceRequestId));
  return viewOf(db, r.assessmentId);
}

export async function recordAnnualReview(
  db: DbHandle,
  childId: string,
  meetingDate: unknown,
  decisionDate: unknown,
): Promise<AnnualReviewView> {
  const today = todayInEngland();
  const problems: string[] = [];
  const meeting = dateField(meetingDate, 'meetingDate', problems, today);
  if (meeting === null) problems.push('meetingDate is required');
  const decision = dateField(decisionDate, 'decisionDate', problems, today);
  const plans = (
    await db.db
      .select()
      .from(ehcAssessment)
      .where(eq(ehcAssessment.childId, childId))
      .orderBy(asc(ehcAssessment.finalPlanIssuedDate))
  ).filter((p) => p.finalPlanIssuedDate !== null);
  const plan = plans.at(-1);
  if (!plan) problems.push('this child has no EHC plan to review');
  if (plan && meeting && compareDates(meeting, plan.finalPlanIssuedDate as IsoDate) < 0)
    problems.push(`meetingDate is before the plan was issued (${plan.finalPlanIssuedDate})`);
  if (meeting && decision && compareDates(decision, meeting) < 0)
    problems.push('decisionDate is before meetingDate');
  if (problems.length > 0 || !plan)
    throw new HubError('INVALID_INPUT', `Invalid annual review: ${problems.join('; ')}.`, { problems });
  await db.db.insert(annualReview).values({
    id: randomUUID(),
    assessmentId: plan.id,
    childId,
    meetingDate: meeting as IsoDate,
    decisionDate: decision ?? null,
  });
  return (await annualReviewsFor(db, [childId], today)).get(childId)!;
}

export async function recordAnnualReviewDecision(
  db: DbHandle,
  reviewId: string,
  decisionDate: unknown,
): Promise<AnnualReviewView> {
  const [r] = await db.db.select().from(annualReview).where(eq(annualReview.id, reviewId));
  if (!r) throw new HubError('NOT_FOUND', `No annual review has id ${reviewId}.`);
  const problems: string[] = [];
  const decision = dateField(decisionDate, 'decisionDate', problems, todayInEngland());
  if (decision === null) problems.push('decisionDate is required');
  if (decision && compareDates(decision, r.meetingDate as IsoDate) < 0)
    problems.push(`decisionDate is before the review meeting (${r.meetingDate})`);
  if (r.decisionDate !== null) problems.push(`the decision was already recorded on ${r.decisionDate}`);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid review decision: ${problems.join('; ')}.`, { problems });
  await db.db
    .update(annualReview)
    .set({ decisionDate: decision as IsoDate })
    .where(eq(annualReview.id, reviewId));
  return (await annualReviewsFor(db, [r.childId], todayInEngland())).get(r.childId)!;
}

/** For the health service: which of these children have an assessment in progress. */
export async function activeAssessments(db: DbHandle, childIds: string[]) {
  if (childIds.length === 0) return [];
  const rows = await db.db
    .select()
    .from(ehcAssessment)
    .where(and(inArray(ehcAssessment.childId, childIds), isNull(ehcAssessment.finalPlanIssuedDate)));
  return rows.filter(isActive).map((a) => ({
    childId: a.childId,
    assessmentId: a.id,
    requestDate: a.requestDate,
    decision: a.decision,
  }));
}
