import { describe, expect, it } from 'vitest';
import { parseStandardWeeks, percentileCont } from './pathway-distribution.ts';

describe('percentileCont (the same method as PostgreSQL percentile_cont)', () => {
  it('interpolates between ranks, hand-worked', () => {
    // Sorted 1, 2, 3, 4, 10: median rank 2 → 3; 90th at 0.9 × 4 = 3.6 → 4 + 0.6 × 6 = 7.6.
    expect(percentileCont([10, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentileCont([10, 1, 3, 2, 4], 0.9)).toBeCloseTo(7.6, 12);
    expect(percentileCont([5, 7], 0.5)).toBe(6);
    expect(percentileCont([8], 0.9)).toBe(8);
    expect(percentileCont([], 0.5)).toBeNull();
  });

  it('refuses a standard outside 1-104 weeks; 13 weeks (NICE CG128, 3 months) by default', () => {
    expect(parseStandardWeeks(undefined)).toBe(13);
    expect(parseStandardWeeks(18)).toBe(18);
    for (const bad of [0, 105, 1.5, '13']) expect(() => parseStandardWeeks(bad)).toThrow(/standardWeeks/);
  });
});
