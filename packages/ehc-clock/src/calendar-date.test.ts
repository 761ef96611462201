import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  addWeeks,
  asIsoDate,
  calendarDateAt,
  compareDates,
  daysBetween,
  englandDate,
  formatIsoDate,
  fromEpochDay,
  InvalidDateError,
  type IsoDate,
  isIsoDate,
  lastDayOfMonthsPeriod,
  parseIsoDate,
  toEpochDay,
  wholeWeeksBetween,
} from './calendar-date.ts';
import { dayOffset, isoDate } from './test-arbitraries.ts';

const MS_PER_DAY = 86_400_000;

describe('parseIsoDate', () => {
  it('parses real dates, including leap days', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate('2000-02-29')).toEqual({ year: 2000, month: 2, day: 29 });
    expect(parseIsoDate('1999-12-31')).toEqual({ year: 1999, month: 12, day: 31 });
  });

  it.each([
    ['2025-02-29', 'not a leap year'],
    ['2100-02-29', '2100 is divisible by 100 but not 400'],
    ['1900-02-29', '1900 likewise'],
    ['2025-13-01', 'month 13'],
    ['2025-00-10', 'month 0'],
    ['2025-04-31', 'April has 30 days'],
    ['2025-01-00', 'day 0'],
    ['2025-1-1', 'unpadded'],
    ['25-01-01', 'two-digit year'],
    ['2025/01/01', 'wrong separator'],
    ['2025-01-01T00:00:00Z', 'a timestamp'],
    [' 2025-01-01', 'leading space'],
    ['2025-01-01\n', 'trailing newline'],
    ['0000-01-01', 'year 0'],
    ['２０２５-01-01', 'non-ASCII digits'],
    ['', 'empty'],
    ['garbage', 'garbage'],
  ])('rejects %j (%s)', (input) => {
    expect(() => parseIsoDate(input)).toThrow(InvalidDateError);
    expect(isIsoDate(input)).toBe(false);
  });

  it('rejects non-strings from untyped callers with a clear message', () => {
    expect(() => parseIsoDate(20250101 as unknown as string)).toThrow(/got number/);
    expect(() => parseIsoDate(null as unknown as string)).toThrow(InvalidDateError);
  });

  it('names the bad input in the message', () => {
    expect(() => parseIsoDate('2025-02-29')).toThrow('Not a real calendar date: "2025-02-29"');
    expect(() => asIsoDate('2025-1-1')).toThrow(`Expected a 'YYYY-MM-DD' date, got "2025-1-1"`);
  });

  it('roundtrips parse(format(x)) for every valid date 1990..2100 (oracle: JS Date in UTC)', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1990-01-01T00:00:00Z'),
          max: new Date('2100-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (instant) => {
          const parts = {
            year: instant.getUTCFullYear(),
            month: instant.getUTCMonth() + 1,
            day: instant.getUTCDate(),
          };
          const text = formatIsoDate(parts);
          expect(text).toBe(instant.toISOString().slice(0, 10));
          expect(parseIsoDate(text)).toEqual(parts);
          expect(formatIsoDate(parseIsoDate(text))).toBe(text);
        },
      ),
    );
  });

  it('accepts exactly the (year, month, day) triples that JS Date does not roll over', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (year, month, day) => {
          const text = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
          const d = new Date(Date.UTC(year, month - 1, day));
          const real = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
          expect(isIsoDate(text)).toBe(real);
        },
      ),
    );
  });
});

describe('epoch days', () => {
  it('numbers days like Date.UTC', () => {
    expect(toEpochDay('1970-01-01')).toBe(0);
    expect(toEpochDay('1969-12-31')).toBe(-1);
    expect(toEpochDay('2000-03-01')).toBe(Date.UTC(2000, 2, 1) / MS_PER_DAY);
    expect(fromEpochDay(toEpochDay('0001-01-01'))).toBe('0001-01-01');
    expect(fromEpochDay(toEpochDay('9999-12-31'))).toBe('9999-12-31');
    expect(() => fromEpochDay(toEpochDay('9999-12-31') + 1)).toThrow(InvalidDateError);
  });

  it('agrees with Date.UTC and roundtrips', () => {
    fc.assert(
      fc.property(isoDate, (d) => {
        const { year, month, day } = parseIsoDate(d);
        expect(toEpochDay(d)).toBe(Date.UTC(year, month - 1, day) / MS_PER_DAY);
        expect(fromEpochDay(toEpochDay(d))).toBe(d);
      }),
    );
  });
});

