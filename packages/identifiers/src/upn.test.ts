import { describe, expect, it } from 'vitest';
import {
  isTemporaryUpn,
  isValidUpn,
  normaliseUpn,
  SYNTHETIC_UPN_COUNT,
  syntheticUpn,
  UPN_CHECK_ALPHABET,
  upnCheckLetter,
} from './upn.ts';

describe('upnCheckLetter', () => {
  it('matches the python-stdnum reference example', () => {
    // 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93; 93 mod 23 = 1 -> B
    expect(upnCheckLetter('801200005001')).toBe('B');
  });

  it('uses the 23-letter alphabet without I, O and S', () => {
    expect(UPN_CHECK_ALPHABET).toHaveLength(23);
    expect(UPN_CHECK_ALPHABET).not.toMatch(/[IOS]/);
  });

  it('values a temporary final letter by its index in the check alphabet', () => {
    // ...604A: the A counts 0, so the sum equals that of ...6040 and the check letters agree.
    expect(upnCheckLetter('20700001604A')).toBe(upnCheckLetter('207000016040'));
  });

  it('returns null for malformed bodies', () => {
    for (const bad of [
      '',
      '80120000500',
      '8012000050012',
      '80120000A001',
      '20700001604I',
      '20700001604O',
      '20700001604S',
    ]) {
      expect(upnCheckLetter(bad)).toBeNull();
    }
  });
});

describe('isValidUpn', () => {
  it('accepts the reference example and rejects it with the wrong check letter', () => {
    expect(isValidUpn('B801200005001')).toBe(true);
    expect(isValidUpn('A801200005001')).toBe(false);
  });

  it('tolerates whitespace and lower case', () => {
    expect(isValidUpn(' b801 2000 05001 ')).toBe(true);
    expect(normaliseUpn(' b801 2000 05001 ')).toBe('B801200005001');
  });

  it('rejects a tampered UPN (any single digit changed)', () => {
    const upn = syntheticUpn(4321);
    for (let pos = 1; pos < 13; pos++) {
      const d = Number(upn[pos]);
      const tampered = `${upn.slice(0, pos)}${(d + 1) % 10}${upn.slice(pos + 1)}`;
      expect(isValidUpn(tampered)).toBe(false);
    }
  });

  it('rejects wrong lengths and shapes', () => {
    for (const bad of [
      '',
      'B80120000500',
      'B8012000050011',
      '1801200005001',
      'B80120000A001',
      'I801200005001',
    ]) {
      expect(isValidUpn(bad)).toBe(false);
    }
    expect(isValidUpn(undefined as unknown as string)).toBe(false);
  });

  it('accepts a temporary UPN with a correct check letter', () => {
    const body = '20700001604A';
    const temp = `${upnCheckLetter(body)}${body}`;
    expect(isValidUpn(temp)).toBe(true);
    expect(isTemporaryUpn(temp)).toBe(true);
    expect(isTemporaryUpn('B801200005001')).toBe(false);
  });
});

describe('syntheticUpn', () => {
  it('uses LA 999 and round-trips through validation', () => {
    const upn = syntheticUpn(17);
    expect(upn).toMatch(/^[A-Z]999\d{9}$/);
    expect(isValidUpn(upn)).toBe(true);
    expect(upnCheckLetter(upn.slice(1))).toBe(upn[0]);
  });

  it('is deterministic and distinct', () => {
    expect(syntheticUpn(5)).toBe(syntheticUpn(5));
    const ns = [...Array.from({ length: 5_000 }, (_, i) => i), SYNTHETIC_UPN_COUNT - 1];
    const all = new Set(ns.map(syntheticUpn));
    expect(all.size).toBe(ns.length);
    for (const upn of all) expect(isValidUpn(upn)).toBe(true);
  });

  it('rejects n outside the supported range', () => {
    expect(() => syntheticUpn(-1)).toThrow(RangeError);
    expect(() => syntheticUpn(SYNTHETIC_UPN_COUNT)).toThrow(RangeError);
  });
});
