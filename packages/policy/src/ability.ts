import {
  AbilityBuilder,
  createMongoAbility,
  type ForcedSubject,
  type MongoAbility,
  subject as tagged,
} from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { activeConsents } from './consent-state.ts';
import type { ChildAccessFacts } from './facts.ts';
import { POLICY_TABLE } from './policy-table.ts';
import type { Principal } from './principal.ts';
import { activeBreakGlass, hasRelationship } from './relationship.ts';
import { SECTION_DOMAIN, SUBJECT_FIELDS, SUBJECT_NAMES, type SubjectName } from './subjects.ts';
import { type Purpose, SECTION_SUBJECTS, type SectionSubject } from './vocabulary.ts';
import {
  addWriteRules,
  isRefusalCode,
  refusal,
  type WriteAction,
  type WriteCheck,
  type WriteDecision,
  type WriteSubject,
} from './writes.ts';

/** `read` (fields of the record) and every write (writes.ts). */
export type PolicyAction = 'read' | WriteAction;
/** What a row must carry to be checked against the ability: the child it belongs to. */
interface RowKey {
  Child: { id: string };
  EducationSection: { childId: string };
  HealthSection: { childId: string };
  SocialCareSection: { childId: string };
}
/**
 * A subject type name, or a row tagged with one via CASL's `subject('HealthSection', row)`; the
 * write subjects likewise, as a target `{ childId }` of the child written to.
 */
export type PolicySubject =
  | SubjectName
  | WriteSubject
  | { [S in SubjectName]: ForcedSubject<S> & RowKey[S] }[SubjectName]
  | { [S in WriteSubject]: ForcedSubject<S> & { childId: string } }[WriteSubject];
export type HubAbility = MongoAbility<[PolicyAction, PolicySubject]>;

export interface PolicyOptions {
  now: Date;
  /** Why the caller is asking. Without one, no section from another agency is shared. */
  purpose: Purpose | null;
}

/**
 * What the policy concluded about one child for one caller and purpose: may they see the child at
 * all, is break-glass in force, and which sections are open to them. The field-level decision
 * (`decideChildAccess`) follows from this and the caller's role alone, so this is also what the
 * record hands on to the adapters in an access grant (@hub/auth access-grant.ts).
 */
export interface ChildAccessAssessment {
  canSeeChild: boolean;
  breakGlass: boolean;
  /** Sections whose (table-permitted) fields are open: own domain, consented, family or break-glass. */
  openSections: readonly SectionSubject[];
}

/** The assessment of one child's facts for `principal` at `now` (consent, relationship, break-glass). */
export function assessChildAccess(
  principal: Principal,
  facts: ChildAccessFacts,
  { now, purpose }: PolicyOptions,
): ChildAccessAssessment {
  const policy = POLICY_TABLE[principal.role];
  const breakGlass = activeBreakGlass(principal, facts, now) !== null;
  const canSeeChild = breakGlass || hasRelationship(principal, facts, now);
  const openSections: SectionSubject[] = [];
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
    if (open) openSections.push(section);
  }
  return { canSeeChild, breakGlass, openSections };
}

function buildAbility(
  principal: Principal,
  childId: string,
  assessment: ChildAccessAssessment,
  writes?: { facts: ChildAccessFacts; now: Date },
): HubAbility {
  const builder = new AbilityBuilder<HubAbility>(createMongoAbility);
  const { can, build } = builder;
  if (writes) addWriteRules(builder, principal, writes.facts, writes.now);
  if (assessment.canSeeChild) {
    const { read } = POLICY_TABLE[principal.role];
    // The conditions pin the ability to this one child, so a row of another child checked with it
    // (`subject('Child', row)`) is refused, and repositories can turn them into `where` clauses.
    // CASL throws on an empty field list (it would otherwise mean "all fields"), hence the guards.
    if (read.Child.length > 0) can('read', 'Child', [...read.Child], { id: childId });
    for (const section of assessment.openSections) {
      const fields: readonly string[] = read[section];
      if (fields.length > 0) can('read', section, [...fields], { childId });
    }
  }
  return build();
}

