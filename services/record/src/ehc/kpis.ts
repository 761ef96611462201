import type { DbHandle } from '@hub/db';
import {
  adviceDue,
  compareDates,
  evaluateMilestones,
  type IsoDate,
  issuedWithin20Weeks,
  monthStart,
  monthsWindowStart,
  needsAssessmentMilestones,
  nextReviewDue,
  reviewDecisionDue,
} from '@hub/ehc-clock';
import { asc } from 'drizzle-orm';
import { annualReview, ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { ADVICE_AGENCIES, type AdviceAgency } from './workflow.ts';

type AssessmentRow = typeof ehcAssessment.$inferSelect;

// ---- KPIs: aggregates only, no child ids or names leave this function ----

export interface EhcKpis {
  asAt: string;
  plansThisMonth: PlanTimeliness;
  plansRolling12Months: PlanTimeliness;
  overdueAdviceByAgency: Array<{ agency: AdviceAgency; overdue: number; outstanding: number }>;
  assessmentsInProgress: number;
  decisionsToAssessOverdue: number;
  annualReviewsOverdue: number;
  reviewDecisionsOverdue: number;
}
export interface PlanTimeliness {
  from: string;
  to: string;
  issued: number;
  issuedWithin20Weeks: number;
  percentWithin20Weeks: number | null;
}

const onOrBefore = (d: string | null, asAt: IsoDate) => d !== null && compareDates(d as IsoDate, asAt) <= 0;

function timeliness(plans: AssessmentRow[], from: IsoDate, to: IsoDate): PlanTimeliness {
  const inWindow = plans.filter(
    (p) =>
      compareDates(p.finalPlanIssuedDate as IsoDate, from) >= 0 &&
      compareDates(p.finalPlanIssuedDate as IsoDate, to) <= 0,
  );
  const within = inWindow.filter((p) =>
    issuedWithin20Weeks(p.requestDate as IsoDate, p.finalPlanIssuedDate as IsoDate),
  ).length;
  return {
    from,
    to,
    issued: inWindow.length,
    issuedWithin20Weeks: within,
    percentWithin20Weeks: inWindow.length === 0 ? null : Math.round((within * 1000) / inWindow.length) / 10,
  };
}

/**
 * The dashboard figures as at the end of `asAt`: only what had happened by then counts, so the
 * same date always gives the same figures. Definitions are in the README.
 */
export async function ehcKpis(db: DbHandle, asAt: IsoDate, children?: ReadonlySet<string>): Promise<EhcKpis> {
  // Tenancy: `children` are the caller's council's children (council.ts); figures count only them.
  const mine = <T extends { childId: string }>(rows: T[]) =>
    children ? rows.filter((r) => children.has(r.childId)) : rows;
  const [allAssessments, allAdvice, allReviews] = await Promise.all([
    db.db.select().from(ehcAssessment),
    db.db.select().from(ehcAdviceRequest),
    db.db.select().from(annualReview).orderBy(asc(annualReview.meetingDate)),
  ]);
  const [assessments, advice, reviews] = [mine(allAssessments), mine(allAdvice), mine(allReviews)];
  const known = assessments.filter((a) => onOrBefore(a.requestDate, asAt));
  const issuedPlans = known.filter((a) => onOrBefore(a.finalPlanIssuedDate, asAt));
  const openAt = (a: AssessmentRow) =>
    !onOrBefore(a.finalPlanIssuedDate, asAt) &&
    !(a.decision === 'not_assess' && onOrBefore(a.decisionDate, asAt)) &&
    // Reg 10: a decision not to issue a plan ends the assessment.
    !(a.planDecision === 'not_issue' && onOrBefore(a.planDecisionDate, asAt));
  const open = new Map(known.filter(openAt).map((a) => [a.id, a]));

  const overdueAdviceByAgency = ADVICE_AGENCIES.map((agency) => {
    const waiting = advice.filter(
      (r) =>
        r.agency === agency &&
        open.has(r.assessmentId) &&
        onOrBefore(r.sentDate, asAt) &&
        !onOrBefore(r.receivedDate, asAt),
    );
    const overdue = waiting.filter((r) => compareDates(adviceDue(r.sentDate as IsoDate), asAt) < 0).length;
    return { agency, overdue, outstanding: waiting.length };
  });

  let annualReviewsOverdue = 0;
  let reviewDecisionsOverdue = 0;
  // The current plan per child: the latest issued by asAt.
  const currentPlan = new Map<string, AssessmentRow>();
  for (const p of issuedPlans) {
    const seen = currentPlan.get(p.childId);
    if (!seen || compareDates(p.finalPlanIssuedDate as IsoDate, seen.finalPlanIssuedDate as IsoDate) > 0)
      currentPlan.set(p.childId, p);
  }
  for (const plan of currentPlan.values()) {
    // A plan that had ceased (CFA 2014 s.45) is no longer reviewed.
    if (onOrBefore(plan.planCeasedDate, asAt)) continue;
    const held = reviews.filter((r) => r.assessmentId === plan.id && onOrBefore(r.meetingDate, asAt));
    const last = held.at(-1)?.meetingDate ?? null;
    if (compareDates(nextReviewDue(plan.finalPlanIssuedDate as IsoDate, last as IsoDate | null), asAt) < 0)
      annualReviewsOverdue++;
  }
  for (const r of reviews) {
    if (
      onOrBefore(r.meetingDate, asAt) &&
      !onOrBefore(r.decisionDate, asAt) &&
      compareDates(reviewDecisionDue(r.meetingDate as IsoDate), asAt) < 0
    )
      reviewDecisionsOverdue++;
  }
  const decisionsToAssessOverdue = [...open.values()].filter(
    (a) =>
      !onOrBefore(a.decisionDate, asAt) &&
      evaluateMilestones(needsAssessmentMilestones({ requestDate: a.requestDate as IsoDate }), asAt)[0]
        ?.status === 'overdue',
  ).length;

  return {
    asAt,
    plansThisMonth: timeliness(issuedPlans, monthStart(asAt), asAt),
    plansRolling12Months: timeliness(issuedPlans, monthsWindowStart(asAt, 12), asAt),
    overdueAdviceByAgency,
    assessmentsInProgress: open.size,
    decisionsToAssessOverdue,
    annualReviewsOverdue,
    reviewDecisionsOverdue,
  };
}
