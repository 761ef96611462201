import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ageOn,
  decisionHandoverDate,
  endOfCompulsorySchoolAge,
  englandDate,
  isOverCompulsorySchoolAge,
  schoolLeavingDate,
} from './age.ts';

const at = (iso: string) => new Date(iso);

describe('ageOn', () => {
  it('counts whole years, turning on the birthday itself', () => {
    expect(ageOn('2010-03-15', at('2026-03-14T23:59:59Z'))).toBe(15);
    expect(ageOn('2010-03-15', at('2026-03-15T00:00:00Z'))).toBe(16);
  });

  // Was "uses the UTC date of `now`": every age rule now uses the date in England. In March
  // before the clocks change England is on GMT, so these two instants give the same answers.
  it('uses the date in England of `now` (GMT in winter)', () => {
    // 23:30 on the 14th in UTC-1 is already the 15th in England.
    expect(ageOn('2010-03-15', at('2026-03-14T23:30:00-01:00'))).toBe(16);
    // 00:30 on the 15th in UTC+1 is still the 14th in England.
    expect(ageOn('2010-03-15', at('2026-03-15T00:30:00+01:00'))).toBe(15);
  });

  it('uses the date in England of `now` (BST in summer: 23:30 UTC is tomorrow)', () => {
    expect(ageOn('2010-07-15', at('2026-07-14T22:59:59Z'))).toBe(15);
    expect(ageOn('2010-07-15', at('2026-07-14T23:30:00Z'))).toBe(16);
  });

  it('29 February: 16 on 29 Feb in a leap year', () => {
    expect(ageOn('2008-02-29', at('2024-02-28T12:00:00Z'))).toBe(15);
    expect(ageOn('2008-02-29', at('2024-02-29T00:00:00Z'))).toBe(16);
  });

  it('29 February: a new age on 1 March in a non-leap year', () => {
    expect(ageOn('2008-02-29', at('2025-02-28T23:59:59Z'))).toBe(16);
    expect(ageOn('2008-02-29', at('2025-03-01T00:00:00Z'))).toBe(17);
    // 2100 is not a leap year: a 29 Feb 2084 child turns 16 on 1 March 2100.
    expect(ageOn('2084-02-29', at('2100-02-28T12:00:00Z'))).toBe(15);
    expect(ageOn('2084-02-29', at('2100-03-01T00:00:00Z'))).toBe(16);
  });

  it('refuses dates that are not real YYYY-MM-DD dates', () => {
    const now = at('2026-01-01T00:00:00Z');
    expect(() => ageOn('2015-02-29', now)).toThrow(RangeError);
    expect(() => ageOn('15/06/2015', now)).toThrow(RangeError);
    expect(() => ageOn('2015-6-1', now)).toThrow(RangeError);
    expect(() => ageOn('2015-06-01', new Date('nope'))).toThrow(RangeError);
    expect(() => isOverCompulsorySchoolAge('2015-02-29', now)).toThrow(RangeError);
    expect(() => decisionHandoverDate('not a date')).toThrow(RangeError);
  });
});

