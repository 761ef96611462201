import { describe, expect, it } from 'vitest';
import { decideChildAccess, defineAbilityFor } from './ability.ts';
import { aConsent, aPrincipal, someFacts } from './builders.ts';
import type { ChildAccessFacts, ConsentRecord } from './facts.ts';
import type { Principal } from './principal.ts';
import { canReadAdvice, canReadAdviceDraft, canWriteAdvice } from './send-workflow.ts';
import { SUBJECT_FIELDS, type SubjectName } from './subjects.ts';
import { DOMAINS, ROLES, type Role } from './vocabulary.ts';

/**
 * Every role × every field × every consent state, against a grid written out by hand.
 * The grid is the specification: change it only when the policy is meant to change.
 *
 *   Y  allowed whatever the consent state (own domain, family, or identity)
 *   C  allowed only while consent is granted; otherwise denied NO_CONSENT
 *   -  never: denied NOT_PERMITTED
 */
const EXPECTED = `
                                   senco  health  social  la  parent  young  auditor
Child.id                             Y      Y       Y      Y    Y       Y      -
Child.givenName                      Y      Y       Y      Y    Y       Y      -
Child.familyName                     Y      Y       Y      Y    Y       Y      -
Child.dateOfBirth                    Y      Y       Y      Y    Y       Y      -
Child.nhsNumber                      -      Y       Y      Y    Y       Y      -
Child.upn                            Y      -       -      Y    Y       Y      -
Child.laId                           -      -       Y      Y    Y       Y      -
EducationSection.senStatus           Y      C       C      C    Y       Y      -
EducationSection.school              Y      C       C      C    Y       Y      -
EducationSection.attendancePercent   Y      C       C      C    Y       Y      -
EducationSection.sencoNotes          Y      -       -      C    Y       Y      -
EducationSection.provisions          Y      C       C      C    Y       Y      -
EducationSection.updatedAt           Y      C       C      C    Y       Y      -
HealthSection.involvements           C      Y       C      C    Y       Y      -
HealthSection.pathwayWaits           C      Y       C      C    Y       Y      -
HealthSection.diagnoses              C      Y       C      C    Y       Y      -
HealthSection.updatedAt              C      Y       C      C    Y       Y      -
SocialCareSection.status             -      -       Y      C    -       Y      -
SocialCareSection.allocatedWorker    C      C       Y      C    Y       Y      -
SocialCareSection.shortBreaks        C      C       Y      C    Y       Y      -
SocialCareSection.updatedAt          C      C       Y      C    Y       Y      -
`;

const COLUMN_ROLE: Record<string, Role> = {
  senco: 'senco',
  health: 'health_practitioner',
  social: 'social_worker',
  la: 'la_send_officer',
  parent: 'parent_carer',
  young: 'young_person',
  auditor: 'auditor',
};

type Mark = 'Y' | 'C' | '-';
type Row = { subject: SubjectName; field: string; marks: Record<Role, Mark> };

function parseGrid(grid: string): Row[] {
  const [header, ...lines] = grid.trim().split('\n');
  const roles = (header ?? '')
    .trim()
    .split(/\s+/)
    .map((column) => {
      const role = COLUMN_ROLE[column];
      if (!role) throw new Error(`unknown column ${column}`);
      return role;
    });
  return lines.map((line) => {
    const [name = '', ...marks] = line.trim().split(/\s+/);
    const [subject, field = ''] = name.split('.') as [SubjectName, string];
    if (marks.length !== roles.length) throw new Error(`row ${name}: expected ${roles.length} marks`);
    const byRole = {} as Record<Role, Mark>;
    roles.forEach((role, i) => {
      const mark = marks[i];
      if (mark !== 'Y' && mark !== 'C' && mark !== '-') throw new Error(`row ${name}: bad mark ${mark}`);
      byRole[role] = mark;
    });
    return { subject, field, marks: byRole };
  });
}

const ROWS = parseGrid(EXPECTED);

const NOW = new Date('2026-03-01T12:00:00.000Z');
const PAST = '2026-02-01T00:00:00.000Z';
const PURPOSE = 'ehc_assessment';

const CONSENT_STATES = ['granted', 'absent', 'withdrawn', 'expired'] as const;
type ConsentState = (typeof CONSENT_STATES)[number];

/**
 * Each role gets a child it has a relationship with: a 10-year-old for everyone except the young
 * person, whose own access starts at 16 (so a 17-year-old, consenting for themself). Consent, when
 * present, covers every domain for the principal's org type and the request's purpose.
 */
function factsFor(principal: Principal, state: ConsentState): ChildAccessFacts {
  const isYoungPerson = principal.role === 'young_person';
  const grant: Partial<ConsentRecord> = isYoungPerson
    ? { grantedByRole: 'young_person', grantedBySub: principal.sub }
    : { grantedByRole: 'parent_carer', grantedBySub: 'demo-parent-1' };
  const timing: Partial<ConsentRecord> =
    state === 'withdrawn' ? { withdrawnAt: PAST } : state === 'expired' ? { expiresAt: PAST } : {};
  const consents =
    state === 'absent'
      ? []
      : DOMAINS.map((domain, i) =>
          aConsent({
            id: `consent-${i}`,
            domain,
            recipientOrgType: principal.orgType,
            purpose: PURPOSE,
            startsAt: '2025-09-01T00:00:00.000Z',
            ...grant,
            ...timing,
          }),
        );
  return someFacts({ dateOfBirth: isYoungPerson ? '2009-01-15' : '2015-06-01', consents });
}

