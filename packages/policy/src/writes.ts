import { HANDOVER_RULE_TEXT } from './age.ts';
import { isConsentActive } from './consent-state.ts';
import { type DecisionMakers, decisionMakers } from './decision-maker.ts';
import type { ChildAccessFacts } from './facts.ts';
import { POLICY_TABLE } from './policy-table.ts';
import type { Principal } from './principal.ts';
import { hasRelationship, roleMatchesOrgType } from './relationship.ts';
import type { Domain, Role } from './vocabulary.ts';

/**
 * Every write the hub performs on a child's record, as CASL actions on subject types. The rules
 * are part of the one ability (ability.ts `defineAbilityFor`): a granted write is a `can` rule,
 * a refused one a `cannot` rule whose `because()` is a refusal code of REFUSALS below. Anything
 * not listed here has no rule, so it is refused (deny by default). Never `manage` nor `all`:
 * CASL reads them as "any action" and "any subject", so `can('manage', X)` would grant every
 * action on X (writes.test.ts checks that none is used).
 */
export const WRITES = {
  /** give (or confirm as given) widens sharing; withdraw only narrows it; confirm: the young person keeps a parent carer's consent. */
  Consent: ['give', 'withdraw', 'confirm'],
  /** Whether parent carers keep seeing a young person's record. */
  ParentCarerAccess: ['decide'],
  /** A safeguarding override: needs no relationship, so the rule needs no child. */
  BreakGlass: ['open'],
  /** Recording or ending who acts for a young person who lacks capacity. */
  CapacityRepresentative: ['record'],
  /** edit: the family's own story; confirm: a partner vouches for one item of it. */
  FamilyInformation: ['edit', 'confirm'],
  /** Recording every step of the EHC needs assessment and plan: dates, requests, reviews, exceptions, appeals. */
  EhcAssessment: ['record'],
  /** Writing, sending (submitting) and correcting an agency's advice for an EHC needs assessment. */
  HealthAdvice: ['write'],
  EducationalAdvice: ['write'],
  SocialCareAdvice: ['write'],
  /**
   * The council's review of its master child index: reading the queue of source records and
   * confirming, rejecting or undoing a match. A council's own queue: the rule needs no child, and
   * the record's query scope keeps each council to its source records (identity/scope.ts).
   */
  IdentityIndex: ['review'],
} as const;

export type WriteSubject = keyof typeof WRITES;
export type WriteAction = (typeof WRITES)[WriteSubject][number];
/** One write, as CASL spells it: `[action, subject type]`, e.g. `['give', 'Consent']`. */
export type WriteCheck = { [S in WriteSubject]: [(typeof WRITES)[S][number], S] }[WriteSubject];

export const WRITE_CHECKS: readonly WriteCheck[] = Object.entries(WRITES).flatMap(([subject, actions]) =>
  actions.map((action) => [action, subject] as WriteCheck),
);

/** The advice subject of each agency's advice. */
export const ADVICE_SUBJECT = {
  health: 'HealthAdvice',
  education: 'EducationalAdvice',
  social_care: 'SocialCareAdvice',
} as const satisfies Record<Domain, WriteSubject>;

/** The subjects whose rules need no child (checked before any facts are read). */
export const WRITES_WITHOUT_CHILD: ReadonlySet<WriteSubject> = new Set(['BreakGlass', 'IdentityIndex']);

/** How a refusal is recorded in the audit event (the denied field's reason). */
export type RefusalAudit = 'NOT_PERMITTED' | 'NO_CONSENT';

interface Refusal {
  audit: RefusalAudit;
  /** Plain English, shown to the caller. */
  message: string | ((who: Pick<Principal, 'role'>) => string);
}

const adviceRefusals = <P extends string>(
  prefix: P,
  m: { onlyWriter: string; noRelationship: string; noConsent: string },
) =>
  ({
    [`${prefix}_WRITER_ONLY`]: { audit: 'NOT_PERMITTED', message: m.onlyWriter },
    [`${prefix}_NO_RELATIONSHIP`]: { audit: 'NOT_PERMITTED', message: m.noRelationship },
    [`${prefix}_NO_CONSENT`]: { audit: 'NO_CONSENT', message: m.noConsent },
  }) as Record<`${P}_WRITER_ONLY` | `${P}_NO_RELATIONSHIP` | `${P}_NO_CONSENT`, Refusal>;

