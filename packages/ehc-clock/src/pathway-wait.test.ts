import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays } from './calendar-date.ts';
import { weeksWaited } from './pathway-wait.ts';
import { dayOffset, isoDate } from './test-arbitraries.ts';

describe('weeksWaited', () => {
  it('counts whole weeks to the seen date, or to today while waiting', () => {
    expect(weeksWaited('2025-01-06', '2025-03-03', '2025-06-01')).toBe(8);
    expect(weeksWaited('2025-01-06', '2025-03-02', '2025-06-01')).toBe(7);
    expect(weeksWaited('2025-01-06', null, '2025-01-12')).toBe(0);
    expect(weeksWaited('2025-01-06', null, '2025-01-13')).toBe(1);
    expect(weeksWaited('2024-12-30', null, '2025-12-29')).toBe(52);
  });

  it('keeps counting to today when the seen date is a future appointment', () => {
    expect(weeksWaited('2025-01-06', '2025-09-01', '2025-02-03')).toBe(4);
  });

  it('is never negative, even for a referral dated after today', () => {
    expect(weeksWaited('2025-02-01', null, '2025-01-01')).toBe(0);
  });

  it('is non-negative and never decreases as today advances', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.option(dayOffset),
        dayOffset,
        fc.integer({ min: 0, max: 1000 }),
        (referral, seenOffset, todayOffset, step) => {
          const seen = seenOffset === null ? null : addDays(referral, seenOffset);
          const today = addDays(referral, todayOffset);
          const w1 = weeksWaited(referral, seen, today);
          const w2 = weeksWaited(referral, seen, addDays(today, step));
          expect(w1).toBeGreaterThanOrEqual(0);
          expect(w2).toBeGreaterThanOrEqual(w1);
        },
      ),
    );
  });

  it('stops at the seen date once it has passed', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (referral, s, t) => {
          const seen = addDays(referral, s);
          expect(weeksWaited(referral, seen, addDays(seen, t))).toBe(Math.floor(s / 7));
        },
      ),
    );
  });
});
