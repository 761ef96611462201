import { describe, expect, it } from 'vitest';
import { ageOn, isDecisionMaker } from './age.ts';

const at = (iso: string) => new Date(iso);

describe('ageOn', () => {
  it('counts whole years, turning on the birthday itself', () => {
    expect(ageOn('2010-03-15', at('2026-03-14T23:59:59Z'))).toBe(15);
    expect(ageOn('2010-03-15', at('2026-03-15T00:00:00Z'))).toBe(16);
    expect(isDecisionMaker('2010-03-15', at('2026-03-14T12:00:00Z'))).toBe(false);
    expect(isDecisionMaker('2010-03-15', at('2026-03-15T12:00:00Z'))).toBe(true);
  });

  it('uses the UTC date of `now`', () => {
    // 23:30 on the 14th in UTC-1 is already the 15th in UTC.
    expect(ageOn('2010-03-15', at('2026-03-14T23:30:00-01:00'))).toBe(16);
    // 00:30 on the 15th in UTC+1 is still the 14th in UTC.
    expect(ageOn('2010-03-15', at('2026-03-15T00:30:00+01:00'))).toBe(15);
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
  });
});
