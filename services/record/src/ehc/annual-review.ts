import type { DbHandle } from '@hub/db';
import {
  AMENDMENT_WEEKS,
  addWeeks,
  compareDates,
  evaluateMilestones,
  type IsoDate,
  isIsoDate,
  preparationForAdulthoodDue,
  REVIEW_REPORT_WEEKS,
  type ReviewOutcome,
  reviewDecisionDue,
  reviewFollowUpMilestones,
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { eq } from 'drizzle-orm';
import { annualReview } from '../tables.ts';

/**
 * Annual review to amendment (SEND Regulations 2014 regs 20-22): after the meeting, the report
 * (2 weeks), the LA's decision to keep, amend or cease the plan (4 weeks, reg 20(10)/21), and for
 * an amendment the proposals sent with the plan (reg 22) and the amended plan 8 weeks after them.
 * Reviews from Year 9 must consider preparation for adulthood (reg 20(6)).
 */
export type ReviewRow = typeof annualReview.$inferSelect;
export const REVIEW_OUTCOMES: readonly ReviewOutcome[] = ['no_change', 'amend', 'cease'];

const later = (d: string | null, asAt: IsoDate) => d !== null && compareDates(d as IsoDate, asAt) > 0;

/** Reviews as they stood at the end of `asAt`: none held later, no later decision, report or amendment. */
export function reviewsAsAt(rows: ReviewRow[], asAt: IsoDate): ReviewRow[] {
  return rows
    .filter((r) => !later(r.meetingDate, asAt))
    .map((r) => {
      const decided = !later(r.decisionDate, asAt);
      const proposed = decided && !later(r.amendmentProposedDate, asAt);
      return {
        ...r,
        decisionDate: decided ? r.decisionDate : null,
        outcome: decided ? r.outcome : null,
        reportSentDate: later(r.reportSentDate, asAt) ? null : r.reportSentDate,
        amendmentProposedDate: proposed ? r.amendmentProposedDate : null,
        amendedPlanIssuedDate:
          proposed && !later(r.amendedPlanIssuedDate, asAt) ? r.amendedPlanIssuedDate : null,
      };
    });
}

export function reviewEntryView(r: ReviewRow, dateOfBirth: IsoDate | null, asAt: IsoDate) {
  const followUp = evaluateMilestones(
    reviewFollowUpMilestones({
      meetingDate: r.meetingDate as IsoDate,
      reportSentDate: r.reportSentDate as IsoDate | null,
      decisionDate: r.decisionDate as IsoDate | null,
      outcome: r.outcome,
      amendmentProposedDate: r.amendmentProposedDate as IsoDate | null,
      amendedPlanIssuedDate: r.amendedPlanIssuedDate as IsoDate | null,
    }),
    asAt,
  );
  return {
    id: r.id,
    meetingDate: r.meetingDate,
    decisionDate: r.decisionDate,
    decisionDue: reviewDecisionDue(r.meetingDate as IsoDate),
    reportSentDate: r.reportSentDate,
    reportDue: addWeeks(r.meetingDate as IsoDate, REVIEW_REPORT_WEEKS),
    outcome: r.outcome,
    amendmentProposedDate: r.amendmentProposedDate,
    amendedPlanIssuedDate: r.amendedPlanIssuedDate,
    amendedPlanDue: r.amendmentProposedDate
      ? addWeeks(r.amendmentProposedDate as IsoDate, AMENDMENT_WEEKS)
      : null,
    // Reg 20(6): from Year 9 the review considers preparation for adulthood.
    preparationForAdulthood:
      dateOfBirth === null ? false : preparationForAdulthoodDue(dateOfBirth, r.meetingDate as IsoDate),
    followUp,
  };
}
export type ReviewEntryView = ReturnType<typeof reviewEntryView>;

export interface ReviewUpdate {
  reportSentDate?: unknown;
  outcome?: unknown;
  amendmentProposedDate?: unknown;
  amendedPlanIssuedDate?: unknown;
}

/**
 * Records the steps after a review meeting. A date once recorded is evidence and is not changed;
 * every problem is listed at once and nothing is written on error. The outcome needs the
 * decision date (recordAnnualReviewDecision, or decisionDate here).
 */
export async function updateAnnualReview(
  db: DbHandle,
  reviewId: string,
  input: ReviewUpdate & { decisionDate?: unknown },
  today: IsoDate,
): Promise<string> {
  const [r] = await db.db.select().from(annualReview).where(eq(annualReview.id, reviewId));
  if (!r) throw new HubError('NOT_FOUND', `No annual review has id ${reviewId}.`);
  const problems: string[] = [];
  const date = (value: unknown, field: keyof ReviewRow): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (!isIsoDate(value)) {
      problems.push(`${field} must be a real date written YYYY-MM-DD`);
      return undefined;
    }
    if (compareDates(value, today) > 0) problems.push(`${field} cannot be in the future`);
    if (r[field] !== null && r[field] !== value) problems.push(`${field} is already recorded (${r[field]})`);
    return value;
  };
  const next = {
    reportSentDate: date(input.reportSentDate, 'reportSentDate') ?? r.reportSentDate,
    decisionDate: date(input.decisionDate, 'decisionDate') ?? r.decisionDate,
    amendmentProposedDate:
      date(input.amendmentProposedDate, 'amendmentProposedDate') ?? r.amendmentProposedDate,
    amendedPlanIssuedDate:
      date(input.amendedPlanIssuedDate, 'amendedPlanIssuedDate') ?? r.amendedPlanIssuedDate,
    outcome: r.outcome,
  };
  if (input.outcome !== undefined && input.outcome !== null) {
    if (!(REVIEW_OUTCOMES as readonly unknown[]).includes(input.outcome))
      problems.push(`outcome must be one of ${REVIEW_OUTCOMES.join(', ')}`);
    else if (r.outcome !== null && r.outcome !== input.outcome)
      problems.push(`outcome is already recorded (${r.outcome})`);
    else next.outcome = input.outcome as ReviewOutcome;
  }
  for (const field of ['reportSentDate', 'decisionDate', 'amendmentProposedDate'] as const) {
    const v = next[field];
    if (v && compareDates(v as IsoDate, r.meetingDate as IsoDate) < 0)
      problems.push(`${field} is before the review meeting (${r.meetingDate})`);
  }
  if (next.outcome !== null && next.decisionDate === null)
    problems.push('the outcome is the LA decision: record decisionDate with it (reg 20(10))');
  if (next.amendmentProposedDate !== null && next.outcome !== 'amend')
    problems.push('amendments are proposed only after a decision to amend (reg 22)');
  if (next.amendedPlanIssuedDate !== null && next.amendmentProposedDate === null)
    problems.push('record the proposed amendments (amendmentProposedDate) before the amended plan');
  if (
    next.amendedPlanIssuedDate !== null &&
    next.amendmentProposedDate !== null &&
    compareDates(next.amendedPlanIssuedDate as IsoDate, next.amendmentProposedDate as IsoDate) < 0
  )
    problems.push('amendedPlanIssuedDate is before amendmentProposedDate');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid annual review: ${problems.join('; ')}.`, { problems });
  await db.db.update(annualReview).set(next).where(eq(annualReview.id, reviewId));
  return r.childId;
}
