import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assessChildAccess, canWrite } from './ability.ts';
import { aBreakGlass, aConsent, aPrincipal, someFacts } from './builders.ts';
import { type ConsentKind, consentKindsConsulted, isOfKind } from './consent-kinds.ts';
import type { ChildAccessFacts } from './facts.ts';
import type { Principal } from './principal.ts';
import { DOMAINS, ORG_TYPES, PURPOSES, type Purpose, ROLES } from './vocabulary.ts';
import { WRITE_CHECKS } from './writes.ts';

/**
 * The record reads a page's access facts with only the consents `consentKindsConsulted` names
 * (services/record access-facts-query.ts), whose decisions come from the caller's ability alone.
 * That is safe only if none of the ability's decisions can tell the difference: the read
 * assessment and every write, on random facts holding consents of every kind, the same with all of
 * them and with the named ones.
 */
const instant = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2032, 0, 1) }).map((t) => new Date(t));
const iso = instant.map((d) => d.toISOString());
// Mostly live consents (started, open-ended, not withdrawn), so that many of them open sections.
const mostlyNull = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: iso });
const started = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2024, 0, 1) })
  .map((t) => new Date(t).toISOString());
const consent = fc.record({
  domain: fc.constantFrom(...DOMAINS),
  // Mostly the partners' types (the ones consent is given to), sometimes any.
  recipientOrgType: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('school', 'health', 'social_care', 'local_authority' as const) },
    { weight: 1, arbitrary: fc.constantFrom(...ORG_TYPES) },
  ),
  purpose: fc.constantFrom(...PURPOSES),
  byYoungPerson: fc.boolean(),
  startsAt: fc.oneof(started, iso),
  expiresAt: mostlyNull,
  withdrawnAt: mostlyNull,
  confirmedAt: mostlyNull,
});
const drawnFacts = fc.record({
  dateOfBirth: fc.constantFrom('2015-06-01', '2010-07-01', '2009-09-01', '2008-01-01'),
  consents: fc.array(consent, { maxLength: 14 }),
  breakGlass: fc.option(instant, { nil: null }),
  related: fc.oneof(
    { weight: 3, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
});
const principal = fc
  .constantFrom(...ROLES)
  .chain((role) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(aPrincipal({ role })) },
      { weight: 1, arbitrary: fc.constant(aPrincipal({ role, orgId: 'another-org' })) },
    ),
  );
const purpose = fc.option(fc.constantFrom(...PURPOSES), { nil: null });

function factsOf(drawn: DrawnFacts): ChildAccessFacts {
  const base = someFacts({ dateOfBirth: drawn.dateOfBirth });
  return {
    ...base,
    relationships: drawn.related ? base.relationships : [],
    consents: drawn.consents.map((c, i) =>
      aConsent({
        id: `consent-${i}`,
        domain: c.domain,
        recipientOrgType: c.recipientOrgType,
        purpose: c.purpose,
        grantedBySub: c.byYoungPerson ? (base.youngPersonSub ?? 'nobody') : base.parentCarerSubs[0]!,
        grantedByRole: c.byYoungPerson ? 'young_person' : 'parent_carer',
        startsAt: c.startsAt,
        expiresAt: c.expiresAt,
        withdrawnAt: c.withdrawnAt,
        confirmedByYoungPersonAt: c.confirmedAt,
      }),
    ),
    breakGlass: drawn.breakGlass
      ? [
          aBreakGlass({
            startsAt: drawn.breakGlass.toISOString(),
            expiresAt: new Date(drawn.breakGlass.getTime() + 4 * 3_600_000).toISOString(),
          }),
        ]
      : [],
  };
}
type DrawnFacts = typeof drawnFacts extends fc.Arbitrary<infer T> ? T : never;

/** Runs the property with `kindsFor` as the filter; returns fast-check's report. */
function check(kindsFor: (p: Principal, purpose: Purpose | null) => ConsentKind[], runs: number) {
  let removed = 0;
  let openedByConsent = 0;
  const report = fc.check(
    fc.property(principal, purpose, drawnFacts, instant, (p, why, drawn, now) => {
      const full = factsOf(drawn);
      const kinds = kindsFor(p, why);
      const filtered = { ...full, consents: full.consents.filter((c) => isOfKind(c, kinds)) };
      if (filtered.consents.length < full.consents.length) removed++;
      const before = assessChildAccess(p, full, { now, purpose: why });
      const after = assessChildAccess(p, filtered, { now, purpose: why });
      if (
        before.openSections.length >
        assessChildAccess(p, { ...full, consents: [] }, { now, purpose: why }).openSections.length
      )
        openedByConsent++;
      expect(after).toEqual(before);
      for (const write of WRITE_CHECKS)
        expect(canWrite(p, filtered, now, write)).toEqual(canWrite(p, full, now, write));
    }),
    { numRuns: runs, seed: 20261203 },
  );
  return { report, removed, openedByConsent };
}

describe('consentKindsConsulted', () => {
  it('leaves every decision for the caller and purpose as it was', () => {
    const { report, removed, openedByConsent } = check(consentKindsConsulted, 1500);
    expect(report.failed, String(report.counterexample)).toBe(false);
    // Not vacuous (the seed is fixed): most draws lost consents to the filter, and in dozens the
    // consents kept opened sections.
    expect(removed).toBeGreaterThan(1000);
    expect(openedByConsent).toBeGreaterThan(15);
  });

  it('is what the test rests on: leaving out the advice rule’s kind is caught', () => {
    const readsOnly = (p: Principal, why: Purpose | null): ConsentKind[] =>
      why === null ? [] : [{ recipientOrgType: p.orgType, purpose: why }];
    expect(check(readsOnly, 1500).report.failed).toBe(true);
  });

  it('is what the test rests on: leaving out the caller’s own kind is caught', () => {
    const adviceOnly = (p: Principal, why: Purpose | null): ConsentKind[] =>
      consentKindsConsulted(p, why).filter(
        (k) =>
          k.recipientOrgType === 'local_authority' &&
          k.purpose === 'ehc_assessment' &&
          p.orgType !== 'local_authority',
      );
    expect(check(adviceOnly, 1500).report.failed).toBe(true);
  });

  it('names the caller’s own kind for the purpose, and the LA’s for advice writers', () => {
    const la = aPrincipal({ role: 'la_send_officer' });
    expect(consentKindsConsulted(la, 'ehc_assessment')).toEqual([
      { recipientOrgType: 'local_authority', purpose: 'ehc_assessment' },
    ]);
    expect(consentKindsConsulted(la, null)).toEqual([]);
    expect(consentKindsConsulted(aPrincipal({ role: 'health_practitioner' }), 'annual_review')).toEqual([
      { recipientOrgType: 'health', purpose: 'annual_review' },
      { recipientOrgType: 'local_authority', purpose: 'ehc_assessment' },
    ]);
    expect(consentKindsConsulted(aPrincipal({ role: 'parent_carer' }), null)).toEqual([]);
  });
});
