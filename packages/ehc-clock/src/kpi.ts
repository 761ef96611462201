import {
  addDays,
  compareDates,
  daysInMonth,
  formatIsoDate,
  type IsoDate,
  parseIsoDate,
} from './calendar-date.ts';
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

/**
 * The first day of the reporting window of `months` calendar months that ends with (and
 * includes) `end`: the day after the same date `months` earlier, where a month too short for
 * that date uses its last day. So the rolling 12 months to 2025-02-28 start on 2024-02-29 and the
 * 12 months to 2024-02-29 start on 2023-03-01: every day belongs to exactly one window position,
 * and a 12-month window is always 365 or 366 days. (PostgreSQL's `end - interval '12 months'`
 * clamps the same way, so `issued > end - interval '12 months'` is the same window in SQL.)
 */
export function monthsWindowStart(end: IsoDate, months: number): IsoDate {
  if (!Number.isSafeInteger(months) || months < 1)
    throw new RangeError(`months must be a whole number ≥ 1, got ${months}`);
  const { year, month, day } = parseIsoDate(end);
  const index = year * 12 + (month - 1) - months;
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return addDays(formatIsoDate({ year: y, month: m, day: Math.min(day, daysInMonth(y, m)) }), 1);
}

/** The first day of the calendar month `date` falls in ("this month" on the dashboard). */
export function monthStart(date: IsoDate): IsoDate {
  const { year, month } = parseIsoDate(date);
  return formatIsoDate({ year, month, day: 1 });
}
