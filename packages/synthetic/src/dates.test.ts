import { describe, expect, it } from 'vitest';
import { ageOn, fromDay, isIsoDate, toDay, yearsBefore } from './dates.ts';

describe('dates', () => {
  it('round-trips days and ISO dates', () => {
    expect(fromDay(toDay('2026-09-01'))).toBe('2026-09-01');
    expect(toDay('1970-01-02')).toBe(1);
  });

  it('computes age in completed years around the birthday', () => {
    expect(ageOn('2010-09-01', '2026-09-01')).toBe(16);
    expect(ageOn('2010-09-02', '2026-09-01')).toBe(15);
    expect(ageOn('2010-08-31', '2026-09-01')).toBe(16);
  });

  it('steps back whole years', () => {
    expect(yearsBefore('2026-09-01', 16)).toBe('2010-09-01');
  });

  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
    expect(isIsoDate('2026-9-1')).toBe(false);
    expect(isIsoDate('2026-09-01T00:00:00Z')).toBe(false);
  });
});
