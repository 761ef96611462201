import { canWrite } from './ability.ts';
import type { ChildAccessFacts } from './facts.ts';
import type { Principal } from './principal.ts';

export { activeConsents, isConsentActive } from './consent-state.ts';

export interface ConsentManagementDecision {
  allowed: boolean;
  reason?: string;
}

/** Giving (or confirming) consent widens sharing; withdrawing only narrows it. */
export type ConsentAction = 'give' | 'withdraw';

/**
 * Who may give or withdraw consent for this child: the ability's `give` / `withdraw` on
 * `Consent` (writes.ts). The parent carer while the child is of compulsory school age;
 * afterwards the young person themself, or their capacity representative while one is recorded.
 * A parent carer of a young person may not, even if the young person lets them keep seeing the
 * record (seeing is not deciding) - except that, while the young person's login is not set up,
 * they may still WITHDRAW (never give) consent, so sharing can always stop.
 */
export function canManageConsent(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
  action: ConsentAction = 'give',
): ConsentManagementDecision {
  const decision = canWrite(principal, facts, now, [action, 'Consent']);
  return decision.allowed ? { allowed: true } : { allowed: false, reason: decision.reason };
}
