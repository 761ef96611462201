import { subject } from '@casl/ability';
import { describe, expect, it } from 'vitest';
import { assessChildAccess, decideChildAccess, decisionFor, defineAbilityFor } from './ability.ts';
import { aBreakGlass, aConsent, aPrincipal, someFacts } from './builders.ts';
import { SUBJECT_NAMES } from './subjects.ts';
import type { Purpose } from './vocabulary.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const EHC: { now: Date; purpose: Purpose | null } = { now: NOW, purpose: 'ehc_assessment' };

const senco = aPrincipal({ role: 'senco' });
const healthConsentForSchools = aConsent({
  domain: 'health',
  recipientOrgType: 'school',
  purpose: 'ehc_assessment',
});

function allDenied(decision: ReturnType<typeof decideChildAccess>) {
  return SUBJECT_NAMES.flatMap((s) => decision.subjects[s].denied.map((d) => ({ s, ...d })));
}

describe('cross-agency consent', () => {
  it('a SENCO sees health diagnoses with consent for the purpose asked', () => {
    const facts = someFacts({ consents: [healthConsentForSchools] });
    expect(decideChildAccess(senco, facts, EHC).subjects.HealthSection.allowed).toContain('diagnoses');
  });

  it('…not for another purpose', () => {
    const facts = someFacts({ consents: [healthConsentForSchools] });
    const decision = decideChildAccess(senco, facts, { now: NOW, purpose: 'annual_review' });
    expect(decision.subjects.HealthSection.allowed).toEqual([]);
    expect(decision.subjects.HealthSection.denied).toContainEqual({
      field: 'diagnoses',
      reason: 'NO_CONSENT',
    });
  });

  it('…not when the consent is for another kind of recipient', () => {
    const facts = someFacts({ consents: [aConsent({ domain: 'health', recipientOrgType: 'social_care' })] });
    expect(decideChildAccess(senco, facts, EHC).subjects.HealthSection.allowed).toEqual([]);
  });

  it('…not when the consent is for another domain', () => {
    const facts = someFacts({ consents: [aConsent({ domain: 'social_care', recipientOrgType: 'school' })] });
    const decision = decideChildAccess(senco, facts, EHC);
    expect(decision.subjects.HealthSection.allowed).toEqual([]);
    expect(decision.subjects.SocialCareSection.allowed).toEqual([
      'allocatedWorker',
      'shortBreaks',
      'updatedAt',
    ]);
  });

  it('…not when granted by someone who is not a parent carer of the child', () => {
    const facts = someFacts({ consents: [aConsent({ grantedBySub: 'demo-neighbour-1' })] });
    expect(decideChildAccess(senco, facts, EHC).subjects.HealthSection.allowed).toEqual([]);
  });

  it('…not when no purpose is given, though the own-domain section still is', () => {
    const facts = someFacts({ consents: [healthConsentForSchools] });
    const decision = decideChildAccess(senco, facts, { now: NOW, purpose: null });
    expect(decision.subjects.HealthSection.allowed).toEqual([]);
    expect(decision.subjects.EducationSection.allowed).toContain('sencoNotes');
    expect(decision.subjects.Child.allowed).toEqual(['id', 'givenName', 'familyName', 'dateOfBirth', 'upn']);
  });

  it('a withdrawn consent stops sharing from the moment of withdrawal', () => {
    const withdrawal = '2026-03-01T10:00:00.000Z';
    const facts = someFacts({ consents: [aConsent({ withdrawnAt: withdrawal })] });
    const before = decideChildAccess(senco, facts, { ...EHC, now: new Date('2026-03-01T09:59:59.999Z') });
    expect(before.subjects.HealthSection.allowed).toContain('diagnoses');
    expect(decideChildAccess(senco, facts, EHC).subjects.HealthSection.allowed).toEqual([]);
  });

  it("a parent carer's consent stops counting at the end of compulsory school age unless the young person confirmed it", () => {
    // 16 on 2026-03-01 (EHC's date), of compulsory school age until Friday 26 June 2026.
    const facts = someFacts({ dateOfBirth: '2010-03-01', consents: [healthConsentForSchools] });
    const dayBefore = { ...EHC, now: new Date('2026-06-26T12:00:00.000Z') };
    const handover = { ...EHC, now: new Date('2026-06-27T12:00:00.000Z') };
    expect(decideChildAccess(senco, facts, dayBefore).subjects.HealthSection.allowed).toContain('diagnoses');
    expect(decideChildAccess(senco, facts, EHC).subjects.HealthSection.allowed).toContain('diagnoses');
    expect(decideChildAccess(senco, facts, handover).subjects.HealthSection.allowed).toEqual([]);

    const confirmed = someFacts({
      dateOfBirth: '2010-03-01',
      consents: [aConsent({ confirmedByYoungPersonAt: '2026-06-27T08:00:00.000Z' })],
    });
    expect(decideChildAccess(senco, confirmed, handover).subjects.HealthSection.allowed).toContain(
      'diagnoses',
    );
  });
});

