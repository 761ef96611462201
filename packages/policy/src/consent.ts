import { HANDOVER_RULE_TEXT, isOverCompulsorySchoolAge } from './age.ts';
import { decisionMakers, isActiveRepresentative } from './decision-maker.ts';
import type { ChildAccessFacts, ConsentRecord } from './facts.ts';
import type { Principal } from './principal.ts';
import { roleMatchesOrgType } from './relationship.ts';
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
  return facts.consents.filter((consent) => isConsentActive(consent, facts, now));
}

export function isConsentActive(consent: ConsentRecord, facts: ChildAccessFacts, now: Date): boolean {
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
    grantorHasAuthority(consent, facts, now)
  );
}

function grantorHasAuthority(consent: ConsentRecord, facts: ChildAccessFacts, now: Date): boolean {
  const byParentCarer =
    consent.grantedByRole === 'parent_carer' && facts.parentCarerSubs.includes(consent.grantedBySub);
  if (!isOverCompulsorySchoolAge(facts.dateOfBirth, now)) return byParentCarer;

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

export interface ConsentManagementDecision {
  allowed: boolean;
  reason?: string;
}

/** Giving (or confirming) consent widens sharing; withdrawing only narrows it. */
export type ConsentAction = 'give' | 'withdraw';

/**
 * Who may give or withdraw consent for this child: the parent carer while the child is of
 * compulsory school age; afterwards the young person themself, or their capacity representative
 * while one is recorded. A parent carer of a young person may not, even if the young person lets
 * them keep seeing the record (seeing is not deciding) - except that, while the young person's
 * login is not set up, they may still WITHDRAW (never give) consent, so sharing can always stop.
 */
export function canManageConsent(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
  action: ConsentAction = 'give',
): ConsentManagementDecision {
  if (!roleMatchesOrgType(principal)) {
    return { allowed: false, reason: 'Role and organisation type do not match.' };
  }
  const { stage, subs } = decisionMakers(facts, now);
  if (principal.role === 'parent_carer') {
    if (stage === 'representative' && subs.includes(principal.sub)) return { allowed: true };
    if (!facts.parentCarerSubs.includes(principal.sub)) {
      return { allowed: false, reason: 'You are not a parent carer of this child.' };
    }
    if (stage === 'child') return { allowed: true };
    if (stage === 'representative') {
      return {
        allowed: false,
        reason: 'A representative recorded by the council makes consent decisions for this young person.',
      };
    }
    if (stage === 'awaiting_young_person' && action === 'withdraw') return { allowed: true };
    return {
      allowed: false,
      reason: `The young person makes their own consent decisions ${HANDOVER_RULE_TEXT}.`,
    };
  }
  if (principal.role === 'young_person') {
    if (facts.youngPersonSub === null || principal.sub !== facts.youngPersonSub) {
      return { allowed: false, reason: 'This is not your record.' };
    }
    if (stage === 'child') {
      return {
        allowed: false,
        reason:
          'Until the end of the school year in which you turn 16 (the last Friday in June), your parent carer makes consent decisions.',
      };
    }
    if (stage === 'representative') {
      return {
        allowed: false,
        reason: 'A representative recorded by the council makes consent decisions for you at the moment.',
      };
    }
    return { allowed: true };
  }
  return {
    allowed: false,
    reason:
      'Only a parent carer of a child of compulsory school age, the young person after it, or their recorded representative manages consent.',
  };
}
