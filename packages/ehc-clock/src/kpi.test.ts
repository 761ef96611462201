import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, compareDates, daysBetween } from './calendar-date.ts';
import { issuedWithin20Weeks, median, monthStart, monthsWindowStart } from './kpi.ts';
import { isoDate } from './test-arbitraries.ts';

describe('issuedWithin20Weeks', () => {
  it('counts the 140th day as within, the 141st as not', () => {
    expect(issuedWithin20Weeks('2023-12-25', '2024-05-13')).toBe(true);
    expect(issuedWithin20Weeks('2023-12-25', '2024-05-14')).toBe(false);
    expect(issuedWithin20Weeks('2024-02-29', '2024-02-29')).toBe(true);
  });

  it('rejects a plan issued before its request', () => {
    expect(() => issuedWithin20Weeks('2024-02-29', '2024-02-28')).toThrow(RangeError);
  });

  it('is true exactly when issued 0..140 days after the request', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 400 }), (request, n) => {
        expect(issuedWithin20Weeks(request, addDays(request, n))).toBe(n <= 140);
      }),
    );
  });
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNull();
    expect(median([-5, 10])).toBe(2.5);
  });

  it('does not reorder its input and rejects non-finite values', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
    expect(() => median([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });

  it('has as many values at or below it as at or above it, whatever the input order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }),
        (values) => {
          const m = median(values)!;
          expect(values.filter((v) => v <= m).length).toBeGreaterThanOrEqual(values.length / 2);
          expect(values.filter((v) => v >= m).length).toBeGreaterThanOrEqual(values.length / 2);
          expect(median([...values].reverse())).toBe(m);
          expect(m).toBeGreaterThanOrEqual(Math.min(...values));
          expect(m).toBeLessThanOrEqual(Math.max(...values));
        },
      ),
    );
  });
});

describe('monthsWindowStart and monthStart', () => {
  it('handles leap days and year ends', () => {
    expect(monthsWindowStart('2025-02-28', 12)).toBe('2024-02-29');
    expect(monthsWindowStart('2024-02-29', 12)).toBe('2023-03-01');
    expect(monthsWindowStart('2026-09-01', 12)).toBe('2025-09-02');
    expect(monthsWindowStart('2027-01-01', 12)).toBe('2026-01-02');
    expect(monthsWindowStart('2024-03-31', 1)).toBe('2024-03-01');
    expect(monthStart('2024-02-29')).toBe('2024-02-01');
    expect(() => monthsWindowStart('2024-01-01', 0)).toThrow(RangeError);
  });

  it('a 12-month window is 365 or 366 days, and later ends never give earlier starts', () => {
    fc.assert(
      fc.property(isoDate, (end) => {
        const start = monthsWindowStart(end, 12);
        expect([365, 366]).toContain(daysBetween(start, end) + 1);
        expect(compareDates(monthsWindowStart(addDays(end, 1), 12), start)).toBeGreaterThanOrEqual(0);
        expect(compareDates(monthStart(end), end)).toBeLessThanOrEqual(0);
        expect(daysBetween(monthStart(end), end)).toBeLessThan(31);
      }),
    );
  });
});