const CASES = ROLES.flatMap((role) =>
  ROWS.flatMap((row) =>
    CONSENT_STATES.map((state) => {
      const mark = row.marks[role];
      const allowed = mark === 'Y' || (mark === 'C' && state === 'granted');
      const reason = allowed ? null : mark === '-' ? 'NOT_PERMITTED' : 'NO_CONSENT';
      const target = `${row.subject}.${row.field}`;
      return { role, target, subject: row.subject, field: row.field, state, allowed, reason };
    }),
  ),
);

export const MATRIX_CASE_COUNT = CASES.length;

describe('policy matrix', () => {
  it('the grid lists every field of every subject exactly once, for every role', () => {
    const gridFields = ROWS.map((r) => `${r.subject}.${r.field}`);
    const schemaFields = Object.entries(SUBJECT_FIELDS).flatMap(([s, fields]) =>
      fields.map((f) => `${s}.${f}`),
    );
    expect(gridFields).toEqual(schemaFields);
    expect(Object.values(COLUMN_ROLE).sort()).toEqual([...ROLES].sort());
  });

  it(`has ${MATRIX_CASE_COUNT} cases: 7 roles × 21 fields × 4 consent states`, () => {
    expect(MATRIX_CASE_COUNT).toBe(ROLES.length * ROWS.length * CONSENT_STATES.length);
    expect(MATRIX_CASE_COUNT).toBe(588);
  });

  it.each(CASES)('$role reads $target with consent $state → $allowed', (c) => {
    const principal = aPrincipal({ role: c.role });
    const facts = factsFor(principal, c.state);
    const opts = { now: NOW, purpose: PURPOSE } as const;

    const decision = decideChildAccess(principal, facts, opts);
    const subject = decision.subjects[c.subject];
    expect(subject.allowed.includes(c.field)).toBe(c.allowed);
    expect(subject.denied.find((d) => d.field === c.field)?.reason ?? null).toBe(c.reason);
    expect(decision.breakGlass).toBe(false);
    // The ability itself, as a subgraph would use it, agrees with the decision.
    expect(defineAbilityFor(principal, facts, opts).can('read', c.subject, c.field)).toBe(c.allowed);
  });
});

/**
 * Advice for an EHC needs assessment (send-workflow.ts), every role × domain × consent state,
 * against a grid written out by hand. Submitted advice reads like the section it comes from;
 * writing needs the agency's writer role, its relationship, and the family's consent to share
 * that domain with the local authority for the assessment (W: only with that consent).
 */
const ADVICE_READ = `
                      senco  health  social  la  parent  young  auditor
education               Y      C       C      C    Y       Y      -
health                  C      Y       C      C    Y       Y      -
social_care             C      C       Y      C    Y       Y      -
`;
const ADVICE_WRITE = `
                      senco  health  social  la  parent  young  auditor
education               W      -       -      -    -       -      -
health                  -      W       -      -    -       -      -
social_care             -      -       W      -    -       -      -
`;

function parseAdviceGrid(
  grid: string,
): Array<{ domain: (typeof DOMAINS)[number]; role: Role; mark: string }> {
  const [header, ...lines] = grid.trim().split('\n');
  const roles = (header ?? '')
    .trim()
    .split(/\s+/)
    .map((c) => COLUMN_ROLE[c]!);
  return lines.flatMap((line) => {
    const [domain = '', ...marks] = line.trim().split(/\s+/);
    if (!(DOMAINS as readonly string[]).includes(domain)) throw new Error(`unknown domain ${domain}`);
    return roles.map((role, i) => ({ domain: domain as (typeof DOMAINS)[number], role, mark: marks[i]! }));
  });
}

const ADVICE_READ_CASES = parseAdviceGrid(ADVICE_READ).flatMap((c) =>
  CONSENT_STATES.map((state) => ({
    ...c,
    state,
    allowed: c.mark === 'Y' || (c.mark === 'C' && state === 'granted'),
  })),
);
const ADVICE_WRITE_CASES = parseAdviceGrid(ADVICE_WRITE).flatMap((c) =>
  CONSENT_STATES.map((state) => ({ ...c, state, allowed: c.mark === 'W' && state === 'granted' })),
);

describe('advice matrix', () => {
  it('covers every domain for every role', () => {
    expect(ADVICE_READ_CASES).toHaveLength(DOMAINS.length * ROLES.length * CONSENT_STATES.length);
    expect(ADVICE_WRITE_CASES).toHaveLength(DOMAINS.length * ROLES.length * CONSENT_STATES.length);
  });

  it.each(ADVICE_READ_CASES)('$role reads submitted $domain advice with consent $state → $allowed', (c) => {
    const principal = aPrincipal({ role: c.role });
    const facts = factsFor(principal, c.state);
    expect(canReadAdvice(c.domain, principal, facts, { now: NOW, purpose: PURPOSE }).allowed).toBe(c.allowed);
  });

  it.each(ADVICE_WRITE_CASES)('$role writes $domain advice with consent to the LA $state → $allowed', (c) => {
    const principal = aPrincipal({ role: c.role });
    // The consent that matters for writing is the one to the local authority, whoever writes.
    const facts = factsFor(aPrincipal({ role: 'la_send_officer' }), c.state);
    const decision = canWriteAdvice(c.domain, principal, facts, NOW);
    expect(decision.allowed).toBe(c.allowed);
    if (c.mark === 'W' && !c.allowed) expect(decision.code).toBe('NO_CONSENT');
    // Drafts: only the writer role of the authoring organisation, consent or not.
    expect(canReadAdviceDraft(c.domain, principal, principal.orgId)).toBe(c.mark === 'W');
    expect(canReadAdviceDraft(c.domain, principal, 'another-org')).toBe(false);
  });
});
