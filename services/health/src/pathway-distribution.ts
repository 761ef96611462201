import type { DbHandle } from '@hub/db';
import { compareDates, daysBetween, type IsoDate, monthsWindowStart, weeksWaited } from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { pathwayWait, supportWhileWaiting } from './tables.ts';

const PATHWAYS = ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'] as const;

/**
 * NICE guideline CG128 (autism in under 19s: recognition, referral and diagnosis), 1.2.4: start
 * the autism diagnostic assessment no later than 3 months after referral. 3 months ≈ 13 weeks.
 * There is no national standard for speech and language therapy waits, so the same configurable
 * standard is applied to both pathways unless the caller passes another.
 */
export const DEFAULT_STANDARD_WEEKS = 13;
export const MAX_STANDARD_WEEKS = 104;

export interface WaitDistribution {
  count: number;
  /** Whole weeks; linear interpolation between ranks (PostgreSQL's percentile_cont), to one decimal place. Null when count is 0. */
  medianWeeks: number | null;
  p90Weeks: number | null;
  /** Waited longer than the standard: more than standardWeeks × 7 days. */
  pastStandard: number;
  percentPastStandard: number | null;
}

export interface PathwayDistribution {
  pathway: (typeof PATHWAYS)[number];
  standardWeeks: number;
  /** Referred by asAt and not seen by it (a later seen date is a booked appointment). */
  current: WaitDistribution & { offeredSupport: number; percentOfferedSupport: number | null };
  /** Referral → first appointment, for children seen in the 12 months ending with asAt. */
  completed: WaitDistribution & { from: string; to: string };
}

/** The p-th percentile by linear interpolation between closest ranks (percentile_cont). */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be from 0 to 1, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower]!;
  return low + (sorted[upper]! - low) * (position - lower);
}

const oneDecimal = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
const percent = (n: number, d: number) => (d === 0 ? null : Math.round((n * 1000) / d) / 10);

function distribution(days: number[], weeks: number[], standardWeeks: number): WaitDistribution {
  const past = days.filter((d) => d > standardWeeks * 7).length;
  return {
    count: weeks.length,
    medianWeeks: oneDecimal(percentileCont(weeks, 0.5)),
    p90Weeks: oneDecimal(percentileCont(weeks, 0.9)),
    pastStandard: past,
    percentPastStandard: percent(past, weeks.length),
  };
}

export function parseStandardWeeks(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_STANDARD_WEEKS;
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_STANDARD_WEEKS)
    throw new HubError(
      'INVALID_INPUT',
      `standardWeeks must be a whole number from 1 to ${MAX_STANDARD_WEEKS}.`,
      {
        field: 'standardWeeks',
      },
    );
  return value as number;
}

/**
 * Waits on each pathway as at the end of `asAt`: those still waiting and those whose wait ended
 * (first appointment) in the 12 months to asAt, as distributions, against a standard.
 * `childIds`: only these children's waits (a council's), or null for every child here.
 */
export async function pathwayDistributions(
  db: DbHandle,
  asAt: IsoDate,
  standardWeeks: number,
  childIds: readonly string[] | null,
): Promise<PathwayDistribution[]> {
  const [allWaits, support] = await Promise.all([
    db.db.select().from(pathwayWait),
    db.db.select().from(supportWhileWaiting),
  ]);
  const only = childIds === null ? null : new Set(childIds);
  const waits = only === null ? allWaits : allWaits.filter((w) => only.has(w.childId));
  const supported = new Set(
    support.filter((s) => compareDates(s.offeredOn as IsoDate, asAt) <= 0).map((s) => s.pathwayWaitId),
  );
  const from = monthsWindowStart(asAt, 12);
  return PATHWAYS.map((pathway) => {
    const referred = waits.filter(
      (w) => w.pathway === pathway && compareDates(w.referralDate as IsoDate, asAt) <= 0,
    );
    const seenBy = (w: (typeof waits)[number]) =>
      w.seenDate !== null && compareDates(w.seenDate as IsoDate, asAt) <= 0;
    const waiting = referred.filter((w) => !seenBy(w));
    const done = referred.filter((w) => seenBy(w) && compareDates(w.seenDate as IsoDate, from) >= 0);
    const current = distribution(
      waiting.map((w) => daysBetween(w.referralDate as IsoDate, asAt)),
      waiting.map((w) => weeksWaited(w.referralDate as IsoDate, null, asAt)),
      standardWeeks,
    );
    const offered = waiting.filter((w) => supported.has(w.id)).length;
    return {
      pathway,
      standardWeeks,
      current: {
        ...current,
        offeredSupport: offered,
        percentOfferedSupport: percent(offered, waiting.length),
      },
      completed: {
        from,
        to: asAt,
        ...distribution(
          done.map((w) => daysBetween(w.referralDate as IsoDate, w.seenDate as IsoDate)),
          done.map((w) => weeksWaited(w.referralDate as IsoDate, w.seenDate as IsoDate, asAt)),
          standardWeeks,
        ),
      },
    };
  });
}
