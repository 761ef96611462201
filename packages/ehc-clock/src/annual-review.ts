import { addWeeks, compareDates, type IsoDate, lastDayOfMonthsPeriod } from './calendar-date.ts';
import type { Milestone } from './milestone-status.ts';

/** Children and Families Act 2014 s.44(1): review within each period of 12 months. */
export const REVIEW_PERIOD_MONTHS = 12;
/** SEND Regulations 2014 regs 20 and 21: the LA's decision is notified within 4 weeks of the review meeting. */
export const REVIEW_DECISION_WEEKS = 4;

export const MILESTONE_ANNUAL_REVIEW = 'annual_review';
export const MILESTONE_REVIEW_DECISION = 'annual_review_decision';

/**
 * The last day by which the next review meeting must be held.
 *
 * Follows s.44(1): the first review falls within 12 months starting with the date the plan was
 * first made (`planIssuedDate`); each later one within 12 months starting with the date of the
 * last review (`lastReviewDate`, taken as the date of that review's meeting). The meeting date is
 * used, not the date of the decision that follows it, because it is the earlier of the two and so
 * never lets a review run later than the Act allows; it is also the date schools and families
 * plan around.
 */
export function nextReviewDue(planIssuedDate: IsoDate, lastReviewDate: IsoDate | null = null): IsoDate {
  if (lastReviewDate !== null && compareDates(lastReviewDate, planIssuedDate) < 0) {
    throw new RangeError(`lastReviewDate (${lastReviewDate}) is before planIssuedDate (${planIssuedDate})`);
  }
  return lastDayOfMonthsPeriod(lastReviewDate ?? planIssuedDate, REVIEW_PERIOD_MONTHS);
}

/** When the LA must notify its decision after a review meeting held on `reviewMeetingDate`. */
export function reviewDecisionDue(reviewMeetingDate: IsoDate): IsoDate {
  return addWeeks(reviewMeetingDate, REVIEW_DECISION_WEEKS);
}

/** One review cycle: the one after `lastReviewDate`, or the first if there has been none. */
export interface AnnualReviewRecord {
  /** The date the plan was first made. */
  readonly planIssuedDate: IsoDate;
  /** The meeting date of the previous review; null or absent before the first review. */
  readonly lastReviewDate?: IsoDate | null;
  /** This cycle's review meeting, once held. */
  readonly reviewMeetingDate?: IsoDate | null;
  readonly decisionNotifiedDate?: IsoDate | null;
}

/**
 * The milestones of one review cycle: the review meeting, and once it has a date, the decision
 * after it. Throws on dates out of order, which can only be data errors.
 */
export function annualReviewMilestones(record: AnnualReviewRecord): Milestone[] {
  const last = record.lastReviewDate ?? null;
  const meeting = record.reviewMeetingDate ?? null;
  const decision = record.decisionNotifiedDate ?? null;
  const cycleStart = last ?? record.planIssuedDate;
  const reviewDue = nextReviewDue(record.planIssuedDate, last);

  if (meeting !== null && compareDates(meeting, cycleStart) < 0) {
    throw new RangeError(
      `reviewMeetingDate (${meeting}) is before the start of this review cycle (${cycleStart})`,
    );
  }
  const milestones: Milestone[] = [
    { name: MILESTONE_ANNUAL_REVIEW, dueDate: reviewDue, completedDate: meeting, statutory: true },
  ];
  if (meeting === null) {
    if (decision !== null)
      throw new RangeError('decisionNotifiedDate is set but there is no reviewMeetingDate');
    return milestones;
  }
  if (decision !== null && compareDates(decision, meeting) < 0) {
    throw new RangeError(`decisionNotifiedDate (${decision}) is before reviewMeetingDate (${meeting})`);
  }
  milestones.push({
    name: MILESTONE_REVIEW_DECISION,
    dueDate: reviewDecisionDue(meeting),
    completedDate: decision,
    statutory: true,
  });
  return milestones;
}