describe('end of compulsory school age: hand-worked cases (Education Act 1996 s.8)', () => {
  // Last Fridays in June worked from a calendar: every day from 24 to 30 June occurs.
  it.each([
    [2021, '2021-06-25'],
    [2022, '2022-06-24'],
    [2023, '2023-06-30'],
    [2024, '2024-06-28'],
    [2025, '2025-06-27'],
    [2026, '2026-06-26'],
    [2027, '2027-06-25'],
    [2028, '2028-06-30'],
    [2029, '2029-06-29'],
    [2033, '2033-06-24'],
    [2100, '2100-06-25'],
  ])('the school leaving date in %i is %s', (year, date) => {
    expect(schoolLeavingDate(year)).toBe(date);
  });

  it.each([
    // [date of birth, last day the parent carer decides, first day the young person decides, why]
    ['2010-09-23', '2027-06-25', '2027-06-26', 'the issue: 16 in Sept 2026, school year 2026-27'],
    [
      '2010-08-31',
      '2026-06-26',
      '2026-06-27',
      '31 Aug: 16 in school year 2025-26, hands over aged 15 (s.8(3)(a))',
    ],
    ['2010-09-01', '2027-06-25', '2027-06-26', '1 Sept: 16 on the first day of school year 2026-27'],
    ['2010-06-26', '2026-06-26', '2026-06-27', '16 on the leaving date itself (s.8(3)(b))'],
    ['2010-06-27', '2026-06-26', '2026-06-27', '16 the day after the leaving date (s.8(3)(a))'],
    ['2010-01-01', '2026-06-26', '2026-06-27', '1 Jan: same school year as the previous Sept'],
    ['2009-12-31', '2026-06-26', '2026-06-27', '31 Dec: 16 in Dec 2025, school year 2025-26'],
    ['2008-02-29', '2024-06-28', '2024-06-29', 'leap day, 16 on 29 Feb 2024'],
    [
      '2084-02-29',
      '2100-06-25',
      '2100-06-26',
      'leap day, 2100 is not a leap year: 28 Feb or 1 Mar, same school year',
    ],
    ['2006-09-01', '2023-06-30', '2023-07-01', 'last Friday on 30 June: handover on 1 July'],
    ['2006-08-31', '2022-06-24', '2022-06-25', 'last Friday on 24 June'],
    ['2012-03-10', '2028-06-30', '2028-07-01', 'last Friday on 30 June 2028'],
    ['2016-11-05', '2033-06-24', '2033-06-25', 'last Friday on 24 June 2033'],
  ])('born %s: parent carer decides to %s, young person from %s (%s)', (dob, lastDay, handover) => {
    expect(endOfCompulsorySchoolAge(dob)).toBe(lastDay);
    expect(decisionHandoverDate(dob)).toBe(handover);
    // The whole last day (in England) belongs to the parent carer; the next day to the young person.
    expect(isOverCompulsorySchoolAge(dob, at(`${lastDay}T12:00:00Z`))).toBe(false);
    expect(isOverCompulsorySchoolAge(dob, at(`${handover}T12:00:00Z`))).toBe(true);
  });

  it('is a child until 2027-06-25 (not the 16th birthday, 2026-09-23)', () => {
    expect(isOverCompulsorySchoolAge('2010-09-23', at('2026-09-23T12:00:00Z'))).toBe(false);
    expect(isOverCompulsorySchoolAge('2010-09-23', at('2027-06-25T12:00:00Z'))).toBe(false);
  });

  it('switches at midnight in England, not UTC (BST: 23:00 UTC on the Friday is Saturday)', () => {
    expect(isOverCompulsorySchoolAge('2010-09-23', at('2027-06-25T22:59:59Z'))).toBe(false);
    expect(isOverCompulsorySchoolAge('2010-09-23', at('2027-06-25T23:00:00Z'))).toBe(true);
    expect(isOverCompulsorySchoolAge('2010-09-23', at('2027-06-25T23:30:00Z'))).toBe(true);
  });

  it('englandDate follows the clock changes', () => {
    expect(englandDate(at('2026-03-29T00:59:59Z'))).toBe('2026-03-29'); // GMT
    expect(englandDate(at('2026-06-30T23:30:00Z'))).toBe('2026-07-01'); // BST
    expect(englandDate(at('2026-10-25T23:30:00Z'))).toBe('2026-10-25'); // GMT again
    expect(englandDate(at('2026-12-31T23:59:59Z'))).toBe('2026-12-31');
  });
});

// ---- An independent oracle, written without Date weekday or Intl, for the properties ----

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = (y: number, m: number) =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

/** Days since 1 Jan 1970 by counting (no Date). */
function dayNumber(y: number, m: number, d: number): number {
  let n = 0;
  for (let yy = 1970; yy < y; yy++) n += isLeap(yy) ? 366 : 365;
  for (let mm = 1; mm < m; mm++) n += DAYS_IN_MONTH(y, mm);
  return n + d - 1;
}
/** 1 Jan 1970 was a Thursday; 0 = Monday … 4 = Friday. */
const weekdayMon0 = (y: number, m: number, d: number) => (dayNumber(y, m, d) + 3) % 7;
const lastSunday = (y: number, m: number) => {
  let d = DAYS_IN_MONTH(y, m);
  while (weekdayMon0(y, m, d) !== 6) d--;
  return d;
};

