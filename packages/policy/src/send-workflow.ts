import { decideChildAccess } from './ability.ts';
import { canManageConsent, isConsentActive } from './consent.ts';
import type { ChildAccessFacts } from './facts.ts';
import type { Principal } from './principal.ts';
import { activeBreakGlass, hasRelationship, roleMatchesOrgType } from './relationship.ts';
import type { Domain, Purpose, Role } from './vocabulary.ts';

/**
 * Who may do what in the "tell it once" and EHC workflow parts of the record. Kept apart from the
 * field table (POLICY_TABLE) on purpose: these are actions on whole records (family information,
 * EHC assessment dates, agencies' advice, aggregate KPIs), not fields of the agency sections, so
 * adding them to SUBJECT_FIELDS would change the 588-case field matrix without adding meaning.
 * Every function is pure and tested in send-workflow.test.ts.
 */
export interface ActionDecision {
  allowed: boolean;
  /** Plain English, shown to the caller when refused. */
  reason?: string;
}

const allow: ActionDecision = { allowed: true };
const deny = (reason: string): ActionDecision => ({ allowed: false, reason });

/** The partner roles: people working for an agency, as opposed to the family or auditors. */
export const PARTNER_ROLES: readonly Role[] = [
  'senco',
  'health_practitioner',
  'social_worker',
  'la_send_officer',
];

/**
 * Family information ("about me", contact preferences, key history) is written by whoever decides
 * for the child: the parent carer of a child of compulsory school age, then the young person (or
 * their capacity representative) — the same people who manage consent. A parent carer of a
 * young person may still read it (if the young person agreed) but no longer writes it: it is the
 * young person's story to tell.
 */
