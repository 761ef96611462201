/**
 * Calendar dates as 'YYYY-MM-DD' strings, with arithmetic on days since 1970-01-01.
 *
 * Statutory deadlines are calendar dates, not instants: "within 20 weeks of the request" names a
 * day, whatever the clocks did in between. So there are no times and no time zones here, and the
 * arithmetic is pure integer maths on epoch days (no `Date`), which means daylight saving and the
 * host's time zone can never shift a deadline by a day.
 */

/**
 * A 'YYYY-MM-DD' calendar date. The template type lets literals like '2024-02-29' type-check
 * without casts while rejecting arbitrary `string`s at compile time; it is looser than the real
 * format, so every function still validates at run time with {@link parseIsoDate}. Turn an
 * untyped string (JSON, a database row) into one with {@link asIsoDate}.
 */
export type IsoDate = `${number}-${number}-${number}`;

/** The parts of a calendar date in the proleptic Gregorian calendar; `month` and `day` are 1-based. */
export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Thrown for anything that is not a real 'YYYY-MM-DD' date, or arithmetic that leaves the supported range. */
export class InvalidDateError extends RangeError {
  override readonly name = 'InvalidDateError';
}

// Four-digit years only: the string form must stay fixed-width so that it sorts and compares
// as text, and no SEND record needs a date outside 0001..9999.
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

// `\d` without the `u` flag is ASCII 0-9 only, and `$` in JS never matches before a trailing
// newline, so this is exactly four-two-two digits.
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function describe(input: unknown): string {
  if (typeof input !== 'string') return typeof input;
  return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isValidParts(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) &&
    Number.isInteger(month) &&
    Number.isInteger(day) &&
    year >= MIN_YEAR &&
    year <= MAX_YEAR &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month)
  );
}

/**
 * Strictly parses 'YYYY-MM-DD'. Throws {@link InvalidDateError} for wrong shape ('2025-1-1',
 * '2025-01-01T00:00Z', ' 2025-01-01'), impossible dates ('2025-02-29', '2025-13-01', '2025-04-31')
 * and non-strings. Nothing is normalised: a mistyped date must fail loudly rather than quietly
 * become a different day and move a statutory deadline.
 */
export function parseIsoDate(input: string): CalendarDate {
  if (typeof input !== 'string') {
    // Callers hand us values from untyped JSON and database rows.
    throw new InvalidDateError(`Expected a 'YYYY-MM-DD' date string, got ${describe(input)}`);
  }
  const match = ISO_DATE.exec(input);
  if (!match) throw new InvalidDateError(`Expected a 'YYYY-MM-DD' date, got ${describe(input)}`);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (!isValidParts(year, month, day)) {
    throw new InvalidDateError(`Not a real calendar date: ${describe(input)}`);
  }
  return { year, month, day };
}

/** Formats parts as 'YYYY-MM-DD'. Throws {@link InvalidDateError} if the parts are not a real date. */
export function formatIsoDate(date: CalendarDate): IsoDate {
  const { year, month, day } = date;
  if (!isValidParts(year, month, day)) {
    throw new InvalidDateError(`Not a real calendar date: ${JSON.stringify({ year, month, day })}`);
  }
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` as IsoDate;
}

/** True when `input` is a real 'YYYY-MM-DD' date. */
export function isIsoDate(input: unknown): input is IsoDate {
  if (typeof input !== 'string') return false;
  try {
    parseIsoDate(input);
    return true;
  } catch {
    return false;
  }
}

/** Validates an untyped string and returns it as an {@link IsoDate}; throws {@link InvalidDateError}. */
export function asIsoDate(input: string): IsoDate {
  parseIsoDate(input);
  return input as IsoDate;
}

// Days-from-civil and its inverse (Howard Hinnant, "chrono-Compatible Low-Level Date
// Algorithms"): exact integer arithmetic over 400-year eras, so no floating point drift and no
// dependence on `Date`'s two-digit-year quirks.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function civilFromDays(epochDay: number): CalendarDate {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const MIN_EPOCH_DAY = daysFromCivil(MIN_YEAR, 1, 1);
const MAX_EPOCH_DAY = daysFromCivil(MAX_YEAR, 12, 31);

/** Days since 1970-01-01 (negative before it). Same numbering as `Date.UTC(...) / 86_400_000`. */
export function toEpochDay(date: IsoDate): number {
  const { year, month, day } = parseIsoDate(date);
  return daysFromCivil(year, month, day);
}

/** The date `epochDay` days after 1970-01-01. Throws {@link InvalidDateError} outside 0001-01-01..9999-12-31. */
export function fromEpochDay(epochDay: number): IsoDate {
  if (!Number.isInteger(epochDay) || epochDay < MIN_EPOCH_DAY || epochDay > MAX_EPOCH_DAY) {
    throw new InvalidDateError(`Epoch day ${epochDay} is outside 0001-01-01..9999-12-31`);
  }
  return formatIsoDate(civilFromDays(epochDay));
}

function requireInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value))
    throw new InvalidDateError(`${what} must be a whole number, got ${value}`);
}

/** `date` moved by `days` calendar days (negative moves back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  requireInteger(days, 'days');
  return fromEpochDay(toEpochDay(date) + days);
}

/** `date` moved by `weeks` calendar weeks of 7 days: the statutory weeks are plain weeks, not working weeks. */
export function addWeeks(date: IsoDate, weeks: number): IsoDate {
  requireInteger(weeks, 'weeks');
  return addDays(date, weeks * 7);
}

/** Calendar days from `from` to `to`: positive when `to` is later, 0 for the same day. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/**
 * Completed 7-day weeks from `from` to `to`, truncated towards zero (6 days is 0 weeks, 13 days is
 * 1 week, -8 days is -1 week), so swapping the arguments only flips the sign.
 */
export function wholeWeeksBetween(from: IsoDate, to: IsoDate): number {
  const days = daysBetween(from, to);
  // Subtracting the remainder first avoids Math.trunc's -0 for small negative spans.
  return (days - (days % 7)) / 7;
}

/** -1, 0 or 1 as `a` is before, the same as, or after `b`; usable directly with `Array#sort`. */
export function compareDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  const diff = toEpochDay(a) - toEpochDay(b);
  return diff < 0 ? -1 : diff > 0 ? 1 : 0;
}

