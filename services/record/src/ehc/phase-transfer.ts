import type { DbHandle } from '@hub/db';
import {
  addDays,
  compareDates,
  evaluateMilestones,
  type IsoDate,
  lastDayOfMonthsPeriod,
  type PhaseTransferKind,
  phaseTransfers,
} from '@hub/ehc-clock';
import { asc, inArray, isNotNull } from 'drizzle-orm';
import { annualReview, child, ehcAssessment } from '../tables.ts';
import { reviewsAsAt } from './annual-review.ts';

/**
 * Phase transfers (SEND Regulations 2014 reg 18(1)): a child with a plan who is within 12 months
 * of a transfer between phases has the plan reviewed and, as necessary, amended by 15 February of
 * the calendar year of the transfer, or 31 March for a move from secondary school to a post-16
 * institution. Transfers are derived from the date of birth on the usual cohort (Reception, Year
 * 7, Year 12); infant-to-junior and middle-school transfers are not (they depend on the schools).
 *
 * "Done" is the first completed review of the plan held within the 12 months before the transfer:
 * its decision date when the LA kept the plan as it was or decided to cease it, or the amended
 * plan's issue date when it decided to amend (regs 20(10), 22).
 */
export interface PhaseTransferDue {
  childId: string;
  planAssessmentId: string;
  kind: PhaseTransferKind;
  transferDate: string;
  amendBy: string;
  completedDate: string | null;
  status: string;
  daysRemaining: number | null;
  daysLate: number | null;
  breach: boolean;
}

export async function phaseTransfersDue(db: DbHandle, asAt: IsoDate): Promise<PhaseTransferDue[]> {
  const plans = (
    await db.db
      .select()
      .from(ehcAssessment)
      .where(isNotNull(ehcAssessment.finalPlanIssuedDate))
      .orderBy(asc(ehcAssessment.finalPlanIssuedDate))
  ).filter(
    (p) =>
      compareDates(p.finalPlanIssuedDate as IsoDate, asAt) <= 0 &&
      (p.planCeasedDate === null || compareDates(p.planCeasedDate as IsoDate, asAt) > 0),
  );
  // The current plan per child.
  const current = new Map(plans.map((p) => [p.childId, p]));
  const childIds = [...current.keys()];
  if (childIds.length === 0) return [];
  const [children, reviews] = await Promise.all([
    db.db.select({ id: child.id, dob: child.dateOfBirth }).from(child).where(inArray(child.id, childIds)),
    db.db
      .select()
      .from(annualReview)
      .where(inArray(annualReview.childId, childIds))
      .orderBy(asc(annualReview.meetingDate), asc(annualReview.id)),
  ]);
  // The same date 12 months on: a transfer on that day or earlier is "within 12 months".
  const horizon = addDays(lastDayOfMonthsPeriod(asAt, 12), 1);
  const out: PhaseTransferDue[] = [];
  for (const c of children) {
    const plan = current.get(c.id)!;
    // Reg 18(1): "within 12 months of a transfer": the next transfer that has not happened yet.
    const transfer = phaseTransfers(c.dob as IsoDate).find(
      (t) => compareDates(t.transferDate, asAt) > 0 && compareDates(t.transferDate, horizon) <= 0,
    );
    if (!transfer) continue;
    // The 12 months before the transfer (transfers are on 1 September).
    const windowStart = `${Number(transfer.transferDate.slice(0, 4)) - 1}-09-01` as IsoDate;
    const completions = reviewsAsAt(
      reviews.filter((r) => r.assessmentId === plan.id),
      asAt,
    )
      .filter((r) => compareDates(r.meetingDate as IsoDate, windowStart) >= 0)
      .map((r) => (r.outcome === 'amend' ? r.amendedPlanIssuedDate : r.outcome ? r.decisionDate : null))
      .filter((d): d is string => d !== null)
      .sort();
    const completedDate = (completions[0] ?? null) as IsoDate | null;
    const [state] = evaluateMilestones(
      [
        {
          name: `phase_transfer:${transfer.kind}`,
          dueDate: transfer.amendBy,
          completedDate,
          statutory: true,
        },
      ],
      asAt,
    );
    out.push({
      childId: c.id,
      planAssessmentId: plan.id,
      kind: transfer.kind,
      transferDate: transfer.transferDate,
      amendBy: transfer.amendBy,
      completedDate,
      status: state!.status,
      daysRemaining: state!.daysRemaining,
      daysLate: state!.daysLate,
      breach: state!.breach,
    });
  }
  return out.sort((a, b) => a.amendBy.localeCompare(b.amendBy) || a.childId.localeCompare(b.childId));
}
