import type { DbHandle } from '@hub/db';
import { type ChildAccessFacts, type Domain, isConsentActive, type Principal } from '@hub/policy';
import { type AssessmentView, assessmentsFor, todayInEngland } from '../ehc/index.ts';
import { sharingFactsFor } from './consents.ts';

/**
 * What partners are waiting for the family to decide: a consent an open EHC needs assessment
 * needs and does not have. Derived, never stored: from the council's advice requests not yet
 * answered (in an assessment in progress) against the consents in force now, so it is right the
 * moment the family answers or the council records the advice.
 *
 * The council asks each agency for advice (SEND Regulations 2014 reg 6(1)); the agency can only
 * send it if the family lets that agency's information go to the council for the assessment
 * (@hub/policy canWriteAdvice). The educational psychologist works for
 * the council itself, so that advice needs no such consent.
 */
export const CONSENT_FOR_ADVICE: Record<string, Domain | undefined> = {
  health: 'health',
  social_care: 'social_care',
  education: 'education',
};

export interface ConsentRequestView {
  childId: string;
  domain: Domain;
  recipientOrgType: 'local_authority';
  purpose: 'ehc_assessment';
  agency: string;
  assessmentId: string;
  adviceRequestId: string;
  requestedOn: string;
  dueDate: string;
}

/** One request per choice (the earliest advice request waiting on it), in due-date order. */
export function consentRequestsFrom(
  assessments: readonly AssessmentView[],
  facts: ChildAccessFacts,
  now: Date,
): ConsentRequestView[] {
  const byDomain = new Map<Domain, ConsentRequestView>();
  for (const a of assessments) {
    if (!a.active) continue;
    for (const r of a.adviceRequests) {
      const domain = CONSENT_FOR_ADVICE[r.agency];
      if (!domain || r.receivedDate !== null || byDomain.has(domain)) continue;
      const given = facts.consents.some(
        (c) =>
          c.domain === domain &&
          c.recipientOrgType === 'local_authority' &&
          c.purpose === 'ehc_assessment' &&
          isConsentActive(c, facts, now),
      );
      if (given) continue;
      byDomain.set(domain, {
        childId: facts.childId,
        domain,
        recipientOrgType: 'local_authority',
        purpose: 'ehc_assessment',
        agency: r.agency,
        assessmentId: a.id,
        adviceRequestId: r.id,
        requestedOn: r.sentDate,
        dueDate: r.dueDate,
      });
    }
  }
  return [...byDomain.values()].sort((x, y) => x.dueDate.localeCompare(y.dueDate));
}

/** For the family and the partners involved with the child (the same people who see its consents). */
export async function consentRequests(
  db: DbHandle,
  principal: Principal,
  childId: string,
  now = new Date(),
): Promise<ConsentRequestView[]> {
  const facts = await sharingFactsFor(db, principal, childId, now);
  const assessments = (await assessmentsFor(db, [childId], todayInEngland(now))).get(childId) ?? [];
  return consentRequestsFrom(assessments, facts, now);
}
