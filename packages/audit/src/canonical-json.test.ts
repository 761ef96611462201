import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order, writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1, { z: null, y: true }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,1,{"y":true,"z":null}]},"b":1}',
    );
  });

  it('is independent of insertion order', () => {
    const one = { requestId: 'r', actor: { sub: 's', role: null }, seq: 2 };
    const two = { seq: 2, actor: { role: null, sub: 's' }, requestId: 'r' };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it('escapes strings as JSON does (quotes, control characters, non-ASCII kept)', () => {
    expect(canonicalJson({ s: 'a"b\\c\n\u0001é' })).toBe('{"s":"a\\"b\\\\c\\n\\u0001é"}');
  });

  it('refuses values without one stable text instead of dropping them', () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(/\$\.a has unsupported type undefined/);
    expect(() => canonicalJson({ a: [Number.NaN] })).toThrow(/\$\.a\[0\] is not a finite number/);
    expect(() => canonicalJson({ a: new Date(0) })).toThrow(/not a plain object/);
  });
});