describe('relationship', () => {
  it('a SENCO of another school sees nothing: NO_RELATIONSHIP', () => {
    const other = aPrincipal({ role: 'senco', sub: 'demo-senco-2', orgId: 'school-2' });
    const facts = someFacts({ consents: [healthConsentForSchools] });
    const decision = decideChildAccess(other, facts, EHC);
    expect(decision.canSeeChild).toBe(false);
    for (const s of SUBJECT_NAMES) expect(decision.subjects[s].allowed).toEqual([]);
    // Fields a SENCO could see at their own school are NO_RELATIONSHIP; the rest stay NOT_PERMITTED.
    expect(decision.subjects.Child.denied).toContainEqual({ field: 'givenName', reason: 'NO_RELATIONSHIP' });
    expect(decision.subjects.EducationSection.denied).toContainEqual({
      field: 'sencoNotes',
      reason: 'NO_RELATIONSHIP',
    });
    expect(decision.subjects.Child.denied).toContainEqual({ field: 'nhsNumber', reason: 'NOT_PERMITTED' });
    expect(allDenied(decision).every((d) => d.reason !== 'NO_CONSENT')).toBe(true);
    expect(defineAbilityFor(other, facts, EHC).can('read', 'Child')).toBe(false);
  });

  it('an auditor sees no child record at all', () => {
    const auditor = aPrincipal({ role: 'auditor' });
    const decision = decideChildAccess(auditor, someFacts(), EHC);
    expect(decision.canSeeChild).toBe(false);
    expect(allDenied(decision)).toHaveLength(21);
    expect(allDenied(decision).every((d) => d.reason === 'NOT_PERMITTED')).toBe(true);
    // No rule grants anything; the write rules it has are refusals, each with its reason.
    const rules = defineAbilityFor(auditor, someFacts(), EHC).rules;
    expect(rules.filter((rule) => !rule.inverted)).toEqual([]);
    expect(rules.every((rule) => typeof rule.reason === 'string')).toBe(true);
  });

  it('the ability is pinned to this child: a row of another child is refused', () => {
    const ability = defineAbilityFor(senco, someFacts(), EHC);
    expect(ability.can('read', subject('Child', { id: 'child-1' }), 'givenName')).toBe(true);
    expect(ability.can('read', subject('Child', { id: 'child-2' }), 'givenName')).toBe(false);
    expect(ability.can('read', subject('EducationSection', { childId: 'child-2' }), 'senStatus')).toBe(false);
  });
});

