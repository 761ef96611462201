import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  adviceDue,
  annualReviewMilestones,
  calendarDateAt,
  compareDates,
  decisionNotToIssueDue,
  evaluateMilestones,
  type IsoDate,
  isIsoDate,
  MILESTONE_DECISION_NOT_TO_ISSUE,
  MILESTONE_DRAFT_PLAN,
  MILESTONE_FINAL_PLAN,
  type MilestoneState,
  needsAssessmentMilestones,
  nextReviewDue,
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { annualReview, child, ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { type AdviceReuseView, adviceReusesFor, reuseView } from './advice-reuse.ts';
import { type ReviewEntryView, type ReviewRow, reviewEntryView, reviewsAsAt } from './annual-review.ts';
import { type AppealView, appealAsAt, appealsFor, appealView } from './endings.ts';
import {
  type ExceptionView,
  exceptionsAsAt,
  exceptionsFor,
  exceptionView,
  excuseMilestones,
  publicMilestoneName,
} from './exceptions.ts';

/**
 * The EHC needs assessment and annual review workflow, and its statutory clocks (all date
 * arithmetic is @hub/ehc-clock's). The record service owns it (DESIGN.md): the LA SEND team
 * records the dates; everyone involved with the child sees the deadlines and their status.
 */
export const ADVICE_AGENCIES = ['health', 'social_care', 'educational_psychology', 'education'] as const;
export type AdviceAgency = (typeof ADVICE_AGENCIES)[number];

type AssessmentRow = typeof ehcAssessment.$inferSelect;
type AdviceRow = typeof ehcAdviceRequest.$inferSelect;
type ExceptionRow = Parameters<typeof exceptionsAsAt>[0][number];
type AppealRow = Parameters<typeof appealAsAt>[0];

/** "Today" for statutory dates is the calendar date in England, not the UTC date. */
export function todayInEngland(now = new Date()): IsoDate {
  return calendarDateAt(now, 'Europe/London');
}

/** Validates an optional as-at date argument (default today). */
export function parseAsAt(value: unknown): IsoDate {
  if (value === undefined || value === null) return todayInEngland();
  if (!isIsoDate(value))
    throw new HubError('INVALID_INPUT', 'asAt must be a real date written YYYY-MM-DD.', { field: 'asAt' });
  return value;
}

function dateField(
  value: unknown,
  field: string,
  problems: string[],
  today: IsoDate,
): IsoDate | null | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (!isIsoDate(value)) {
    problems.push(`${field} must be a real date written YYYY-MM-DD`);
    return undefined;
  }
  if (compareDates(value, today) > 0) {
    problems.push(`${field} cannot be in the future (it records something that has happened)`);
    return undefined;
  }
  return value;
}

export interface MilestoneView {
  name: string;
  dueDate: string;
  completedDate: string | null;
  statutory: boolean;
  status: MilestoneState['status'];
  daysRemaining: number | null;
  daysLate: number | null;
  breach: boolean;
  /** A recorded exception disapplies this time limit (regs 5(4), 8(2), 10(4), 13(3)): late is not a breach. */
  exceptionApplies: boolean;
  exceptionIds: string[];
}

const milestoneView = (m: MilestoneState, exceptionIds: string[] = []): MilestoneView => ({
  name: m.name,
  dueDate: m.dueDate,
  completedDate: m.completedDate,
  statutory: m.statutory,
  status: m.status,
  daysRemaining: m.daysRemaining,
  daysLate: m.daysLate,
  breach: m.breach,
  exceptionApplies: m.exceptionApplies,
  exceptionIds,
});

/** In progress: not refused (reg 5), not decided against a plan (reg 10), no final plan yet. */
const isActive = (a: AssessmentRow) =>
  a.finalPlanIssuedDate === null && a.decision !== 'not_assess' && a.planDecision !== 'not_issue';

const laterThan = (d: string | null, asAt: IsoDate) => d !== null && compareDates(d as IsoDate, asAt) > 0;

/**
 * The assessment as it stood at the end of `asAt`: a decision, plan or cessation dated later had
 * not happened yet. "As at a date" means as at that date, for the clock and for the dashboard.
 */
