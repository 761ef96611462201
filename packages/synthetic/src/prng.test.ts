import { describe, expect, it } from 'vitest';
import { intBetween, mixSeed, mulberry32, pickDistinct, weighted } from './prng.ts';

describe('mulberry32', () => {
  it('repeats for a seed, differs across seeds, stays in [0, 1)', () => {
    const take = (seed: number) => {
      const rng = mulberry32(seed);
      return Array.from({ length: 1000 }, () => rng());
    };
    const a = take(42);
    expect(take(42)).toEqual(a);
    expect(take(43)).not.toEqual(a);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('helpers', () => {
  it('mixSeed depends on every part and on their order', () => {
    expect(mixSeed(1, 2)).toBe(mixSeed(1, 2));
    expect(mixSeed(1, 2)).not.toBe(mixSeed(2, 1));
    expect(mixSeed(1, 2)).not.toBe(mixSeed(1, 3));
  });

  it('intBetween covers both ends and nothing outside', () => {
    const rng = mulberry32(7);
    const seen = new Set(Array.from({ length: 2000 }, () => intBetween(rng, 3, 6)));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('pickDistinct returns distinct items and never more than exist', () => {
    const rng = mulberry32(9);
    const got = pickDistinct(rng, ['a', 'b', 'c'], 5);
    expect(new Set(got).size).toBe(3);
  });

  it('weighted follows the weights roughly', () => {
    const rng = mulberry32(11);
    const table = [
      ['h', 9],
      ['l', 1],
    ] as const;
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) if (weighted(rng, table) === 'h') heavy++;
    expect(heavy / 10_000).toBeGreaterThan(0.87);
    expect(heavy / 10_000).toBeLessThan(0.93);
  });
});