export function canEditFamilyInformation(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision {
  const decision = canManageConsent(principal, facts, now);
  return decision.allowed ? allow : deny(decision.reason ?? 'Not permitted.');
}

/**
 * Family information is seen by the family and by every partner with a current relationship with
 * the child (or a break-glass override), without a per-agency consent or purpose. Why: the family
 * wrote it themselves precisely so that they are told once, to everyone working with the child;
 * it is not an agency's record to be gated by that agency's consent. The family decides what to
 * write (and the form tells them who will see it). Auditors never see it.
 */
export function canSeeFamilyInformation(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision {
  if (hasRelationship(principal, facts, now) || activeBreakGlass(principal, facts, now)) return allow;
  return deny('You are not involved with this child.');
}

/**
 * A partner confirms a family-provided item ("diagnosis confirmed by the health service") for
 * their own organisation. Needs a real relationship: break-glass is for reading in an
 * emergency, not for vouching for facts.
 */
export function canConfirmFamilyItem(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision {
  if (!PARTNER_ROLES.includes(principal.role))
    return deny('Only a partner organisation can confirm what the family told us.');
  if (!hasRelationship(principal, facts, now)) return deny('You are not involved with this child.');
  return allow;
}

/**
 * The EHC assessment and annual review dates and their statutory clocks: visible to the family and
 * every partner involved with the child (everyone needs to know what is due when; the dates carry
 * no clinical content). Only the responsible LA SEND team records them: it runs the process.
 */
export function canSeeEhcWorkflow(principal: Principal, facts: ChildAccessFacts, now: Date): ActionDecision {
  return canSeeFamilyInformation(principal, facts, now);
}

export function canManageEhcWorkflow(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision {
  if (principal.role !== 'la_send_officer' || !roleMatchesOrgType(principal)) {
    return deny('Only the local authority SEND team records EHC assessment and review dates.');
  }
  if (!hasRelationship(principal, facts, now))
    return deny('Your local authority is not responsible for this child.');
  return allow;
}

/**
 * Advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)) that the hub lets an agency
 * write: educational advice from the school's SENCO (reg 6(1)(b)), medical advice from health
 * (reg 6(1)(c)) and social care advice from the council's social care (reg 6(1)(e)). Each is
 * written by one role of the agency that holds the matching section, and read like that section.
 */
export type AdviceDomain = Domain;

interface AdviceRule {
  writer: Role;
  /** The section the advice is read like (same consent and purpose rules). */
  readLike: 'EducationSection' | 'HealthSection' | 'SocialCareSection';
  onlyWriter: string;
  noRelationship: string;
  noConsent: string;
  notShared: string;
}

const ADVICE_RULES: Readonly<Record<AdviceDomain, AdviceRule>> = {
  health: {
    writer: 'health_practitioner',
    readLike: 'HealthSection',
    onlyWriter: 'Only a health practitioner can write health advice.',
    noRelationship: 'Your organisation has no active involvement with this child.',
    noConsent:
      'The family has not agreed to share health information with the local authority for the EHC needs assessment.',
    notShared:
      'Health advice is shared like the health section, and it is not shared with you for this purpose.',
  },
  education: {
    writer: 'senco',
    readLike: 'EducationSection',
    onlyWriter: "Only the SENCO of the child's school can write educational advice.",
    noRelationship: "This child is not on your school's roll.",
    noConsent:
      'The family has not agreed to share education information with the local authority for the EHC needs assessment.',
    notShared:
      'Educational advice is shared like the education section, and it is not shared with you for this purpose.',
  },
  social_care: {
    writer: 'social_worker',
    readLike: 'SocialCareSection',
    onlyWriter: 'Only a social worker can write social care advice.',
    noRelationship: 'Your team is not working with this child.',
    noConsent:
      'The family has not agreed to share social care information with the local authority for the EHC needs assessment.',
    notShared:
      'Social care advice is shared like the social care section, and it is not shared with you for this purpose.',
  },
};

/** The role that writes each agency's advice. */
export function adviceWriterRole(domain: AdviceDomain): Role {
  return ADVICE_RULES[domain].writer;
}

/**
 * The agency's writer (health practitioner, SENCO, social worker) writes advice for an EHC needs
 * assessment when their organisation has an active relationship with the child (involvement,
 * on roll, allocated) AND the family's consent to share that domain's information with the local
 * authority for the EHC assessment is in force: the advice exists to be sent to the LA, so
 * writing it without that consent would be collecting what cannot be shared.
 * (The active assessment itself is checked by the caller, which knows the record.)
 */
export function canWriteAdvice(
  domain: AdviceDomain,
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision & { code?: 'FORBIDDEN' | 'NO_CONSENT' } {
  const rule = ADVICE_RULES[domain];
  if (principal.role !== rule.writer || !roleMatchesOrgType(principal)) {
    return { ...deny(rule.onlyWriter), code: 'FORBIDDEN' };
  }
  if (!hasRelationship(principal, facts, now)) {
    return { ...deny(rule.noRelationship), code: 'FORBIDDEN' };
  }
  const consented = facts.consents.some(
    (c) =>
      c.domain === domain &&
      c.recipientOrgType === 'local_authority' &&
      c.purpose === 'ehc_assessment' &&
      isConsentActive(c, facts, now),
  );
  if (!consented) return { ...deny(rule.noConsent), code: 'NO_CONSENT' };
  return allow;
}

/**
 * Submitted advice is read like the section it comes from (same table, same consent and purpose
 * rules: the agency itself always; the other partners and the LA with consent; the family).
 * Drafts are working documents: only the writer role of the authoring organisation.
 */
export function canReadAdvice(
  domain: AdviceDomain,
  principal: Principal,
  facts: ChildAccessFacts,
  opts: { now: Date; purpose: Purpose | null },
): ActionDecision {
  const decision = decideChildAccess(principal, facts, opts);
  if (!decision.canSeeChild) return deny('You are not involved with this child.');
  if (decision.subjects[ADVICE_RULES[domain].readLike].allowed.length === 0) {
    return deny(ADVICE_RULES[domain].notShared);
  }
  return allow;
}

export function canReadAdviceDraft(domain: AdviceDomain, principal: Principal, authorOrgId: string): boolean {
  return (
    principal.role === ADVICE_RULES[domain].writer &&
    roleMatchesOrgType(principal) &&
    principal.orgId === authorOrgId
  );
}

/** Health advice: canWriteAdvice('health', …). */
export function canWriteHealthAdvice(
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision & { code?: 'FORBIDDEN' | 'NO_CONSENT' } {
  return canWriteAdvice('health', principal, facts, now);
}

/** Health advice: canReadAdvice('health', …). */
export function canReadHealthAdvice(
  principal: Principal,
  facts: ChildAccessFacts,
  opts: { now: Date; purpose: Purpose | null },
): ActionDecision {
  return canReadAdvice('health', principal, facts, opts);
}

export function canReadHealthAdviceDraft(principal: Principal, authorOrgId: string): boolean {
  return canReadAdviceDraft('health', principal, authorOrgId);
}

/**
 * The KPI dashboard is aggregate counts and medians with no personal data: open to the LA SEND
 * team and to the partnership roles who answer for those figures (schools, health, social care).
 * Not to families (it is about the service, not their child) nor auditors (they audit access,
 * not performance).
 */
export function canSeeKpis(principal: Principal): ActionDecision {
  if (PARTNER_ROLES.includes(principal.role) && roleMatchesOrgType(principal)) return allow;
  return deny('The SEND performance dashboard is for the local authority and partner agencies.');
}
