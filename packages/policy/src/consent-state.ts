import { isOverCompulsorySchoolAge } from './age.ts';
import { isActiveRepresentative } from './decision-maker.ts';
import type { ChildAccessFacts, ConsentRecord } from './facts.ts';
import { instant } from './time.ts';

/**
 * Consents that count at `now`: for this child, started, not expired, not withdrawn, and given by
 * whoever makes decisions for the child at `now` (the parent carer while the child is of
 * compulsory school age; afterwards the young person, or their capacity representative). Checked
 * at every decision, so a parent carer's consent stops counting on the handover day (the day after
 * the last Friday in June of the school year in which the child turns 16) unless the young person
 * has confirmed it.
 */
export function activeConsents(facts: ChildAccessFacts, now: Date): ConsentRecord[] {
  if (facts.consents.length === 0) return [];
  // The age rule (a date in England, from the date of birth) is the same for every consent of
  // the child at `now`: worked out once per child (when first needed), not once per consent.
  let over: boolean | undefined;
  const isOver = () => (over ??= isOverCompulsorySchoolAge(facts.dateOfBirth, now));
  return facts.consents.filter((consent) => consentActive(consent, facts, now, isOver));
}

export function isConsentActive(consent: ConsentRecord, facts: ChildAccessFacts, now: Date): boolean {
  return consentActive(consent, facts, now, () => isOverCompulsorySchoolAge(facts.dateOfBirth, now));
}

/** `isOver`: whether the child is over compulsory school age at `now`. */
function consentActive(
  consent: ConsentRecord,
  facts: ChildAccessFacts,
  now: Date,
  isOver: () => boolean,
): boolean {
  const t = now.getTime();
  const started = instant(consent.startsAt) <= t;
  const notExpired = consent.expiresAt === null || instant(consent.expiresAt) > t;
  // A withdrawal dated in the future (scheduled) has not happened yet.
  const notWithdrawn = consent.withdrawnAt === null || instant(consent.withdrawnAt) > t;
  return (
    consent.childId === facts.childId &&
    started &&
    notExpired &&
    notWithdrawn &&
    grantorHasAuthority(consent, facts, now, isOver)
  );
}

function grantorHasAuthority(
  consent: ConsentRecord,
  facts: ChildAccessFacts,
  now: Date,
  isOver: () => boolean,
): boolean {
  const byParentCarer =
    consent.grantedByRole === 'parent_carer' && facts.parentCarerSubs.includes(consent.grantedBySub);
  if (!isOver()) return byParentCarer;

  // Matching the login (not just the role) stops a consent recorded for the wrong person counting.
  const byYoungPerson =
    consent.grantedByRole === 'young_person' &&
    facts.youngPersonSub !== null &&
    consent.grantedBySub === facts.youngPersonSub;
  // A representative's consent counts only while they are the representative (ended or past
  // review: it stops, like a parent carer's at the handover, until the young person confirms it).
  const byRepresentative =
    consent.grantedByRole === 'parent_carer' && isActiveRepresentative(facts, consent.grantedBySub, now);
  return (
    byYoungPerson ||
    byRepresentative ||
    ((byParentCarer || wasRepresentative(consent, facts)) &&
      confirmedOverCompulsorySchoolAge(consent, facts, now))
  );
}

function wasRepresentative(consent: ConsentRecord, facts: ChildAccessFacts): boolean {
  return (
    consent.grantedByRole === 'parent_carer' &&
    (facts.capacityRepresentatives ?? []).some((r) => r.sub === consent.grantedBySub)
  );
}

/** A confirmation only counts if the young person gave it once they were the decision maker. */
function confirmedOverCompulsorySchoolAge(
  consent: ConsentRecord,
  facts: ChildAccessFacts,
  now: Date,
): boolean {
  if (consent.confirmedByYoungPersonAt === null) return false;
  const confirmedAt = instant(consent.confirmedByYoungPersonAt);
  if (!(confirmedAt <= now.getTime())) return false;
  return isOverCompulsorySchoolAge(facts.dateOfBirth, new Date(confirmedAt));
}