describe('break-glass', () => {
  const socialWorker = aPrincipal({ role: 'social_worker' });
  const unknownToSocialCare = someFacts({ relationships: [], breakGlass: [aBreakGlass()] });

  it('grants the relationship and every section without consent, and says so', () => {
    const decision = decideChildAccess(socialWorker, unknownToSocialCare, EHC);
    expect(decision.canSeeChild).toBe(true);
    expect(decision.breakGlass).toBe(true);
    expect(decision.subjects.HealthSection.allowed).toEqual([
      'involvements',
      'pathwayWaits',
      'diagnoses',
      'updatedAt',
    ]);
    expect(decision.subjects.EducationSection.allowed).toContain('attendancePercent');
  });

  it('works without a purpose too (an emergency may not fit one)', () => {
    const decision = decideChildAccess(socialWorker, unknownToSocialCare, { now: NOW, purpose: null });
    expect(decision.subjects.HealthSection.allowed).toContain('diagnoses');
  });

  it('does not widen the role: a social worker still never sees SENCO notes', () => {
    const decision = decideChildAccess(socialWorker, unknownToSocialCare, EHC);
    expect(decision.subjects.EducationSection.denied).toEqual([
      { field: 'sencoNotes', reason: 'NOT_PERMITTED' },
    ]);
  });

  it('is flagged even when the relationship would have been enough', () => {
    const decision = decideChildAccess(socialWorker, someFacts({ breakGlass: [aBreakGlass()] }), EHC);
    expect(decision.breakGlass).toBe(true);
  });

  it('expired: nothing', () => {
    const decision = decideChildAccess(socialWorker, unknownToSocialCare, {
      ...EHC,
      now: new Date('2026-03-01T13:00:00.000Z'),
    });
    expect(decision).toMatchObject({ canSeeChild: false, breakGlass: false });
  });

  it('longer than 24 hours: ignored', () => {
    const facts = someFacts({
      relationships: [],
      breakGlass: [aBreakGlass({ startsAt: '2026-03-01T00:00:00Z', expiresAt: '2026-03-03T00:00:00Z' })],
    });
    expect(decideChildAccess(socialWorker, facts, EHC)).toMatchObject({
      canSeeChild: false,
      breakGlass: false,
    });
  });

  it('wrong role: a health practitioner with an entry gets nothing from it', () => {
    const practitioner = aPrincipal({ role: 'health_practitioner' });
    const facts = someFacts({ relationships: [], breakGlass: [aBreakGlass({ sub: practitioner.sub })] });
    expect(decideChildAccess(practitioner, facts, EHC)).toMatchObject({
      canSeeChild: false,
      breakGlass: false,
    });
  });

  it('an LA SEND officer under break-glass sees every field', () => {
    const officer = aPrincipal({ role: 'la_send_officer' });
    const facts = someFacts({ relationships: [], breakGlass: [aBreakGlass({ sub: officer.sub })] });
    expect(allDenied(decideChildAccess(officer, facts, EHC))).toEqual([]);
  });
});

describe('one decision per (role, assessment)', () => {
  it('two children assessed alike share one frozen decision; a different assessment gets its own', () => {
    const a = someFacts({
      childId: 'c0000000-0000-4000-8000-0000000000a1',
      consents: [healthConsentForSchools],
    });
    const b = someFacts({
      childId: 'c0000000-0000-4000-8000-0000000000b2',
      consents: [healthConsentForSchools],
    });
    const first = decideChildAccess(
      senco,
      { ...a, consents: a.consents.map((c) => ({ ...c, childId: a.childId })) },
      EHC,
    );
    const second = decideChildAccess(
      senco,
      { ...b, consents: b.consents.map((c) => ({ ...c, childId: b.childId })) },
      EHC,
    );
    expect(second).toBe(first);
    expect(Object.isFrozen(first.subjects.HealthSection.allowed)).toBe(true);
    expect(() => (first.subjects.HealthSection.allowed as string[]).push('x')).toThrow(TypeError);
    const closed = decideChildAccess(senco, { ...a, consents: [] }, EHC);
    expect(closed).not.toBe(first);
    expect(closed.subjects.HealthSection.allowed).toEqual([]);
    expect(first.subjects.HealthSection.allowed).toContain('diagnoses');
  });

  it('decisionFor gives the decision of the facts it was assessed from, for every role', () => {
    const facts = someFacts({ consents: [healthConsentForSchools], breakGlass: [aBreakGlass()] });
    for (const role of [
      'senco',
      'health_practitioner',
      'social_worker',
      'la_send_officer',
      'parent_carer',
      'young_person',
      'auditor',
    ] as const) {
      const principal = aPrincipal({ role });
      const assessment = assessChildAccess(principal, facts, EHC);
      expect(decisionFor(principal, assessment)).toEqual(decideChildAccess(principal, facts, EHC));
      // The ability (built per child, not shared) agrees field by field.
      const ability = defineAbilityFor(principal, facts, EHC);
      for (const s of SUBJECT_NAMES) {
        for (const field of decisionFor(principal, assessment).subjects[s].allowed)
          expect(ability.can('read', s, field)).toBe(true);
      }
    }
  });
});
