import { addDays, addWeeks, compareDates, type IsoDate } from './calendar-date.ts';
import type { Milestone } from './milestone-status.ts';

/** Reg 5(1): decision whether to assess, notified within 6 weeks of the request. */
export const DECISION_TO_ASSESS_WEEKS = 6;
/** Reg 8(1): advice requested for the assessment, provided within 6 weeks of the request for it. */
export const ADVICE_WEEKS = 6;
/** Reg 13(2): final EHC plan sent within 20 weeks of the request for assessment. */
export const FINAL_PLAN_WEEKS = 20;
/** Reg 13(1)(a): at least 15 days, beginning with the day the draft is served, to comment on it. */
export const DRAFT_COMMENT_DAYS = 15;

export const MILESTONE_DECISION_TO_ASSESS = 'decision_to_assess';
export const MILESTONE_DRAFT_PLAN = 'draft_plan';
export const MILESTONE_FINAL_PLAN = 'final_plan';

export interface NeedsAssessmentDeadlines {
  readonly decisionToAssessDue: IsoDate;
  /** A practical target, not a time limit in law: see {@link needsAssessmentDeadlines}. */
  readonly draftPlanDue: IsoDate;
  readonly finalPlanDue: IsoDate;
}

export interface DeadlineOptions {
  /**
   * Days between the draft plan target and the final plan deadline. Defaults to, and may not be
   * less than, {@link DRAFT_COMMENT_DAYS}; an LA that posts drafts may want more so the comment
   * window survives postal service and there is time to act on what the family says.
   */
  readonly draftLeadDays?: number;
}

function draftLead(options: DeadlineOptions | undefined): number {
  const lead = options?.draftLeadDays ?? DRAFT_COMMENT_DAYS;
  if (!Number.isSafeInteger(lead) || lead < DRAFT_COMMENT_DAYS || lead > FINAL_PLAN_WEEKS * 7) {
    throw new RangeError(
      `draftLeadDays must be a whole number from ${DRAFT_COMMENT_DAYS} to ${FINAL_PLAN_WEEKS * 7}, got ${lead}`,
    );
  }
  return lead;
}

/**
 * The EHC needs assessment deadlines for a request received on `requestDate`.
 *
 * "Within N weeks of" the request is read as request + 7N days, met if done on or before that day.
 *
 * The draft plan has no deadline of its own in the regulations, but the family must get at least
 * 15 days, beginning with the day the draft is served, to comment before the plan is finalised.
 * The target is therefore the final deadline minus 15 days: the latest day a draft can be served
 * so that the whole comment window (that day and the 14 after) ends before the 20-week deadline.
 */
export function needsAssessmentDeadlines(
  requestDate: IsoDate,
  options?: DeadlineOptions,
): NeedsAssessmentDeadlines {
  const finalPlanDue = addWeeks(requestDate, FINAL_PLAN_WEEKS);
  return {
    decisionToAssessDue: addWeeks(requestDate, DECISION_TO_ASSESS_WEEKS),
    draftPlanDue: addDays(finalPlanDue, -draftLead(options)),
    finalPlanDue,
  };
}

/** When advice requested on `sentDate` is due: 6 weeks later, whoever it was asked of. */
export function adviceDue(sentDate: IsoDate): IsoDate {
  return addWeeks(sentDate, ADVICE_WEEKS);
}

/** Who advice is sought from (reg 6(1)); `other` for anyone the LA thinks appropriate. */
export type AdviceKind =
  | 'educational'
  | 'health'
  | 'educational_psychology'
  | 'social_care'
  | 'preparing_for_adulthood'
  | 'sensory_impairment'
  | 'other';

export interface AdviceRequest {
  readonly kind: AdviceKind;
  /** Tells apart two requests of the same kind, e.g. 'paediatrics' and 'speech-and-language'. */
  readonly label?: string;
  readonly sentDate: IsoDate;
  readonly receivedDate: IsoDate | null;
}

/** 'advice:health', or 'advice:health:paediatrics' with a label. Use it to name advice milestones in exceptions. */
export function adviceMilestoneName(kind: AdviceKind, label?: string): string {
  return label === undefined || label === '' ? `advice:${kind}` : `advice:${kind}:${label}`;
}

export interface NeedsAssessmentRecord {
  /** The day the LA received the request (or became responsible for the child): the clock starts here. */
  readonly requestDate: IsoDate;
  readonly decisionNotifiedDate?: IsoDate | null;
  readonly adviceRequests?: readonly AdviceRequest[];
  readonly draftPlanSentDate?: IsoDate | null;
  readonly finalPlanIssuedDate?: IsoDate | null;
}

function notBefore(date: IsoDate | null | undefined, start: IsoDate, what: string, startWhat: string): void {
  if (date != null && compareDates(date, start) < 0) {
    throw new RangeError(`${what} (${date}) is before ${startWhat} (${start})`);
  }
}

/**
 * The milestones of one needs assessment, ready for {@link evaluateMilestones}: decision to assess,
 * one per advice request, the draft plan target and the final plan. Throws on completion dates
 * before their clock started, which can only be data errors and would otherwise read as "met".
 *
 * A decision not to assess (or not to issue a plan) ends the process; dropping the later
 * milestones in that case is left to the caller, which knows the outcome.
 */
export function needsAssessmentMilestones(
  record: NeedsAssessmentRecord,
  options?: DeadlineOptions,
): Milestone[] {
  const { requestDate } = record;
  const due = needsAssessmentDeadlines(requestDate, options);
  const decision = record.decisionNotifiedDate ?? null;
  const draft = record.draftPlanSentDate ?? null;
  const final = record.finalPlanIssuedDate ?? null;
  notBefore(decision, requestDate, 'decisionNotifiedDate', 'the request');
  notBefore(draft, requestDate, 'draftPlanSentDate', 'the request');
  notBefore(final, requestDate, 'finalPlanIssuedDate', 'the request');

  const advice = (record.adviceRequests ?? []).map((request): Milestone => {
    const name = adviceMilestoneName(request.kind, request.label);
    notBefore(request.sentDate, requestDate, `${name} sentDate`, 'the request');
    notBefore(request.receivedDate, request.sentDate, `${name} receivedDate`, 'it was requested');
    return {
      name,
      dueDate: adviceDue(request.sentDate),
      completedDate: request.receivedDate,
      statutory: true,
    };
  });

  return [
    {
      name: MILESTONE_DECISION_TO_ASSESS,
      dueDate: due.decisionToAssessDue,
      completedDate: decision,
      statutory: true,
    },
    ...advice,
    { name: MILESTONE_DRAFT_PLAN, dueDate: due.draftPlanDue, completedDate: draft, statutory: false },
    { name: MILESTONE_FINAL_PLAN, dueDate: due.finalPlanDue, completedDate: final, statutory: true },
  ];
}