/**
 * THE table of write refusals: each code a `cannot` rule carries in `because(code)`, with the
 * message shown to the caller and the reason recorded in the audit event. One place, so a
 * refusal reads the same wherever it is decided.
 */
export const REFUSALS = {
  /** No rule at all for this action: deny by default. */
  NOT_GRANTED: { audit: 'NOT_PERMITTED', message: 'You may not do this.' },
  ROLE_ORG_MISMATCH: { audit: 'NOT_PERMITTED', message: 'Role and organisation type do not match.' },
  NOT_PARENT_CARER: { audit: 'NOT_PERMITTED', message: 'You are not a parent carer of this child.' },
  REPRESENTATIVE_DECIDES_FOR_YOUNG_PERSON: {
    audit: 'NOT_PERMITTED',
    message: 'A representative recorded by the council makes consent decisions for this young person.',
  },
  YOUNG_PERSON_DECIDES: {
    audit: 'NOT_PERMITTED',
    message: `The young person makes their own consent decisions ${HANDOVER_RULE_TEXT}.`,
  },
  NOT_YOUR_RECORD: { audit: 'NOT_PERMITTED', message: 'This is not your record.' },
  PARENT_CARER_DECIDES: {
    audit: 'NOT_PERMITTED',
    message:
      'Until the end of the school year in which you turn 16 (the last Friday in June), your parent carer makes consent decisions.',
  },
  REPRESENTATIVE_DECIDES_FOR_YOU: {
    audit: 'NOT_PERMITTED',
    message: 'A representative recorded by the council makes consent decisions for you at the moment.',
  },
  FAMILY_DECIDES: {
    audit: 'NOT_PERMITTED',
    message:
      'Only a parent carer of a child of compulsory school age, the young person after it, or their recorded representative manages consent.',
  },
  YOUNG_PERSON_CONFIRMS: {
    audit: 'NOT_PERMITTED',
    message: `Only the young person themself can confirm a consent, ${HANDOVER_RULE_TEXT}.`,
  },
  YOUNG_PERSON_DECIDES_PARENT_ACCESS: {
    audit: 'NOT_PERMITTED',
    message: `Only the young person themself (or their recorded representative) can decide this, ${HANDOVER_RULE_TEXT}.`,
  },
  BREAK_GLASS_ROLE: {
    audit: 'NOT_PERMITTED',
    message: ({ role }: Pick<Principal, 'role'>) => `Role ${role} may not use break-glass.`,
  },
  COUNCIL_OFFICER_ONLY: {
    audit: 'NOT_PERMITTED',
    message: "Only the council's SEND officer records who acts for a young person.",
  },
  COUNCIL_REVIEWS_IDENTITY: {
    audit: 'NOT_PERMITTED',
    message: "Only the council's SEND team reviews identity matches.",
  },
  NOT_YOUR_COUNCIL: { audit: 'NOT_PERMITTED', message: 'Your council is not responsible for this child.' },
  PARTNERS_CONFIRM: {
    audit: 'NOT_PERMITTED',
    message: 'Only a partner organisation can confirm what the family told us.',
  },
  NOT_INVOLVED: { audit: 'NOT_PERMITTED', message: 'You are not involved with this child.' },
  LA_SEND_ONLY: {
    audit: 'NOT_PERMITTED',
    message: 'Only the local authority SEND team records EHC assessment and review dates.',
  },
  NOT_RESPONSIBLE_LA: {
    audit: 'NOT_PERMITTED',
    message: 'Your local authority is not responsible for this child.',
  },
  ...adviceRefusals('HEALTH_ADVICE', {
    onlyWriter: 'Only a health practitioner can write health advice.',
    noRelationship: 'Your organisation has no active involvement with this child.',
    noConsent:
      'The family has not agreed to share health information with the local authority for the EHC needs assessment.',
  }),
  ...adviceRefusals('EDUCATIONAL_ADVICE', {
    onlyWriter: "Only the SENCO of the child's school can write educational advice.",
    noRelationship: "This child is not on your school's roll.",
    noConsent:
      'The family has not agreed to share education information with the local authority for the EHC needs assessment.',
  }),
  ...adviceRefusals('SOCIAL_CARE_ADVICE', {
    onlyWriter: 'Only a social worker can write social care advice.',
    noRelationship: 'Your team is not working with this child.',
    noConsent:
      'The family has not agreed to share social care information with the local authority for the EHC needs assessment.',
  }),
} satisfies Record<string, Refusal>;

