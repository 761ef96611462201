import type { DbHandle } from '@hub/db';
import {
  adviceDue,
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
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { asc, inArray } from 'drizzle-orm';
import { ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { type AdviceReuseView, adviceReusesFor, reuseView } from './advice-reuse.ts';
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
 * The EHC needs assessment workflow read as at a date, with its statutory clocks (all date
 * arithmetic is @hub/ehc-clock's). The record service owns it (DESIGN.md): the LA SEND team
 * records the dates (writes.ts); everyone involved with the child sees the deadlines and their
 * status; the annual review cycle is annual-review-view.ts.
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

export function dateField(
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

export const milestoneView = (m: MilestoneState, exceptionIds: string[] = []): MilestoneView => ({
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
export const isActive = (a: AssessmentRow) =>
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
