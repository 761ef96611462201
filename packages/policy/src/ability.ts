import { AbilityBuilder, createMongoAbility, type ForcedSubject, type MongoAbility } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { activeConsents } from './consent.ts';
import type { ChildAccessFacts } from './facts.ts';
import { POLICY_TABLE } from './policy-table.ts';
import type { Principal } from './principal.ts';
import { activeBreakGlass, hasRelationship } from './relationship.ts';
import { SECTION_DOMAIN, SUBJECT_FIELDS, SUBJECT_NAMES, type SubjectName } from './subjects.ts';
import { type Purpose, SECTION_SUBJECTS, type SectionSubject } from './vocabulary.ts';

export type PolicyAction = 'read';
/** What a row must carry to be checked against the ability: the child it belongs to. */
interface RowKey {
  Child: { id: string };
  EducationSection: { childId: string };
  HealthSection: { childId: string };
  SocialCareSection: { childId: string };
}
/** A subject type name, or a row tagged with one via CASL's `subject('HealthSection', row)`. */
export type PolicySubject = SubjectName | { [S in SubjectName]: ForcedSubject<S> & RowKey[S] }[SubjectName];
export type HubAbility = MongoAbility<[PolicyAction, PolicySubject]>;

export interface PolicyOptions {
  now: Date;
  /** Why the caller is asking. Without one, no section from another agency is shared. */
  purpose: Purpose | null;
}

interface Assessment {
  canSeeChild: boolean;
  breakGlass: boolean;
  /** Sections whose (table-permitted) fields are open: own domain, consented, family or break-glass. */
  openSections: Set<SectionSubject>;
}

function assess(principal: Principal, facts: ChildAccessFacts, { now, purpose }: PolicyOptions): Assessment {
  const policy = POLICY_TABLE[principal.role];
  const breakGlass = activeBreakGlass(principal, facts, now) !== null;
  const canSeeChild = breakGlass || hasRelationship(principal, facts, now);
  const openSections = new Set<SectionSubject>();
  if (!canSeeChild) return { canSeeChild, breakGlass, openSections };

  const consents = purpose === null ? [] : activeConsents(facts, now);
  for (const section of SECTION_SUBJECTS) {
    const domain = SECTION_DOMAIN[section];
    const open =
      breakGlass ||
      policy.sections === 'own_child' ||
      policy.ownDomain === domain ||
      consents.some(
        (c) => c.domain === domain && c.recipientOrgType === principal.orgType && c.purpose === purpose,
      );
    if (open) openSections.add(section);
  }
  return { canSeeChild, breakGlass, openSections };
}

function buildAbility(principal: Principal, facts: ChildAccessFacts, assessment: Assessment): HubAbility {
  const { can, build } = new AbilityBuilder<HubAbility>(createMongoAbility);
  if (assessment.canSeeChild) {
    const { read } = POLICY_TABLE[principal.role];
    // The conditions pin the ability to this one child, so a row of another child checked with it
    // (`subject('Child', row)`) is refused, and repositories can turn them into `where` clauses.
    // CASL throws on an empty field list (it would otherwise mean "all fields"), hence the guards.
    if (read.Child.length > 0) can('read', 'Child', [...read.Child], { id: facts.childId });
    for (const section of assessment.openSections) {
      const fields: readonly string[] = read[section];
      if (fields.length > 0) can('read', section, [...fields], { childId: facts.childId });
    }
  }
  return build();
}

/**
 * The CASL ability of `principal` for one child, with field-level `read` rules on Child and the
 * three sections. Deny by default: no rule, no access. Conditions: `{ id }` on Child, `{ childId }`
 * on sections.
 */
export function defineAbilityFor(
  principal: Principal,
  facts: ChildAccessFacts,
  opts: PolicyOptions,
): HubAbility {
  return buildAbility(principal, facts, assess(principal, facts, opts));
}

export type DenialReason = 'NO_RELATIONSHIP' | 'NO_CONSENT' | 'NOT_PERMITTED';

export interface SubjectDecision {
  allowed: string[];
  denied: Array<{ field: string; reason: DenialReason }>;
}

export interface ChildAccessDecision {
  canSeeChild: boolean;
  /** A safeguarding override was in force for this decision: flag it in the audit event. */
  breakGlass: boolean;
  subjects: Record<SubjectName, SubjectDecision>;
}

/**
 * The ability's verdict on every field, with a reason for each refusal, for the audit event and
 * for `FORBIDDEN_FIELD` errors. `allowed` is what CASL permits; the reasons explain the rest,
 * most fundamental first: the role may never see it, then the child is not theirs, then consent.
 */
export function decideChildAccess(
  principal: Principal,
  facts: ChildAccessFacts,
  opts: PolicyOptions,
): ChildAccessDecision {
  const assessment = assess(principal, facts, opts);
  const ability = buildAbility(principal, facts, assessment);
  const { read } = POLICY_TABLE[principal.role];

  const decide = (subject: SubjectName): SubjectDecision => {
    const allFields: readonly string[] = SUBJECT_FIELDS[subject];
    const permitted = new Set(
      permittedFieldsOf(ability, 'read', subject, { fieldsFrom: (rule) => rule.fields ?? [...allFields] }),
    );
    const mayEverRead: readonly string[] = read[subject];
    const decision: SubjectDecision = { allowed: [], denied: [] };
    for (const field of allFields) {
      if (permitted.has(field)) decision.allowed.push(field);
      else if (!mayEverRead.includes(field)) decision.denied.push({ field, reason: 'NOT_PERMITTED' });
      else if (!assessment.canSeeChild) decision.denied.push({ field, reason: 'NO_RELATIONSHIP' });
      else decision.denied.push({ field, reason: 'NO_CONSENT' });
    }
    return decision;
  };

  const subjects = Object.fromEntries(SUBJECT_NAMES.map((s) => [s, decide(s)])) as Record<
    SubjectName,
    SubjectDecision
  >;
  return { canSeeChild: assessment.canSeeChild, breakGlass: assessment.breakGlass, subjects };
}
