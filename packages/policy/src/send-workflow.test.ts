import { describe, expect, it } from 'vitest';
import { aBreakGlass, aConsent, aPrincipal, someFacts } from './builders.ts';
import {
  canConfirmFamilyItem,
  canEditFamilyInformation,
  canManageEhcWorkflow,
  canReadHealthAdvice,
  canReadHealthAdviceDraft,
  canSeeFamilyInformation,
  canSeeKpis,
  canWriteHealthAdvice,
} from './send-workflow.ts';
import { ROLES } from './vocabulary.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const OVER_16 = '2008-01-01';
const healthToLa = aConsent({
  domain: 'health',
  recipientOrgType: 'local_authority',
  purpose: 'ehc_assessment',
});

describe('family information', () => {
  it('is edited by the parent carer of an under-16 and by the young person from 16, nobody else', () => {
    const under16 = someFacts();
    const over16 = someFacts({ dateOfBirth: OVER_16, parentAccessConfirmedByYoungPerson: true });
    const edits = (role: (typeof ROLES)[number], facts = under16) =>
      canEditFamilyInformation(aPrincipal({ role }), facts, NOW).allowed;
    expect(ROLES.filter((r) => edits(r))).toEqual(['parent_carer']);
    expect(ROLES.filter((r) => edits(r, over16))).toEqual(['young_person']);
  });

  it('is seen by every partner with a relationship and the family, without consent; not by auditors or strangers', () => {
    const facts = someFacts({ consents: [] });
    const sees = ROLES.filter((role) => canSeeFamilyInformation(aPrincipal({ role }), facts, NOW).allowed);
    expect(sees).toEqual([
      'senco',
      'health_practitioner',
      'social_worker',
      'la_send_officer',
      'parent_carer',
    ]);
    expect(
      canSeeFamilyInformation(aPrincipal({ role: 'senco', orgId: 'school-9' }), facts, NOW),
    ).toMatchObject({ allowed: false });
  });

  it('break-glass opens reading but never confirming', () => {
    const facts = someFacts({ relationships: [], breakGlass: [aBreakGlass()] });
    const sw = aPrincipal({ role: 'social_worker' });
    const during = new Date('2026-03-01T10:00:00.000Z');
    expect(canSeeFamilyInformation(sw, facts, during).allowed).toBe(true);
    expect(canConfirmFamilyItem(sw, facts, during).allowed).toBe(false);
  });

  it('only partners involved with the child confirm items', () => {
    const facts = someFacts();
    const confirms = ROLES.filter((role) => canConfirmFamilyItem(aPrincipal({ role }), facts, NOW).allowed);
    expect(confirms).toEqual(['senco', 'health_practitioner', 'social_worker', 'la_send_officer']);
    expect(
      canConfirmFamilyItem(aPrincipal({ role: 'health_practitioner', orgId: 'trust-9' }), facts, NOW).allowed,
    ).toBe(false);
  });
});

describe('EHC workflow', () => {
  it('only the responsible LA SEND officer records dates', () => {
    const facts = someFacts();
    expect(ROLES.filter((role) => canManageEhcWorkflow(aPrincipal({ role }), facts, NOW).allowed)).toEqual([
      'la_send_officer',
    ]);
    expect(
      canManageEhcWorkflow(aPrincipal({ role: 'la_send_officer', orgId: 'la-2' }), facts, NOW).allowed,
    ).toBe(false);
  });
});

describe('health advice', () => {
  const hp = aPrincipal({ role: 'health_practitioner' });
  it('needs a health practitioner, an active involvement and consent health → LA for the EHC assessment', () => {
    expect(canWriteHealthAdvice(hp, someFacts({ consents: [healthToLa] }), NOW)).toEqual({ allowed: true });
    expect(canWriteHealthAdvice(hp, someFacts(), NOW)).toMatchObject({ allowed: false, code: 'NO_CONSENT' });
    const otherPurpose = aConsent({ ...healthToLa, purpose: 'annual_review' });
    expect(canWriteHealthAdvice(hp, someFacts({ consents: [otherPurpose] }), NOW).code).toBe('NO_CONSENT');
    const withdrawn = aConsent({ ...healthToLa, withdrawnAt: '2026-02-01T00:00:00.000Z' });
    expect(canWriteHealthAdvice(hp, someFacts({ consents: [withdrawn] }), NOW).code).toBe('NO_CONSENT');
    const ended = someFacts({
      consents: [healthToLa],
      relationships: [{ orgId: 'icb-1', kind: 'involvement', active: false }],
    });
    expect(canWriteHealthAdvice(hp, ended, NOW)).toMatchObject({ allowed: false, code: 'FORBIDDEN' });
    for (const role of ROLES.filter((r) => r !== 'health_practitioner')) {
      expect(
        canWriteHealthAdvice(aPrincipal({ role }), someFacts({ consents: [healthToLa] }), NOW).allowed,
      ).toBe(false);
    }
  });

  it('submitted advice reads like the health section; drafts only within the authoring organisation', () => {
    const la = aPrincipal({ role: 'la_send_officer' });
    const opts = { now: NOW, purpose: 'ehc_assessment' as const };
    expect(canReadHealthAdvice(la, someFacts(), opts).allowed).toBe(false);
    expect(canReadHealthAdvice(la, someFacts({ consents: [healthToLa] }), opts).allowed).toBe(true);
    expect(
      canReadHealthAdvice(la, someFacts({ consents: [healthToLa] }), { now: NOW, purpose: null }).allowed,
    ).toBe(false);
    expect(canReadHealthAdvice(hp, someFacts(), opts).allowed).toBe(true);
    expect(canReadHealthAdvice(aPrincipal({ role: 'parent_carer' }), someFacts(), opts).allowed).toBe(true);
    expect(canReadHealthAdvice(aPrincipal({ role: 'auditor' }), someFacts(), opts).allowed).toBe(false);
    expect(canReadHealthAdviceDraft(hp, 'icb-1')).toBe(true);
    expect(canReadHealthAdviceDraft(hp, 'trust-1')).toBe(false);
    expect(canReadHealthAdviceDraft(la, 'la-1')).toBe(false);
  });
});

describe('KPI dashboard', () => {
  it('is for the LA and the partner agencies, not families or auditors', () => {
    expect(ROLES.filter((role) => canSeeKpis(aPrincipal({ role })).allowed)).toEqual([
      'senco',
      'health_practitioner',
      'social_worker',
      'la_send_officer',
    ]);
    expect(canSeeKpis(aPrincipal({ role: 'la_send_officer', orgType: 'school' })).allowed).toBe(false);
  });
});