describe('addDays / addWeeks', () => {
  it('crosses month ends, year ends and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2100-02-28', 1)).toBe('2100-03-01'); // 2100 is not a leap year
    expect(addDays('2000-02-28', 1)).toBe('2000-02-29'); // 2000 is
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addWeeks('2023-12-25', 20)).toBe('2024-05-13');
    expect(addWeeks('2099-12-01', 20)).toBe('2100-04-20');
  });

  it('is not affected by the daylight-saving change (clocks went forward 2025-03-30 in London)', () => {
    expect(addDays('2025-03-29', 1)).toBe('2025-03-30');
    expect(addDays('2025-03-30', 1)).toBe('2025-03-31');
    expect(daysBetween('2025-03-01', '2025-04-01')).toBe(31);
    expect(daysBetween('2025-10-01', '2025-11-01')).toBe(31);
  });

  it('rejects fractional and non-finite offsets', () => {
    expect(() => addDays('2025-01-01', 1.5)).toThrow(InvalidDateError);
    expect(() => addDays('2025-01-01', Number.NaN)).toThrow(InvalidDateError);
    expect(() => addWeeks('2025-01-01', 0.5)).toThrow(InvalidDateError);
    expect(() => addDays('2025-02-30' as IsoDate, 1)).toThrow(InvalidDateError);
  });

  it('addWeeks(d, n) is exactly 7n days after d', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -400, max: 400 }), (d, n) => {
        expect(daysBetween(d, addWeeks(d, n))).toBe(7 * n);
      }),
    );
  });

  it('addDays is invertible and moves by exactly n days', () => {
    fc.assert(
      fc.property(isoDate, dayOffset, (d, n) => {
        const moved = addDays(d, n);
        expect(addDays(moved, -n)).toBe(d);
        expect(daysBetween(d, moved)).toBe(n);
      }),
    );
  });

  it('adding the same number of days preserves order', () => {
    fc.assert(
      fc.property(isoDate, isoDate, dayOffset, (a, b, n) => {
        expect(compareDates(addDays(a, n), addDays(b, n))).toBe(compareDates(a, b));
      }),
    );
  });

  it('adding more days never gives an earlier date', () => {
    fc.assert(
      fc.property(isoDate, dayOffset, dayOffset, (d, m, n) => {
        expect(Math.sign(compareDates(addDays(d, m), addDays(d, n)))).toBe(Math.sign(m - n));
      }),
    );
  });
});

describe('compareDates / daysBetween / wholeWeeksBetween', () => {
  it('compares', () => {
    expect(compareDates('2024-01-01', '2024-01-02')).toBe(-1);
    expect(compareDates('2024-01-02', '2024-01-02')).toBe(0);
    expect(compareDates('2025-01-01', '2024-12-31')).toBe(1);
    const sorted = (['2025-01-01', '2023-06-30', '2024-02-29'] as IsoDate[]).sort(compareDates);
    expect(sorted).toEqual(['2023-06-30', '2024-02-29', '2025-01-01']);
  });

  it('counts whole weeks, truncating part weeks towards zero', () => {
    expect(wholeWeeksBetween('2024-01-01', '2024-01-07')).toBe(0);
    expect(wholeWeeksBetween('2024-01-01', '2024-01-08')).toBe(1);
    expect(wholeWeeksBetween('2024-01-01', '2024-01-14')).toBe(1);
    expect(wholeWeeksBetween('2024-01-08', '2024-01-01')).toBe(-1);
    expect(Object.is(wholeWeeksBetween('2024-01-05', '2024-01-01'), 0)).toBe(true); // not -0
  });

  it('agrees with string order, and daysBetween is antisymmetric', () => {
    fc.assert(
      fc.property(isoDate, isoDate, (a, b) => {
        const textOrder = a < b ? -1 : a > b ? 1 : 0;
        expect(compareDates(a, b)).toBe(textOrder);
        expect(Math.sign(daysBetween(a, b))).toBe(-textOrder || 0);
        expect(daysBetween(a, b) + daysBetween(b, a)).toBe(0);
        expect(wholeWeeksBetween(a, b) + wholeWeeksBetween(b, a)).toBe(0);
      }),
    );
  });

  it('wholeWeeksBetween is the number of 7-day steps that fit', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 5000 }), (d, n) => {
        const w = wholeWeeksBetween(d, addDays(d, n));
        expect(w).toBe(Math.floor(n / 7));
        expect(compareDates(addWeeks(d, w), addDays(d, n))).toBeLessThanOrEqual(0);
        expect(compareDates(addWeeks(d, w + 1), addDays(d, n))).toBe(1);
      }),
    );
  });
});

