import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from './calendar-date.ts';
import { issuedWithin20Weeks, median } from './kpi.ts';
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