/**
 * The last day of the period of `months` months starting with (and including) `start`; for
 * "within the period of 12 months starting with the date on which the plan was first made"
 * (Children and Families Act 2014 s.44(1)).
 *
 * The period ends the day before the same day-of-month `months` later. Where that month is too
 * short to have that day (a period starting 31 January or 29 February) the period runs to the
 * end of that month: 12 months starting 2024-02-29 end on 2025-02-28, not 2025-02-27.
 */
export function lastDayOfMonthsPeriod(start: IsoDate, months: number): IsoDate {
  if (!Number.isSafeInteger(months) || months < 1) {
    throw new InvalidDateError(`months must be a whole number of at least 1, got ${months}`);
  }
  const { year, month, day } = parseIsoDate(start);
  const monthIndex = year * 12 + (month - 1) + months;
  const endYear = Math.floor(monthIndex / 12);
  const endMonth = (monthIndex % 12) + 1;
  const lastDay = daysInMonth(endYear, endMonth);
  if (day > lastDay) return formatIsoDate({ year: endYear, month: endMonth, day: lastDay });
  return addDays(formatIsoDate({ year: endYear, month: endMonth, day }), -1);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      calendar: 'gregory',
      numberingSystem: 'latn',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function dateInZone(instant: Date, timeZone: string): IsoDate {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return formatIsoDate({ year: part('year'), month: part('month'), day: part('day') });
}

const ENGLAND = 'Europe/London';
const HOUR_MS = 60 * 60 * 1000;
// England's date is asked for on every request (every access decision, every child of a page,
// every pathway wait, each with its own `now`), and Intl is slow (~3 µs a call). The date in
// England changes only on whole UTC hours: midnight in England is 00:00 UTC (GMT) or 23:00 UTC
// (BST, and 22:00 in the wartime double summer time), and the clocks change at 01:00 UTC, so
// every instant of one UTC hour has the same date. So the last answer is remembered for the rest
// of its UTC hour. Not before 1848: until December 1847 London kept local mean time
// (UTC−0:01:15), whose midnight is not on the hour.
const WHOLE_HOURS_FROM = Date.UTC(1848, 0, 1);
let lastHour = Number.NaN;
let lastDate: IsoDate = '0000-00-00';

/**
 * The calendar date an instant falls on in `timeZone` (default Europe/London, the zone English
 * statutory dates are kept in). This is the one place a time zone matters: deriving "today" from
 * a clock. `new Date().toISOString().slice(0, 10)` would give the UTC date, which is yesterday
 * between midnight and 01:00 during British Summer Time.
 */
export function calendarDateAt(instant: Date, timeZone = ENGLAND): IsoDate {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new InvalidDateError('instant must be a valid Date');
  }
  if (timeZone !== ENGLAND) return dateInZone(instant, timeZone);
  const t = instant.getTime();
  const hour = t >= WHOLE_HOURS_FROM ? Math.floor(t / HOUR_MS) : Number.NaN;
  if (hour === lastHour) return lastDate;
  lastDate = dateInZone(instant, ENGLAND);
  lastHour = hour;
  return lastDate;
}

/** The calendar date in England at the instant `now` (the date every statutory rule is kept in). */
export function englandDate(now: Date): IsoDate {
  return calendarDateAt(now, ENGLAND);
}