export function assessmentAsAt(a: AssessmentRow, asAt: IsoDate): AssessmentRow {
  const decided = !laterThan(a.decisionDate, asAt);
  const planDecided = !laterThan(a.planDecisionDate, asAt);
  return {
    ...a,
    decision: decided ? a.decision : null,
    decisionDate: decided ? a.decisionDate : null,
    draftPlanSentDate: laterThan(a.draftPlanSentDate, asAt) ? null : a.draftPlanSentDate,
    finalPlanIssuedDate: laterThan(a.finalPlanIssuedDate, asAt) ? null : a.finalPlanIssuedDate,
    planDecision: planDecided ? a.planDecision : null,
    planDecisionDate: planDecided ? a.planDecisionDate : null,
    planCeasedDate: laterThan(a.planCeasedDate, asAt) ? null : a.planCeasedDate,
    planCeaseReason: laterThan(a.planCeasedDate, asAt) ? null : a.planCeaseReason,
  };
}

/** Advice requests as they stood at the end of `asAt`. */
export function adviceAsAt(advice: AdviceRow[], asAt: IsoDate): AdviceRow[] {
  return advice
    .filter((r) => !laterThan(r.sentDate, asAt))
    .map((r) => (laterThan(r.receivedDate, asAt) ? { ...r, receivedDate: null } : r));
}

/**
 * Statutory milestones of one assessment as at `asAt` (pass it already masked by
 * {@link assessmentAsAt}). After a decision not to assess only that decision counts (reg 5);
 * after a decision not to issue a plan, the 16-week notice (reg 10(1)) replaces the draft and
 * final plan. Recorded exceptions excuse the limits the regulations let them excuse.
 */
export function assessmentMilestones(
  a: AssessmentRow,
  advice: AdviceRow[],
  asAt: IsoDate,
  exceptions: ExceptionRow[] = [],
): { milestones: MilestoneView[]; effects: Map<string, ExceptionView['excuses']> } {
  const all = needsAssessmentMilestones({
    requestDate: a.requestDate as IsoDate,
    decisionNotifiedDate: a.decisionDate as IsoDate | null,
    draftPlanSentDate: a.draftPlanSentDate as IsoDate | null,
    finalPlanIssuedDate: a.finalPlanIssuedDate as IsoDate | null,
    // Per request (one agency may be asked twice): the label keeps milestone names unique.
    adviceRequests: advice.map((r) => ({
      kind: 'other' as const,
      label: `${r.agency}:${r.id}`,
      sentDate: r.sentDate as IsoDate,
      receivedDate: r.receivedDate as IsoDate | null,
    })),
  });
  let kept = all;
  if (a.decision === 'not_assess') kept = all.filter((m) => m.name === 'decision_to_assess');
  else if (a.planDecision === 'not_issue') {
    kept = [
      ...all.filter((m) => m.name !== MILESTONE_DRAFT_PLAN && m.name !== MILESTONE_FINAL_PLAN),
      {
        name: MILESTONE_DECISION_NOT_TO_ISSUE,
        dueDate: decisionNotToIssueDue(a.requestDate as IsoDate),
        completedDate: a.planDecisionDate as IsoDate,
        statutory: true,
      },
    ];
  }
  const { recorded, effects } = excuseMilestones(
    kept,
    { requestDate: a.requestDate as IsoDate, advice },
    exceptions,
    asAt,
  );
  const idsOf = (name: string) =>
    [...effects].flatMap(([id, list]) =>
      list.some(
        (e) =>
          e.milestone === publicMilestoneName(name) &&
          (e.adviceRequestId === null || name.endsWith(`:${e.adviceRequestId}`)),
      )
        ? [id]
        : [],
    );
  return {
    milestones: evaluateMilestones(kept, asAt, { exceptions: recorded }).map((m) =>
      milestoneView(m, idsOf(m.name)),
    ),
    effects,
  };
}

export interface AssessmentView {
  id: string;
  childId: string;
  requestDate: string;
  decision: string | null;
  decisionDate: string | null;
  draftPlanSentDate: string | null;
  finalPlanIssuedDate: string | null;
  planDecision: string | null;
  planDecisionDate: string | null;
  planCeasedDate: string | null;
  active: boolean;
  /** How it ended, as at asAt: refused_to_assess, decided_not_to_issue, plan_issued, plan_ceased; null while in progress. */
  ending: { kind: string; date: string } | null;
  asAt: string;
  milestones: MilestoneView[];
  exceptions: ExceptionView[];
  appeals: AppealView[];
  /** Existing advice reused instead of asked for again (reg 6(4)), agreed by asAt. */
  adviceReused: AdviceReuseView[];
  adviceRequests: Array<{
    id: string;
    agency: AdviceAgency;
    sentDate: string;
    receivedDate: string | null;
    dueDate: string;
    status: MilestoneState['status'];
  }>;
}