export type RefusalCode = keyof typeof REFUSALS;

export function isRefusalCode(value: unknown): value is RefusalCode {
  return typeof value === 'string' && Object.hasOwn(REFUSALS, value);
}

export type WriteDecision =
  | { allowed: true }
  | { allowed: false; code: RefusalCode; reason: string; audit: RefusalAudit };

/** A refusal code as the caller reads it (message) and the audit event records it. */
export function refusal(
  code: RefusalCode,
  principal: Pick<Principal, 'role'>,
): WriteDecision & { allowed: false } {
  const { audit, message }: Refusal = REFUSALS[code];
  return {
    allowed: false,
    code,
    reason: typeof message === 'function' ? message(principal) : message,
    audit,
  };
}

/** What the write rules look at, computed once per ability. */
interface Situation {
  principal: Principal;
  facts: ChildAccessFacts;
  now: Date;
  deciders: () => DecisionMakers;
  related: () => boolean;
}

/** A write rule: null grants it, a code refuses it (the first check that fails). */
type WriteRule = (s: Situation) => RefusalCode | null;

/** Who decides for the child (consent, the family's story): the decision maker at `now`. */
function managesConsent(action: 'give' | 'withdraw'): WriteRule {
  return ({ principal, facts, deciders }) => {
    if (!roleMatchesOrgType(principal)) return 'ROLE_ORG_MISMATCH';
    const { stage, subs } = deciders();
    if (principal.role === 'parent_carer') {
      if (stage === 'representative' && subs.includes(principal.sub)) return null;
      if (!facts.parentCarerSubs.includes(principal.sub)) return 'NOT_PARENT_CARER';
      if (stage === 'child') return null;
      if (stage === 'representative') return 'REPRESENTATIVE_DECIDES_FOR_YOUNG_PERSON';
      // Withdrawing only narrows sharing: still open to parent carers while the young person's
      // login is not set up, so sharing can always stop.
      if (stage === 'awaiting_young_person' && action === 'withdraw') return null;
      return 'YOUNG_PERSON_DECIDES';
    }
    if (principal.role === 'young_person') {
      if (facts.youngPersonSub === null || principal.sub !== facts.youngPersonSub) return 'NOT_YOUR_RECORD';
      if (stage === 'child') return 'PARENT_CARER_DECIDES';
      if (stage === 'representative') return 'REPRESENTATIVE_DECIDES_FOR_YOU';
      return null;
    }
    return 'FAMILY_DECIDES';
  };
}

/** The partner roles: people working for an agency, as opposed to the family or auditors. */
export const PARTNER_ROLES: readonly Role[] = [
  'senco',
  'health_practitioner',
  'social_worker',
  'la_send_officer',
];

/**
 * Advice for an EHC needs assessment: the agency's writer role, with its organisation's active
 * relationship, and the family's consent to share that domain with the local authority for the
 * assessment (the advice exists to be sent to the LA). Break-glass never opens it.
 */
function writesAdvice(domain: Domain, writer: Role): WriteRule {
  const prefix = ({ health: 'HEALTH', education: 'EDUCATIONAL', social_care: 'SOCIAL_CARE' } as const)[
    domain
  ];
  return ({ principal, facts, now, related }) => {
    if (principal.role !== writer || !roleMatchesOrgType(principal)) return `${prefix}_ADVICE_WRITER_ONLY`;
    if (!related()) return `${prefix}_ADVICE_NO_RELATIONSHIP`;
    const consented = facts.consents.some(
      (c) =>
        c.domain === domain &&
        c.recipientOrgType === 'local_authority' &&
        c.purpose === 'ehc_assessment' &&
        isConsentActive(c, facts, now),
    );
    return consented ? null : `${prefix}_ADVICE_NO_CONSENT`;
  };
}

/** The role that writes each agency's advice. */
export const ADVICE_WRITER: Readonly<Record<Domain, Role>> = {
  health: 'health_practitioner',
  education: 'senco',
  social_care: 'social_worker',
};