/** Date in England: BST (UTC+1) from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
function oracleEnglandDate(t: number): [number, number, number] {
  const utc = new Date(t);
  const y = utc.getUTCFullYear();
  const bstStart = dayNumber(y, 3, lastSunday(y, 3)) * 86_400_000 + 3_600_000;
  const bstEnd = dayNumber(y, 10, lastSunday(y, 10)) * 86_400_000 + 3_600_000;
  const local = new Date(t + (t >= bstStart && t < bstEnd ? 3_600_000 : 0));
  return [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
}

/** Is the person over compulsory school age on the local date? Straight from the wording of s.8. */
function oracleOver(dob: [number, number, number], local: [number, number, number]): boolean {
  const [by, bm, bd] = dob;
  // 16th birthday (29 Feb → 1 Mar when year+16 is not a leap year: either way the same school year).
  const y16 = by + 16;
  const [m16] = bm === 2 && bd === 29 && !isLeap(y16) ? [3, 1] : [bm, bd];
  // The school year containing it runs 1 Sept – 31 Aug.
  const endYear = m16 >= 9 ? y16 + 1 : y16;
  let friday = 30;
  while (weekdayMon0(endYear, 6, friday) !== 4) friday--;
  const [ly, lm, ld] = local;
  const localN = dayNumber(ly, lm, ld);
  return localN > dayNumber(endYear, 6, friday);
}

const pad = (n: number) => String(n).padStart(2, '0');
const dobArb = fc
  .record({
    y: fc.integer({ min: 1990, max: 2090 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
  })
  .filter(({ y, m, d }) => d <= DAYS_IN_MONTH(y, m))
  .map(({ y, m, d }) => [y, m, d] as [number, number, number]);
const instantArb = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2110, 0, 1) });

describe('end of compulsory school age: properties against the oracle', () => {
  it('englandDate agrees with the hand-written BST rule', () => {
    fc.assert(
      fc.property(instantArb, (t) => {
        const [y, m, d] = oracleEnglandDate(t);
        expect(englandDate(new Date(t))).toBe(`${y}-${pad(m)}-${pad(d)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('isOverCompulsorySchoolAge agrees with the oracle at any instant', () => {
    fc.assert(
      fc.property(dobArb, instantArb, (dob, t) => {
        const iso = `${dob[0]}-${pad(dob[1])}-${pad(dob[2])}`;
        expect(isOverCompulsorySchoolAge(iso, new Date(t))).toBe(oracleOver(dob, oracleEnglandDate(t)));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the oracle around the handover instant itself', () => {
    fc.assert(
      fc.property(dobArb, fc.integer({ min: -36, max: 36 }), (dob, hours) => {
        const iso = `${dob[0]}-${pad(dob[1])}-${pad(dob[2])}`;
        const t = Date.parse(`${decisionHandoverDate(iso)}T00:00:00Z`) + hours * 3_600_000 - 1;
        expect(isOverCompulsorySchoolAge(iso, new Date(t))).toBe(oracleOver(dob, oracleEnglandDate(t)));
      }),
      { numRuns: 2000 },
    );
  });

  it('the handover is a Saturday 25 June – 1 July, after a last Friday in June, with the child aged 15 or 16', () => {
    fc.assert(
      fc.property(dobArb, (dob) => {
        const iso = `${dob[0]}-${pad(dob[1])}-${pad(dob[2])}`;
        const handover = decisionHandoverDate(iso);
        const last = endOfCompulsorySchoolAge(iso);
        const [hy, hm, hd] = handover.split('-').map(Number) as [number, number, number];
        const [ly, lm, ld] = last.split('-').map(Number) as [number, number, number];
        expect(weekdayMon0(hy, hm, hd)).toBe(5);
        expect(weekdayMon0(ly, lm, ld)).toBe(4);
        expect(lm).toBe(6);
        expect(ld).toBeGreaterThanOrEqual(24);
        expect(ld + 7 > 30).toBe(true); // no later Friday in June
        expect(dayNumber(hy, hm, hd) - dayNumber(ly, lm, ld)).toBe(1);
        expect([15, 16]).toContain(ageOn(iso, new Date(`${handover}T12:00:00Z`)));
      }),
      { numRuns: 1000 },
    );
  });

  it('once over compulsory school age, always over (monotonic in time)', () => {
    fc.assert(
      fc.property(dobArb, instantArb, instantArb, (dob, a, b) => {
        const iso = `${dob[0]}-${pad(dob[1])}-${pad(dob[2])}`;
        const [early, late] = a <= b ? [a, b] : [b, a];
        if (isOverCompulsorySchoolAge(iso, new Date(early))) {
          expect(isOverCompulsorySchoolAge(iso, new Date(late))).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
