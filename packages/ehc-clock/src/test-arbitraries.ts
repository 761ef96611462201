// fast-check generators shared by the tests. Not exported from index.ts: fast-check is a
// devDependency only.
import fc from 'fast-check';
import { fromEpochDay, type IsoDate, toEpochDay } from './calendar-date.ts';

export const FIRST_DAY = toEpochDay('1990-01-01');
export const LAST_DAY = toEpochDay('2100-12-31');

/** Any date from 1990-01-01 to 2100-12-31, the span the hub's records can plausibly hold. */
export const isoDate: fc.Arbitrary<IsoDate> = fc.integer({ min: FIRST_DAY, max: LAST_DAY }).map(fromEpochDay);

/** A day offset big enough to cross several year ends and leap days either way. */
export const dayOffset = fc.integer({ min: -3000, max: 3000 });
