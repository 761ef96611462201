import type { DbHandle } from '@hub/db';
import { compareDates, type IsoDate, median, weeksWaited } from '@hub/ehc-clock';
import { pathwayWait, supportWhileWaiting } from './tables.ts';

const PATHWAYS = ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'] as const;

/**
 * Pathway waits as at the end of `asAt`: children referred on or before it and not seen by it
 * (a later seen date is a booked appointment; the wait goes on). Aggregates only.
 */
export async function pathwayWaitKpis(db: DbHandle, asAt: IsoDate, children?: ReadonlySet<string>) {
  const [allWaits, support] = await Promise.all([
    db.db.select().from(pathwayWait),
    db.db.select().from(supportWhileWaiting),
  ]);
  // Tenancy: only the caller's council's children (the record's /internal/kpi-children).
  const waits = children ? allWaits.filter((w) => children.has(w.childId)) : allWaits;
  const supported = new Set(
    support.filter((s) => compareDates(s.offeredOn as IsoDate, asAt) <= 0).map((s) => s.pathwayWaitId),
  );
  return PATHWAYS.map((pathway) => {
    const waiting = waits.filter(
      (w) =>
        w.pathway === pathway &&
        compareDates(w.referralDate as IsoDate, asAt) <= 0 &&
        (w.seenDate === null || compareDates(w.seenDate as IsoDate, asAt) > 0),
    );
    return {
      pathway,
      waiting: waiting.length,
      medianWeeksWaiting: median(
        waiting.map((w) => weeksWaited(w.referralDate as IsoDate, w.seenDate as IsoDate | null, asAt)),
      ),
      offeredSupportWhileWaiting: waiting.filter((w) => supported.has(w.id)).length,
    };
  });
}