/** The rules of every write on one child, by subject and action. */
const WRITE_RULES: { [S in WriteSubject]: { [A in (typeof WRITES)[S][number]]: WriteRule } } = {
  Consent: {
    give: managesConsent('give'),
    withdraw: managesConsent('withdraw'),
    confirm: ({ principal, facts, deciders }) =>
      principal.role !== 'young_person' ||
      facts.youngPersonSub !== principal.sub ||
      deciders().stage !== 'young_person'
        ? 'YOUNG_PERSON_CONFIRMS'
        : null,
  },
  ParentCarerAccess: {
    decide: ({ principal, facts, deciders }) => {
      const { stage, subs } = deciders();
      const decides =
        (stage === 'young_person' &&
          principal.role === 'young_person' &&
          facts.youngPersonSub === principal.sub) ||
        (stage === 'representative' && principal.role === 'parent_carer' && subs.includes(principal.sub));
      return decides ? null : 'YOUNG_PERSON_DECIDES_PARENT_ACCESS';
    },
  },
  BreakGlass: {
    open: ({ principal }) => (POLICY_TABLE[principal.role].mayBreakGlass ? null : 'BREAK_GLASS_ROLE'),
  },
  CapacityRepresentative: {
    // The council's decision: the SEND officer of the council responsible for the child.
    record: ({ principal, related }) => {
      if (principal.role !== 'la_send_officer') return 'COUNCIL_OFFICER_ONLY';
      return related() ? null : 'NOT_YOUR_COUNCIL';
    },
  },
  FamilyInformation: {
    // Written by whoever decides for the child: the same people who manage consent.
    edit: managesConsent('give'),
    // A partner vouches for an item for their own organisation: a real relationship, not break-glass.
    confirm: ({ principal, related }) => {
      if (!PARTNER_ROLES.includes(principal.role)) return 'PARTNERS_CONFIRM';
      return related() ? null : 'NOT_INVOLVED';
    },
  },
  EhcAssessment: {
    record: ({ principal, related }) => {
      if (principal.role !== 'la_send_officer' || !roleMatchesOrgType(principal)) return 'LA_SEND_ONLY';
      return related() ? null : 'NOT_RESPONSIBLE_LA';
    },
  },
  HealthAdvice: { write: writesAdvice('health', ADVICE_WRITER.health) },
  EducationalAdvice: { write: writesAdvice('education', ADVICE_WRITER.education) },
  SocialCareAdvice: { write: writesAdvice('social_care', ADVICE_WRITER.social_care) },
  IdentityIndex: {
    // The SEND officer of a council: the role with a local authority organisation (council.ts).
    review: ({ principal }) =>
      principal.role === 'la_send_officer' && roleMatchesOrgType(principal)
        ? null
        : 'COUNCIL_REVIEWS_IDENTITY',
  },
};

/** The part of CASL's AbilityBuilder the write rules use. */
interface RuleSink {
  can(action: WriteAction, subject: WriteSubject, conditions?: { childId: string }): unknown;
  cannot(
    action: WriteAction,
    subject: WriteSubject,
    conditions?: { childId: string },
  ): { because(reason: string): unknown };
}

/**
 * Adds the write rules of `principal` to an ability being built: for `facts`' child (conditions
 * `{ childId }`, so a check on another child's target matches no rule), and the rules that need
 * no child. `facts` null: only the latter (break-glass is refused or not before any facts).
 */
export function addWriteRules(
  builder: RuleSink,
  principal: Principal,
  facts: ChildAccessFacts | null,
  now: Date,
  /** Only the rules on this subject type (a decision on one write needs no others). */
  subject?: WriteSubject,
): void {
  let deciders: DecisionMakers | undefined;
  let related: boolean | undefined;
  // The rules that need no child look only at the principal.
  const child = facts ?? ({} as ChildAccessFacts);
  const situation: Situation = {
    principal,
    facts: child,
    now,
    deciders: () => {
      deciders ??= decisionMakers(child, now);
      return deciders;
    },
    related: () => {
      related ??= hasRelationship(principal, child, now);
      return related;
    },
  };
  for (const [action, type] of WRITE_CHECKS) {
    if (subject !== undefined && type !== subject) continue;
    const childless = WRITES_WITHOUT_CHILD.has(type);
    if (facts === null && !childless) continue;
    const rule = (WRITE_RULES[type] as Record<string, WriteRule>)[action]!;
    const code = rule(situation);
    const conditions = childless || facts === null ? undefined : { childId: facts.childId };
    if (code === null) builder.can(action, type, conditions);
    else builder.cannot(action, type, conditions).because(code);
  }
}
