import { englandDate, isOverCompulsorySchoolAge } from './age.ts';
import type { CapacityRepresentativeEntry, ChildAccessFacts } from './facts.ts';
import { instant } from './time.ts';

/**
 * Who decides for the child at `now` (consent, and whether parent carers keep seeing the record):
 * - `child`: of compulsory school age; the parent carers decide.
 * - `representative`: over compulsory school age, and the council has recorded a representative
 *   (deputy, attorney, or parent acting for them) because the young person lacks capacity; the
 *   representative decides, not the young person.
 * - `young_person`: over compulsory school age with their own login; they decide.
 * - `awaiting_young_person`: over compulsory school age but the young person's login has not
 *   been set up. Nobody may give NEW consent (the parent carer no longer has the right, the young
 *   person cannot yet use theirs), but the parent carers keep READ access to the record so the
 *   family is never locked out, and may still withdraw consent they gave (which only narrows
 *   sharing). Parent carers' earlier consents stop counting at the handover, as always.
 */
export type DecisionStage = 'child' | 'representative' | 'young_person' | 'awaiting_young_person';

export interface DecisionMakers {
  stage: DecisionStage;
  /** Logins that decide at `now` (empty while awaiting the young person). */
  subs: string[];
}

/** A representative counts from recordedAt, until ended, and not after its review date (in England). */
export function isRepresentativeActive(entry: CapacityRepresentativeEntry, now: Date): boolean {
  const t = now.getTime();
  return (
    instant(entry.recordedAt) <= t &&
    (entry.endedAt === null || instant(entry.endedAt) > t) &&
    englandDate(now) <= entry.reviewBy
  );
}

export function activeRepresentatives(facts: ChildAccessFacts, now: Date): CapacityRepresentativeEntry[] {
  return (facts.capacityRepresentatives ?? []).filter((r) => isRepresentativeActive(r, now));
}

/** The one answer to "who decides for this child now?" that consent and access both use. */
export function decisionMakers(facts: ChildAccessFacts, now: Date): DecisionMakers {
  if (!isOverCompulsorySchoolAge(facts.dateOfBirth, now)) {
    return { stage: 'child', subs: [...facts.parentCarerSubs] };
  }
  const representatives = activeRepresentatives(facts, now);
  if (representatives.length > 0) {
    return { stage: 'representative', subs: [...new Set(representatives.map((r) => r.sub))] };
  }
  if (facts.youngPersonSub !== null) return { stage: 'young_person', subs: [facts.youngPersonSub] };
  return { stage: 'awaiting_young_person', subs: [] };
}

/** Is this login an active capacity representative for the child at `now`? */
export function isActiveRepresentative(facts: ChildAccessFacts, sub: string, now: Date): boolean {
  return (
    isOverCompulsorySchoolAge(facts.dateOfBirth, now) &&
    activeRepresentatives(facts, now).some((r) => r.sub === sub)
  );
}
