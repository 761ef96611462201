import type { DbHandle } from '@hub/db';
import {
  annualReviewMilestones,
  compareDates,
  evaluateMilestones,
  type IsoDate,
  nextReviewDue,
} from '@hub/ehc-clock';
import { asc, inArray } from 'drizzle-orm';
import { annualReview, child, ehcAssessment } from '../tables.ts';
import { type ReviewEntryView, type ReviewRow, reviewEntryView, reviewsAsAt } from './annual-review.ts';
import { type MilestoneView, milestoneView } from './workflow.ts';

// The annual review cycle of a child's current plan as at a date (regs 18-22), read for the
// record and the dashboard; the review entries themselves are annual-review.ts's.

type AssessmentRow = typeof ehcAssessment.$inferSelect;

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