function endingOf(a: AssessmentRow): AssessmentView['ending'] {
  if (a.planCeasedDate) return { kind: 'plan_ceased', date: a.planCeasedDate };
  if (a.finalPlanIssuedDate) return { kind: 'plan_issued', date: a.finalPlanIssuedDate };
  if (a.decision === 'not_assess') return { kind: 'refused_to_assess', date: a.decisionDate! };
  if (a.planDecision === 'not_issue') return { kind: 'decided_not_to_issue', date: a.planDecisionDate! };
  return null;
}

function assessmentView(
  stored: AssessmentRow,
  storedAdvice: AdviceRow[],
  asAt: IsoDate,
  extra: { exceptions: ExceptionRow[]; appeals: AppealRow[]; showEvidence: boolean },
): Omit<AssessmentView, 'adviceReused'> {
  const a = assessmentAsAt(stored, asAt);
  const advice = adviceAsAt(storedAdvice, asAt);
  const exceptions = exceptionsAsAt(extra.exceptions, asAt);
  const { milestones: evaluated, effects } = assessmentMilestones(a, advice, asAt, exceptions);
  const milestones = evaluated;
  return {
    id: a.id,
    childId: a.childId,
    requestDate: a.requestDate,
    decision: a.decision,
    decisionDate: a.decisionDate,
    draftPlanSentDate: a.draftPlanSentDate,
    finalPlanIssuedDate: a.finalPlanIssuedDate,
    planDecision: a.planDecision,
    planDecisionDate: a.planDecisionDate,
    planCeasedDate: a.planCeasedDate,
    active: isActive(a),
    ending: endingOf(a),
    asAt,
    milestones: milestones.map((m) => ({ ...m, name: publicMilestoneName(m.name) })),
    exceptions: exceptions.map((e) => exceptionView(e, effects.get(e.id) ?? [], extra.showEvidence)),
    appeals: extra.appeals.flatMap((r) => {
      const seen = appealAsAt(r, asAt);
      return seen ? [appealView(seen, asAt)] : [];
    }),
    adviceRequests: advice.map((r) => {
      const m = milestones.find((x) => x.name.endsWith(`:${r.id}`));
      return {
        id: r.id,
        agency: r.agency,
        sentDate: r.sentDate,
        receivedDate: r.receivedDate,
        dueDate: adviceDue(r.sentDate as IsoDate),
        status: m?.status ?? 'not_due',
      };
    }),
  };
}

export async function assessmentsFor(
  db: DbHandle,
  childIds: string[],
  asAt: IsoDate,
  options: { showEvidence?: boolean } = {},
): Promise<Map<string, AssessmentView[]>> {
  const out = new Map<string, AssessmentView[]>(childIds.map((id) => [id, []]));
  if (childIds.length === 0) return out;
  const [rows, advice] = await Promise.all([
    db.db
      .select()
      .from(ehcAssessment)
      .where(inArray(ehcAssessment.childId, childIds))
      .orderBy(asc(ehcAssessment.requestDate), asc(ehcAssessment.id)),
    db.db
      .select()
      .from(ehcAdviceRequest)
      .where(inArray(ehcAdviceRequest.childId, childIds))
      .orderBy(asc(ehcAdviceRequest.sentDate), asc(ehcAdviceRequest.id)),
  ]);
  // As at asAt: an assessment requested later did not exist yet.
  const known = rows.filter((a) => !laterThan(a.requestDate, asAt));
  const ids = known.map((a) => a.id);
  const [exceptions, appeals, reuses] = await Promise.all([
    exceptionsFor(db, ids),
    appealsFor(db, ids),
    adviceReusesFor(db, ids),
  ]);
  for (const a of known) {
    out.get(a.childId)?.push({
      ...assessmentView(
        a,
        advice.filter((r) => r.assessmentId === a.id),
        asAt,
        {
          exceptions: exceptions.filter((e) => e.assessmentId === a.id),
          appeals: appeals.filter((r) => r.assessmentId === a.id),
          showEvidence: options.showEvidence === true,
        },
      ),
      adviceReused: reuseView(
        reuses.filter((r) => r.assessmentId === a.id),
        asAt,
      ),
    });
  }
  return out;
}

