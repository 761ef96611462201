import { isDecisionMaker } from './age.ts';
import type { ChildAccessFacts, ConsentRecord } from './facts.ts';
import type { Principal } from './principal.ts';
import { roleMatchesOrgType } from './relationship.ts';
import { instant } from './time.ts';

/**
 * Consents that count at `now`: for this child, started, not expired, not withdrawn, and given by
 * whoever makes decisions for the child at `now` (the parent carer under 16, the young person
 * from 16). Checked at every decision, so a consent stops counting on the 16th birthday unless the
 * young person has confirmed it.
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
  if (!isDecisionMaker(facts.dateOfBirth, now)) return byParentCarer;

  // Matching the login (not just the role) stops a consent recorded for the wrong person counting.
  const byYoungPerson =
    consent.grantedByRole === 'young_person' &&
    facts.youngPersonSub !== null &&
    consent.grantedBySub === facts.youngPersonSub;
  return byYoungPerson || (byParentCarer && confirmedAtSixteenOrOver(consent, facts, now));
}

/** A confirmation only counts if the young person gave it once they were the decision maker. */
function confirmedAtSixteenOrOver(consent: ConsentRecord, facts: ChildAccessFacts, now: Date): boolean {
  if (consent.confirmedByYoungPersonAt === null) return false;
  const confirmedAt = instant(consent.confirmedByYoungPersonAt);
  if (!(confirmedAt <= now.getTime())) return false;
  return isDecisionMaker(facts.dateOfBirth, new Date(confirmedAt));
}

export interface ConsentManagementDecision {
  allowed: boolean;
  reason?: string;
}

/**
 * Who may give, withdraw or confirm consent for this child: the parent carer of a child under 16,
 * or the young person themself from 16. A parent carer of a 16+ young person may not, even if the
 * young person lets them keep seeing the record (seeing is not deciding).
 */
export function canManageConsent(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ConsentManagementDecision {
  if (!roleMatchesOrgType(principal)) {
    return { allowed: false, reason: 'Role and organisation type do not match.' };
  }
  const sixteenOrOver = isDecisionMaker(facts.dateOfBirth, now);
  if (principal.role === 'parent_carer') {
    if (!facts.parentCarerSubs.includes(principal.sub)) {
      return { allowed: false, reason: 'You are not a parent carer of this child.' };
    }
    if (sixteenOrOver) {
      return {
        allowed: false,
        reason: 'The young person is 16 or over and makes their own consent decisions.',
      };
    }
    return { allowed: true };
  }
  if (principal.role === 'young_person') {
    if (facts.youngPersonSub === null || principal.sub !== facts.youngPersonSub) {
      return { allowed: false, reason: 'This is not your record.' };
    }
    if (!sixteenOrOver) {
      return { allowed: false, reason: 'Until you are 16, your parent carer makes consent decisions.' };
    }
    return { allowed: true };
  }
  return {
    allowed: false,
    reason: 'Only a parent carer of a child under 16, or a young person aged 16 or over, manages consent.',
  };
}