/**
 * The CASL ability of `principal` for one child: field-level `read` rules on Child and the three
 * sections, and a rule for every write (writes.ts: `give` Consent, `manage` EhcAssessment, `write`
 * HealthAdvice, ...), granted (`can`) or refused with a code (`cannot(...).because(code)`). Deny by
 * default: no rule, no access. Conditions: `{ id }` on Child, `{ childId }` on sections and
 * writes. `facts` null: the caller's ability before any child is known, with only the write rules
 * that need no child (opening break-glass).
 */
export function defineAbilityFor(
  principal: Principal,
  facts: ChildAccessFacts | null,
  opts: PolicyOptions,
): HubAbility {
  if (facts === null) {
    const builder = new AbilityBuilder<HubAbility>(createMongoAbility);
    addWriteRules(builder, principal, null, opts.now);
    return builder.build();
  }
  return buildAbility(principal, facts.childId, assessChildAccess(principal, facts, opts), {
    facts,
    now: opts.now,
  });
}

/**
 * The ability's answer on one write: granted by a `can` rule, or refused, with the code of the
 * `cannot` rule that matched (its message and audit reason from REFUSALS), or NOT_GRANTED when no
 * rule matches (an unknown action or subject, or a target of another child: deny by default).
 * `childId`: the child written to (matched against the rules' `{ childId }` conditions); null only
 * for the writes that need no child.
 */
export function decideWrite(
  ability: HubAbility,
  principal: Principal,
  [action, type]: WriteCheck,
  childId: string | null,
): WriteDecision {
  const target = childId === null ? type : tagged(type, { childId });
  const rule = ability.relevantRuleFor(action, target);
  if (rule && !rule.inverted) return { allowed: true };
  return refusal(isRefusalCode(rule?.reason) ? rule.reason : 'NOT_GRANTED', principal);
}

/**
 * `decideWrite` on the ability of `principal` for `facts`' child (or, facts null, for no child),
 * built with only the write rules on the subject asked about: no other rule can match it (CASL
 * matches a rule by action and subject type, and no write rule uses `manage` or `all`, which
 * writes.test.ts checks), and building every rule, read rules included, to answer one question
 * was most of the cost of a consent or advice check. writes.test.ts: the same decision as the
 * whole ability's (`defineAbilityFor`), over random principals, facts, instants and writes.
 */
export function canWrite(
  principal: Principal,
  facts: ChildAccessFacts | null,
  now: Date,
  check: WriteCheck,
): WriteDecision {
  const builder = new AbilityBuilder<HubAbility>(createMongoAbility);
  addWriteRules(builder, principal, facts, now, check[1]);
  return decideWrite(builder.build(), principal, check, facts?.childId ?? null);
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
  return decisionFor(principal, assessChildAccess(principal, facts, opts));
}

/**
 * The field-level decision that follows from an assessment. It depends on nothing but the
 * caller's role and the assessment (the CASL conditions pin a child, but the verdict per field
 * does not name it), so it is worked out once per (role, assessment) and the same frozen object
 * is handed out after that: a page of fifty children costs fifty assessments, not fifty CASL
 * abilities. A handful of shapes exist (7 roles × can see × break-glass × open sections); no
 * child's data is kept, only the policy table's verdicts.
 */
export function decisionFor(principal: Principal, assessment: ChildAccessAssessment): ChildAccessDecision {
  const key = `${principal.role}|${assessment.canSeeChild ? 1 : 0}${assessment.breakGlass ? 1 : 0}|${assessment.openSections.join(',')}`;
  let decision = DECISIONS.get(key);
  if (!decision) {
    decision = deepFreeze(computeDecision(principal, assessment));
    if (DECISIONS.size >= MAX_DECISION_SHAPES) DECISIONS.clear();
    DECISIONS.set(key, decision);
  }
  return decision;
}

const DECISIONS = new Map<string, ChildAccessDecision>();
// Far more than the shapes that exist: only a bound in case the vocabulary ever grows.
const MAX_DECISION_SHAPES = 1024;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function computeDecision(principal: Principal, assessment: ChildAccessAssessment): ChildAccessDecision {
  // Any child id: the verdict per field does not depend on it (the conditions only pin the ability).
  const ability = buildAbility(principal, 'decision', assessment);
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
