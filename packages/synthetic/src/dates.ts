/**
 * Calendar arithmetic on ISO dates as whole UTC days. Everything in the data set is derived from
 * its reference date (today in England by default, or a date the caller pins), never from the
 * clock directly, so one reference date always gives the same data.
 */

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(iso: string): [number, number, number] {
  const m = ISO_DATE.exec(iso);
  if (!m) throw new RangeError(`not an ISO date: ${iso}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Days since 1970-01-01 (UTC). */
export function toDay(iso: string): number {
  const [y, m, d] = parts(iso);
  return Date.UTC(y, m - 1, d) / MS_PER_DAY;
}

export function fromDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** An ISO timestamp on `day` at the given minute past midnight UTC. */
export function timestampOn(day: number, minuteOfDay: number): string {
  return new Date(day * MS_PER_DAY + minuteOfDay * 60_000).toISOString();
}

/** The same calendar date `years` earlier (29 Feb rolls to 1 Mar, which is fine for test data). */
export function yearsBefore(iso: string, years: number): string {
  const [y, m, d] = parts(iso);
  return new Date(Date.UTC(y - years, m - 1, d)).toISOString().slice(0, 10);
}

/** Age in completed years on `on`. */
export function ageOn(dateOfBirth: string, on: string): number {
  const [by, bm, bd] = parts(dateOfBirth);
  const [y, m, d] = parts(on);
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}

/** True for a real calendar date in YYYY-MM-DD form (rejects 2026-02-30). */
export function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && fromDay(toDay(s)) === s;
}

const ENGLAND_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date in England (Europe/London) at `now`, as YYYY-MM-DD: the data set's default "today". */
export function todayInEngland(now: Date = new Date()): string {
  const get = (type: string) => ENGLAND_DATE.formatToParts(now).find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
