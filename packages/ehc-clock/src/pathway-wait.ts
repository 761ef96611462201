import { compareDates, type IsoDate, wholeWeeksBetween } from './calendar-date.ts';

/**
 * Whole calendar weeks a child has waited on a pathway (e.g. an assessment referral): from
 * `referralDate` to `seenDate`, or to `today` while still waiting. Part weeks are not counted and
 * the result is never negative (a referral dated after `today` has waited 0 weeks).
 *
 * Like milestone status, this is "as at `today`": a `seenDate` after `today` is a booked
 * appointment, not a wait that has ended, so the wait keeps counting to `today`.
 */
export function weeksWaited(referralDate: IsoDate, seenDate: IsoDate | null, today: IsoDate): number {
  const end = seenDate !== null && compareDates(seenDate, today) <= 0 ? seenDate : today;
  return Math.max(0, wholeWeeksBetween(referralDate, end));
}
