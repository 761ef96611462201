import { compareDates, type IsoDate } from './calendar-date.ts';
import { needsAssessmentDeadlines } from './needs-assessment.ts';

/**
 * True when the final plan was issued on or before request + 20 weeks. Recorded exceptions are
 * not considered here, so one function serves both "all plans" and "excluding exception cases"
 * rates: for the latter the caller drops cases whose `final_plan` milestone has
 * `exceptionApplies`. Throws if the plan predates the request (a data error).
 */
export function issuedWithin20Weeks(requestDate: IsoDate, finalIssuedDate: IsoDate): boolean {
  if (compareDates(finalIssuedDate, requestDate) < 0) {
    throw new RangeError(`finalIssuedDate (${finalIssuedDate}) is before requestDate (${requestDate})`);
  }
  return compareDates(finalIssuedDate, needsAssessmentDeadlines(requestDate).finalPlanDue) <= 0;
}

/**
 * The median, averaging the middle two for an even count; null for no values, because a dashboard
 * must show "no data" rather than a misleading 0. Throws on NaN or infinities, which would make
 * the sort order, and so the answer, meaningless. Does not modify `values`.
 */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`median needs finite numbers, got ${v}`);
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid]!;
  return sorted.length % 2 === 1 ? upper : (sorted[mid - 1]! + upper) / 2;
}
