import { canWrite, decideChildAccess } from './ability.ts';
import type { ChildAccessFacts } from './facts.ts';
import type { Principal } from './principal.ts';
import { activeBreakGlass, hasRelationship, roleMatchesOrgType } from './relationship.ts';
import type { Domain, Purpose, Role } from './vocabulary.ts';
import { ADVICE_SUBJECT, ADVICE_WRITER, PARTNER_ROLES, type WriteCheck } from './writes.ts';

export { PARTNER_ROLES };

/**
 * Who may do what in the "tell it once" and EHC workflow parts of the record. Kept apart from the
 * field table (POLICY_TABLE) on purpose: these are actions on whole records (family information,
 * EHC assessment dates, agencies' advice, aggregate KPIs), not fields of the agency sections, so
 * adding them to SUBJECT_FIELDS would change the 588-case field matrix without adding meaning.
 * The WRITES are rules of the CASL ability (writes.ts); the `can…` write functions here only ask
 * it, as `{ allowed, reason }`. Tested in send-workflow.test.ts and policy-matrix.test.ts.
 */
export interface ActionDecision {
  allowed: boolean;
  /** Plain English, shown to the caller when refused. */
  reason?: string;
}

const allow: ActionDecision = { allowed: true };
const deny = (reason: string): ActionDecision => ({ allowed: false, reason });

/** The ability's answer on one write, as `{ allowed, reason }`. */
function asks(principal: Principal, facts: ChildAccessFacts, now: Date, check: WriteCheck): ActionDecision {
  const decision = canWrite(principal, facts, now, check);
  return decision.allowed ? allow : deny(decision.reason);
}

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
  return asks(principal, facts, now, ['edit', 'FamilyInformation']);
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
  return asks(principal, facts, now, ['confirm', 'FamilyInformation']);
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
  return asks(principal, facts, now, ['record', 'EhcAssessment']);
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
  notShared: string;
}

/** Reading advice; who writes it is the ability's `write` rule on its subject (writes.ts). */
const ADVICE_RULES: Readonly<Record<AdviceDomain, AdviceRule>> = {
  health: {
    writer: ADVICE_WRITER.health,
    readLike: 'HealthSection',
    notShared:
      'Health advice is shared like the health section, and it is not shared with you for this purpose.',
  },
  education: {
    writer: ADVICE_WRITER.education,
    readLike: 'EducationSection',
    notShared:
      'Educational advice is shared like the education section, and it is not shared with you for this purpose.',
  },
  social_care: {
    writer: ADVICE_WRITER.social_care,
    readLike: 'SocialCareSection',
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
 * writing it without that consent would be collecting what cannot be shared. The ability's
 * `write` on HealthAdvice / EducationalAdvice / SocialCareAdvice; `code` NO_CONSENT when only the
 * consent is missing. (The active assessment itself is checked by the caller, which knows the record.)
 */
export function canWriteAdvice(
  domain: AdviceDomain,
  principal: Principal,
  facts: ChildAccessFacts,
  now: Date,
): ActionDecision & { code?: 'FORBIDDEN' | 'NO_CONSENT' } {
  const decision = canWrite(principal, facts, now, ['write', ADVICE_SUBJECT[domain]]);
  if (decision.allowed) return allow;
  return { ...deny(decision.reason), code: decision.audit === 'NO_CONSENT' ? 'NO_CONSENT' : 'FORBIDDEN' };
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
