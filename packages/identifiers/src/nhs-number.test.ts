import { describe, expect, it } from 'vitest';
import {
  formatNhsNumber,
  isValidNhsNumber,
  nhsCheckDigit,
  normaliseNhsNumber,
  SYNTHETIC_NHS_NUMBER_COUNT,
  syntheticNhsNumber,
} from './nhs-number.ts';

describe('nhsCheckDigit', () => {
  it('computes Modulus 11 with weights 10..2', () => {
    // 943 476 591 9 is the example NHS Digital publishes for the check digit.
    expect(nhsCheckDigit('943476591')).toBe(9);
    expect(nhsCheckDigit('999000001')).toBe(8);
  });

  it('maps a result of 11 to 0', () => {
    // 9*10 + 9*9 + 9*8 + 5*2 = 253 = 23*11, so 11 - 0 = 11 -> 0
    expect(nhsCheckDigit('999000005')).toBe(0);
    expect(isValidNhsNumber('9990000050')).toBe(true);
  });

  it('returns null when the check digit would be 10 (never issued)', () => {
    // 9*10 + 9*9 + 9*8 = 243, 243 mod 11 = 1, 11 - 1 = 10
    expect(nhsCheckDigit('999000000')).toBeNull();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`999000000${d}`)).toBe(false);
  });

  it('returns null for anything that is not nine digits', () => {
    for (const bad of ['', '12345678', '1234567890', '12345678a', ' 94347659', '943-47659']) {
      expect(nhsCheckDigit(bad)).toBeNull();
    }
  });
});

describe('isValidNhsNumber', () => {
  it('accepts the published test number in common written forms', () => {
    for (const ok of ['9434765919', '943 476 5919', '943-476-5919', ' 943 476 5919 ']) {
      expect(isValidNhsNumber(ok)).toBe(true);
    }
  });

  it('rejects every wrong check digit', () => {
    for (let d = 0; d <= 9; d++) {
      expect(isValidNhsNumber(`943476591${d}`)).toBe(d === 9);
    }
  });

  it('rejects wrong lengths, letters and other separators', () => {
    for (const bad of [
      '',
      '943476591',
      '94347659190',
      '943476591X',
      'A434765919',
      '943.476.5919',
      '943/476/5919',
    ]) {
      expect(isValidNhsNumber(bad)).toBe(false);
    }
  });

  it('rejects non-strings from untyped callers', () => {
    expect(isValidNhsNumber(9434765919 as unknown as string)).toBe(false);
    expect(isValidNhsNumber(null as unknown as string)).toBe(false);
  });
});

describe('normaliseNhsNumber / formatNhsNumber', () => {
  it('strips spaces and hyphens only', () => {
    expect(normaliseNhsNumber(' 943-476 5919\t')).toBe('9434765919');
    expect(normaliseNhsNumber('943.476')).toBe('943.476');
  });

  it('formats 3-3-4 from any accepted form', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
    expect(formatNhsNumber('943-476-5919')).toBe('943 476 5919');
  });

  it('refuses to format something that is not ten digits', () => {
    expect(() => formatNhsNumber('94347659')).toThrow(RangeError);
    expect(() => formatNhsNumber('943476591X')).toThrow(RangeError);
  });
});

describe('syntheticNhsNumber', () => {
  it('is deterministic, in the 999 test range and valid', () => {
    expect(syntheticNhsNumber(0)).toBe(syntheticNhsNumber(0));
    expect(syntheticNhsNumber(17)).toMatch(/^999\d{7}$/);
  });

  it('never emits the check-digit-10 candidate', () => {
    // 999000000 is the first prefix whose check digit would be 10, so n=0 must skip it.
    expect(syntheticNhsNumber(0)).toBe('9990000018');
  });

  it('produces distinct valid numbers across the first 20,000 and at the top of the range', () => {
    const seen = new Set<string>();
    const ns = [...Array.from({ length: 20_000 }, (_, i) => i)];
    for (let i = SYNTHETIC_NHS_NUMBER_COUNT - 2_000; i < SYNTHETIC_NHS_NUMBER_COUNT; i++) ns.push(i);
    const bad: string[] = [];
    for (const n of ns) {
      const nhs = syntheticNhsNumber(n);
      if (!nhs.startsWith('999') || !isValidNhsNumber(nhs)) bad.push(nhs);
      seen.add(nhs);
    }
    // One assertion for the whole batch: thousands of expect() calls dominate the run time.
    expect(bad).toEqual([]);
    expect(seen.size).toBe(ns.length);
  });

  it('rejects n outside the supported range', () => {
    for (const bad of [-1, 1.5, SYNTHETIC_NHS_NUMBER_COUNT, Number.NaN]) {
      expect(() => syntheticNhsNumber(bad)).toThrow(RangeError);
    }
  });
});
