/**
 * Who decides by age: rights pass from the parent carer to the young person at the END OF
 * COMPULSORY SCHOOL AGE (Children and Families Act 2014 s.83: a "young person" is over compulsory
 * school age), not on the 16th birthday.
 *
 * Education Act 1996 s.8(3) with the Education (School Leaving Date) Order 1997: the school
 * leaving date is the last Friday in June, and a child "ceases to be of compulsory school age at
 * the end of" the leaving date of the school year (1 September – 31 August) in which they turn 16
 * (s.8(3)(a)–(c) reduce to exactly that). So the parent carer still decides all of that Friday and
 * the young person decides from the Saturday after it.
 *
 * A person attains an age at the start of the anniversary of their birth (Family Law Reform Act
 * 1969 s.9), so only the birth month and year matter: born September–December → the leaving date
 * of June in the year they turn 17; born January–August → June of the year they turn 16. A
 * 29 February birth is therefore never ambiguous (28 Feb and 1 Mar are in the same school year).
 *
 * Every date here is the calendar date IN ENGLAND (Europe/London), never UTC: at 23:30 UTC on a
 * summer evening it is already tomorrow in England.
 */

import { englandDate } from '@hub/ehc-clock';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a real YYYY-MM-DD calendar date; a broken date of birth must never change who decides. */
function parseIsoDate(value: string, field: string): [number, number, number] {
  const match = ISO_DATE.exec(value);
  if (!match) throw new RangeError(`${field} must be YYYY-MM-DD, got ${JSON.stringify(value)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
    throw new RangeError(`${field} is not a calendar date: ${value}`);
  }
  return [year, month, day];
}

function iso(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// The date in England at an instant: one implementation, in the EHC clock (it remembers its
// answer for the rest of the UTC hour, so asking on every decision costs nothing).
export { englandDate };

/**
 * Age in whole years on the date in England at `now`. Someone born on 29 February reaches a new
 * age on 1 March in non-leap years (28 Feb < 29 Feb < 1 Mar as (month, day) pairs).
 * Used to describe a child, never to decide who decides (see isOverCompulsorySchoolAge).
 */
export function ageOn(dateOfBirth: string, now: Date): number {
  const [year, month, day] = parseIsoDate(dateOfBirth, 'dateOfBirth');
  const [nowYear, nowMonth, nowDay] = parseIsoDate(englandDate(now), 'now');
  const hadBirthdayThisYear = nowMonth > month || (nowMonth === month && nowDay >= day);
  return nowYear - year - (hadBirthdayThisYear ? 0 : 1);
}

/** The last Friday in June of `year` (always 24–30 June): the school leaving date. */
export function schoolLeavingDate(year: number): string {
  // Day of week of 30 June (0 = Sunday … 5 = Friday); step back to the Friday on or before it.
  const weekday = new Date(Date.UTC(year, 5, 30)).getUTCDay();
  return iso(year, 6, 30 - ((weekday - 5 + 7) % 7));
}

/**
 * The last day the child is of compulsory school age (the parent carer still decides that day):
 * the last Friday in June of the school year in which they turn 16.
 */
export function endOfCompulsorySchoolAge(dateOfBirth: string): string {
  const [year, month] = parseIsoDate(dateOfBirth, 'dateOfBirth');
  // The 16th birthday falls in the school year ending in June of year+16 (Jan–Aug births) or
  // year+17 (Sept–Dec births, whose school year starts the September they turn 16).
  return schoolLeavingDate(year + 16 + (month >= 9 ? 1 : 0));
}

/** The first day the young person decides: the day after the end of compulsory school age. */
export function decisionHandoverDate(dateOfBirth: string): string {
  const [y, m, d] = parseIsoDate(endOfCompulsorySchoolAge(dateOfBirth), 'end');
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * True once the child is over compulsory school age on the date in England at `now`: from then
 * on the young person (or, if they lack capacity, their representative) decides, not the
 * parent carer. The one age rule every part of the hub imports.
 */
export function isOverCompulsorySchoolAge(dateOfBirth: string, now: Date): boolean {
  return englandDate(now) >= decisionHandoverDate(dateOfBirth);
}

/** Plain-English statement of the rule, for messages shown to people. */
export const HANDOVER_RULE_TEXT =
  'after the end of the school year in which they turn 16 (the last Friday in June)';