describe('lastDayOfMonthsPeriod', () => {
  it('ends the day before the same date N months on, or at the end of a short month', () => {
    expect(lastDayOfMonthsPeriod('2024-03-15', 12)).toBe('2025-03-14');
    expect(lastDayOfMonthsPeriod('2024-01-01', 12)).toBe('2024-12-31');
    expect(lastDayOfMonthsPeriod('2024-02-29', 12)).toBe('2025-02-28');
    expect(lastDayOfMonthsPeriod('2023-03-01', 12)).toBe('2024-02-29');
    expect(lastDayOfMonthsPeriod('2024-01-31', 1)).toBe('2024-02-29');
    expect(lastDayOfMonthsPeriod('2024-12-31', 2)).toBe('2025-02-28');
    expect(lastDayOfMonthsPeriod('2099-02-28', 12)).toBe('2100-02-27');
    expect(() => lastDayOfMonthsPeriod('2024-01-01', 0)).toThrow(InvalidDateError);
  });

  it('a 12-month period is 365 or 366 days long', () => {
    fc.assert(
      fc.property(isoDate, (d) => {
        expect([364, 365]).toContain(daysBetween(d, lastDayOfMonthsPeriod(d, 12)));
      }),
    );
  });
});

describe('calendarDateAt', () => {
  it('gives the London date, not the UTC date, during British Summer Time', () => {
    // 00:30 on 1 July in London is still 30 June in UTC.
    expect(calendarDateAt(new Date('2025-06-30T23:30:00Z'))).toBe('2025-07-01');
    expect(calendarDateAt(new Date('2025-06-30T22:59:00Z'))).toBe('2025-06-30');
    // In winter London is on UTC.
    expect(calendarDateAt(new Date('2025-12-31T23:30:00Z'))).toBe('2025-12-31');
    expect(calendarDateAt(new Date('2025-06-30T23:30:00Z'), 'UTC')).toBe('2025-06-30');
  });

  it('rejects an invalid Date', () => {
    expect(() => calendarDateAt(new Date(Number.NaN))).toThrow(InvalidDateError);
    expect(() => englandDate(new Date(Number.NaN))).toThrow(InvalidDateError);
  });
});

describe('englandDate (remembers its answer for the rest of a UTC hour)', () => {
  // An oracle that remembers no answers: Intl on every call.
  const intl = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
  const intlEnglandDate = (t: number) => intl.format(new Date(t));

  it('is right for instants asked one after another, close together or far apart', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2110, 0, 1) }),
        fc.integer({ min: -3 * 3_600_000, max: 3 * 3_600_000 }),
        (t, delta) => {
          for (const instant of [t, t + delta, t, t + delta + 1, t - 1]) {
            expect(englandDate(new Date(instant)), new Date(instant).toISOString()).toBe(
              intlEnglandDate(instant),
            );
            expect(calendarDateAt(new Date(instant)), new Date(instant).toISOString()).toBe(
              intlEnglandDate(instant),
            );
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('changes at midnight in England, whichever side of it was asked first', () => {
    for (const [first, second, expected] of [
      ['2026-06-30T22:59:59.999Z', '2026-06-30T23:00:00.000Z', '2026-07-01'], // BST midnight
      ['2026-06-30T23:00:00.000Z', '2026-06-30T22:59:59.999Z', '2026-06-30'],
      ['2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.000Z', '2027-01-01'], // GMT midnight
      ['2026-03-29T00:59:59.999Z', '2026-03-29T01:00:00.000Z', '2026-03-29'], // clocks go forward
      ['2026-10-24T23:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-25'], // and back
      ['1941-05-04T21:59:59.999Z', '1941-05-04T22:00:00.000Z', '1941-05-05'], // double summer time (UTC+2)
    ] as const) {
      englandDate(new Date(first));
      expect(englandDate(new Date(second)), `${first} then ${second}`).toBe(expected);
    }
  });

  it('does not remember hours before 1848, when London kept local mean time (UTC−0:01:15)', () => {
    expect(englandDate(new Date('1847-11-01T00:01:30Z'))).toBe('1847-11-01');
    expect(englandDate(new Date('1847-11-01T00:00:30Z'))).toBe('1847-10-31');
  });

  it('leaves other time zones to Intl, whatever England was last asked', () => {
    englandDate(new Date('2025-06-30T23:30:00Z'));
    expect(calendarDateAt(new Date('2025-06-30T23:30:00Z'), 'UTC')).toBe('2025-06-30');
    expect(calendarDateAt(new Date('2025-06-30T23:30:00Z'), 'Asia/Kolkata')).toBe('2025-07-01');
    expect(englandDate(new Date('2025-06-30T23:30:00Z'))).toBe('2025-07-01');
  });
});