export interface AnnualReviewView {
  planAssessmentId: string;
  planIssuedDate: string;
  lastMeetingDate: string | null;
  nextReviewDue: string;
  asAt: string;
  milestones: MilestoneView[];
  reviews: Array<Omit<ReviewEntryView, 'followUp'> & { milestones: MilestoneView[] }>;
}

/**
 * The current plan's review cycle as at `asAt`: the plan is the latest issued final plan; the
 * cycle is the one after the last meeting held by `asAt`, plus the decision of that last meeting
 * if it is still outstanding, and its report and amendment (regs 20-22). Reviews, decisions and
 * amendments dated after `asAt` had not happened then.
 */
export function annualReviewView(
  plan: AssessmentRow,
  storedReviews: ReviewRow[],
  asAt: IsoDate,
  dateOfBirth: IsoDate | null = null,
): AnnualReviewView {
  const held = reviewsAsAt(storedReviews, asAt);
  const last = held.at(-1) ?? null;
  const issued = plan.finalPlanIssuedDate as IsoDate;
  const milestones = evaluateMilestones(
    annualReviewMilestones({
      planIssuedDate: issued,
      lastReviewDate: (held.at(-2)?.meetingDate ?? null) as IsoDate | null,
      reviewMeetingDate: (last?.meetingDate ?? null) as IsoDate | null,
      decisionNotifiedDate: (last?.decisionDate ?? null) as IsoDate | null,
    }),
    asAt,
  ).map((m) => milestoneView(m));
  // And the next cycle, which is what "is a review overdue now" is about.
  const next = last
    ? evaluateMilestones(
        annualReviewMilestones({ planIssuedDate: issued, lastReviewDate: last.meetingDate as IsoDate }),
        asAt,
      ).map((m) => ({ ...milestoneView(m), name: 'next_annual_review' }))
    : [];
  const entries = held.map((r) => reviewEntryView(r, dateOfBirth, asAt));
  const lastFollowUp = entries.at(-1)?.followUp.map((m) => milestoneView(m)) ?? [];
  return {
    planAssessmentId: plan.id,
    planIssuedDate: issued,
    lastMeetingDate: last?.meetingDate ?? null,
    nextReviewDue: nextReviewDue(issued, (last?.meetingDate ?? null) as IsoDate | null),
    asAt,
    milestones: [...milestones, ...lastFollowUp, ...next],
    reviews: entries.map(({ followUp, ...rest }) => ({
      ...rest,
      milestones: followUp.map((m) => milestoneView(m)),
    })),
  };
}

export async function annualReviewsFor(
  db: DbHandle,
  childIds: string[],
  asAt: IsoDate,
): Promise<Map<string, AnnualReviewView | null>> {
  const out = new Map<string, AnnualReviewView | null>(childIds.map((id) => [id, null]));
  if (childIds.length === 0) return out;
  const [plans, reviews, children] = await Promise.all([
    db.db
      .select()
      .from(ehcAssessment)
      .where(inArray(ehcAssessment.childId, childIds))
      .orderBy(asc(ehcAssessment.finalPlanIssuedDate)),
    db.db
      .select()
      .from(annualReview)
      .where(inArray(annualReview.childId, childIds))
      .orderBy(asc(annualReview.meetingDate), asc(annualReview.id)),
    db.db.select({ id: child.id, dob: child.dateOfBirth }).from(child).where(inArray(child.id, childIds)),
  ]);
  for (const childId of childIds) {
    const plan = plans
      .filter(
        (p) =>
          p.childId === childId &&
          p.finalPlanIssuedDate !== null &&
          compareDates(p.finalPlanIssuedDate as IsoDate, asAt) <= 0,
      )
      .at(-1);
    // A plan that had ceased by asAt (CFA 2014 s.45) has no review cycle: there is no plan.
    if (!plan || (plan.planCeasedDate !== null && compareDates(plan.planCeasedDate as IsoDate, asAt) <= 0))
      continue;
    out.set(
      childId,
      annualReviewView(
        plan,
        reviews.filter((r) => r.assessmentId === plan.id),
        asAt,
        (children.find((c) => c.id === childId)?.dob ?? null) as IsoDate | null,
      ),
    );
  }
  return out;
}

// ---- writes (the LA SEND team; access is checked by the caller through @hub/policy) ----

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
