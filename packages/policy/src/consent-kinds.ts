import type { ConsentRecord } from './facts.ts';
import type { Principal } from './principal.ts';
import type { OrgType, Purpose } from './vocabulary.ts';
import { ADVICE_WRITER } from './writes.ts';

/** A kind of consent: to share with organisations of one type, for one purpose. */
export interface ConsentKind {
  recipientOrgType: OrgType;
  purpose: Purpose;
}

const ADVICE_WRITERS: ReadonlySet<string> = new Set(Object.values(ADVICE_WRITER));

/**
 * Every kind of consent the caller's ability (`defineAbilityFor`: the read assessment and the
 * write rules, the only code in this package that reads `facts.consents`) can consult for
 * `principal` asking for `purpose`: a child's other consents cannot change any of its decisions.
 * Code elsewhere that reads a child's consents itself (the record's consent requests, say) reads
 * its own facts, all of them.
 *
 * - Reads (`assessChildAccess`): a section from another agency is open on a consent to share
 *   with the caller's OWN organisation type for the purpose declared (none without a purpose).
 * - Writes: the one rule that reads consents is advice for an EHC needs assessment
 *   (`writesAdvice`), which needs the family's consent to share that domain with the LOCAL
 *   AUTHORITY for `ehc_assessment`, whatever the writer's own type or declared purpose.
 *
 * Why: a page of children (the record's search) reads every child's access facts, and building a
 * page's ~600 consents as JSON was the largest part of its statement; a caller's decisions need a
 * quarter of them or fewer. consent-kinds.test.ts checks, over random facts, every role and
 * purpose, that the read assessment and every write decision are the same on the filtered facts,
 * so a new rule that reads another kind of consent fails it until it is listed here.
 */
export function consentKindsConsulted(principal: Principal, purpose: Purpose | null): ConsentKind[] {
  const kinds: ConsentKind[] = [];
  if (purpose !== null) kinds.push({ recipientOrgType: principal.orgType, purpose });
  const advice: ConsentKind = { recipientOrgType: 'local_authority', purpose: 'ehc_assessment' };
  if (ADVICE_WRITERS.has(principal.role) && !isOfKind(advice, kinds)) kinds.push(advice);
  return kinds;
}

/** Whether `consent` is of one of `kinds`. */
export function isOfKind(
  consent: Pick<ConsentRecord, 'recipientOrgType' | 'purpose'>,
  kinds: readonly ConsentKind[],
) {
  return kinds.some((k) => k.recipientOrgType === consent.recipientOrgType && k.purpose === consent.purpose);
}
