import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canWrite, decideWrite, defineAbilityFor, type HubAbility } from './ability.ts';
import { aBreakGlass, aConsent, aPrincipal, someFacts } from './builders.ts';
import type { CapacityRepresentativeEntry, ChildAccessFacts } from './facts.ts';
import type { Principal } from './principal.ts';
import { DOMAINS, ROLES } from './vocabulary.ts';
import {
  REFUSALS,
  type RefusalCode,
  WRITE_CHECKS,
  WRITES,
  WRITES_WITHOUT_CHILD,
  type WriteCheck,
} from './writes.ts';

/**
 * Every write is a rule of the CASL ability: these tests take the rules out of (or change them
 * in) a built ability and watch the decision follow, so nothing but the ability decides. The
 * decisions themselves are specified by the hand-written grids (policy-matrix.test.ts,
 * send-workflow.test.ts, consent.test.ts, decision-maker.test.ts).
 */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const OVER_16 = '2008-01-01';
const toLa = DOMAINS.map((domain, i) =>
  aConsent({ id: `la-${i}`, domain, recipientOrgType: 'local_authority', purpose: 'ehc_assessment' }),
);
const youngPersonsOwn = someFacts({ dateOfBirth: OVER_16, consents: [] });

/** For every write, someone who may make it on the demo child. */
const GRANTED: Record<string, { principal: Principal; facts: ChildAccessFacts }> = {
  'give Consent': { principal: aPrincipal({ role: 'parent_carer' }), facts: someFacts() },
  'withdraw Consent': { principal: aPrincipal({ role: 'parent_carer' }), facts: someFacts() },
  'confirm Consent': { principal: aPrincipal({ role: 'young_person' }), facts: youngPersonsOwn },
  'decide ParentCarerAccess': { principal: aPrincipal({ role: 'young_person' }), facts: youngPersonsOwn },
  'open BreakGlass': { principal: aPrincipal({ role: 'social_worker' }), facts: someFacts() },
  'record CapacityRepresentative': { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
  'edit FamilyInformation': { principal: aPrincipal({ role: 'parent_carer' }), facts: someFacts() },
  'confirm FamilyInformation': { principal: aPrincipal({ role: 'senco' }), facts: someFacts() },
  'record EhcAssessment': { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
  'write HealthAdvice': {
    principal: aPrincipal({ role: 'health_practitioner' }),
    facts: someFacts({ consents: toLa }),
  },
  'write EducationalAdvice': {
    principal: aPrincipal({ role: 'senco' }),
    facts: someFacts({ consents: toLa }),
  },
  'write SocialCareAdvice': {
    principal: aPrincipal({ role: 'social_worker' }),
    facts: someFacts({ consents: toLa }),
  },
  'review IdentityIndex': { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
};

const name = ([action, subject]: WriteCheck) => `${action} ${subject}`;
const rulesOf = (ability: HubAbility, [action, subject]: WriteCheck) =>
  ability.rules.filter((r) => r.action === action && r.subject === subject);
const without = (ability: HubAbility, check: WriteCheck) =>
  ability.rules.filter((r) => !rulesOf(ability, check).includes(r));

describe('writes in the CASL ability', () => {
  it('every write of WRITES has an example above', () => {
    expect(WRITE_CHECKS.map(name).sort()).toEqual(Object.keys(GRANTED).sort());
    expect(WRITE_CHECKS).toHaveLength(Object.values(WRITES).flat().length);
  });

  it.each(WRITE_CHECKS.map((check) => ({ check, write: name(check) })))(
    '$write: granted by its rule; without the rule refused (deny by default); with it inverted, refused with its reason',
    ({ check }) => {
      const { principal, facts } = GRANTED[name(check)]!;
      const ability = defineAbilityFor(principal, facts, { now: NOW, purpose: null });
      expect(decideWrite(ability, principal, check, facts.childId)).toEqual({ allowed: true });
      const [rule, ...more] = rulesOf(ability, check);
      expect(more).toEqual([]);
      expect(rule?.inverted).toBeFalsy();

      ability.update(without(ability, check));
      expect(decideWrite(ability, principal, check, facts.childId)).toEqual({
        allowed: false,
        code: 'NOT_GRANTED',
        reason: 'You may not do this.',
        audit: 'NOT_PERMITTED',
      });

      ability.update([...ability.rules, { ...rule!, inverted: true, reason: 'NOT_INVOLVED' }]);
      expect(decideWrite(ability, principal, check, facts.childId)).toMatchObject({
        allowed: false,
        code: 'NOT_INVOLVED',
        reason: REFUSALS.NOT_INVOLVED.message,
      });
    },
  );

  it("no write uses CASL's wildcards (manage: any action, all: any subject)", () => {
    expect(
      WRITE_CHECKS.filter(
        ([action, subject]) => action === ('manage' as string) || subject === ('all' as string),
      ),
    ).toEqual([]);
  });

  it('an action or subject the ability has no rule for is refused', () => {
    const { principal, facts } = GRANTED['give Consent']!;
    const ability = defineAbilityFor(principal, facts, { now: NOW, purpose: null });
    const refused = { allowed: false, code: 'NOT_GRANTED', reason: 'You may not do this.' };
    for (const check of [
      ['delete', 'Consent'],
      ['give', 'Child'],
      ['read', 'Consent'],
      ['write', 'Passport'],
    ]) {
      expect(decideWrite(ability, principal, check as unknown as WriteCheck, facts.childId)).toMatchObject(
        refused,
      );
    }
  });

  it("the rules are pinned to their child: the same write on another child's record matches none", () => {
    for (const check of WRITE_CHECKS.filter(([, subject]) => !WRITES_WITHOUT_CHILD.has(subject))) {
      const { principal, facts } = GRANTED[name(check)]!;
      const ability = defineAbilityFor(principal, facts, { now: NOW, purpose: null });
      expect(rulesOf(ability, check)[0]?.conditions).toEqual({ childId: facts.childId });
      expect(decideWrite(ability, principal, check, 'another-child')).toMatchObject({ code: 'NOT_GRANTED' });
    }
    // Break-glass needs no relationship: its rule has no child, and is there before any facts.
    const sw = aPrincipal({ role: 'social_worker' });
    expect(
      decideWrite(defineAbilityFor(sw, null, { now: NOW, purpose: null }), sw, ['open', 'BreakGlass'], null),
    ).toEqual({ allowed: true });
    const senco = aPrincipal({ role: 'senco' });
    expect(
      decideWrite(
        defineAbilityFor(senco, null, { now: NOW, purpose: null }),
        senco,
        ['open', 'BreakGlass'],
        null,
      ),
    ).toMatchObject({ code: 'BREAK_GLASS_ROLE', reason: 'Role senco may not use break-glass.' });
    // The council's review of its identity index needs no child either: the SEND officer's alone.
    const officer = aPrincipal({ role: 'la_send_officer' });
    expect(
      decideWrite(
        defineAbilityFor(officer, null, { now: NOW, purpose: null }),
        officer,
        ['review', 'IdentityIndex'],
        null,
      ),
    ).toEqual({ allowed: true });
    expect(
      decideWrite(
        defineAbilityFor(sw, null, { now: NOW, purpose: null }),
        sw,
        ['review', 'IdentityIndex'],
        null,
      ),
    ).toMatchObject({
      code: 'COUNCIL_REVIEWS_IDENTITY',
      reason: "Only the council's SEND team reviews identity matches.",
    });
    // Without a child, no rule of a write on a child.
    expect(
      defineAbilityFor(sw, null, { now: NOW, purpose: null })
        .rules.map((r) => r.subject)
        .sort(),
    ).toEqual([...WRITES_WITHOUT_CHILD].sort());
  });

  it('every refusal is a code of the one table, and every code but NOT_GRANTED is some rule’s reason', () => {
    const representative: CapacityRepresentativeEntry = {
      id: 'rep-1',
      sub: 'demo-deputy-1',
      basis: 'deputy',
      recordedAt: '2026-01-01T00:00:00Z',
      reviewBy: '2027-01-01',
      endedAt: null,
    };
    const facts = [
      someFacts(),
      someFacts({ dateOfBirth: OVER_16 }),
      someFacts({ dateOfBirth: OVER_16, capacityRepresentatives: [representative] }),
    ];
    const principals = ROLES.flatMap((role) => [
      aPrincipal({ role }),
      aPrincipal({ role, sub: 'someone-else', orgId: 'another-org' }),
      { ...aPrincipal({ role }), orgType: role === 'senco' ? ('health' as const) : ('school' as const) },
    ]);
    const reasons = new Set<string>();
    for (const f of facts) {
      for (const p of principals) {
        for (const rule of defineAbilityFor(p, f, { now: NOW, purpose: null }).rules) {
          if (rule.inverted) reasons.add(rule.reason!);
          else expect(rule.reason).toBeUndefined();
        }
      }
    }
    const codes = Object.keys(REFUSALS) as RefusalCode[];
    expect([...reasons].filter((r) => !codes.includes(r as RefusalCode))).toEqual([]);
    expect(codes.filter((c) => !reasons.has(c))).toEqual(['NOT_GRANTED']);
  });
});

describe('canWrite: one write decided on the rules of its subject alone', () => {
  // The decision of the whole ability (every write rule and the read rules, defineAbilityFor) is
  // the oracle; canWrite builds only the asked subject's rules. Drawn so that both grants and
  // every kind of refusal come up: any role, of the child's organisations or another, any family
  // member; a child under or over compulsory school age, with or without consents, break-glass,
  // a representative, the young person's access decision; any instant; any write; or no child.
  const ORG_IDS = ['school-1', 'icb-1', 'sc-1', 'la-1', 'another-org', 'family'];
  const SUBS = [
    'demo-parent-1',
    'demo-parent-2',
    'demo-young-person-1',
    'demo-deputy-1',
    'demo-social-worker-1',
  ];
  const instant = fc
    .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2032, 0, 1) })
    .map((t) => new Date(t));
  const iso = instant.map((d) => d.toISOString());
  const principal = fc
    .record({
      role: fc.constantFrom(...ROLES),
      sub: fc.constantFrom(...SUBS),
      orgId: fc.constantFrom(...ORG_IDS),
    })
    .chain(({ role, sub, orgId }) =>
      fc.constantFrom(aPrincipal({ role }), aPrincipal({ role, sub }), aPrincipal({ role, sub, orgId })),
    );
  const facts = fc.record({
    dateOfBirth: fc.constantFrom('2012-05-01', OVER_16, '2009-08-31', '2009-09-01', '2010-07-01'),
    youngPersonSub: fc.option(fc.constant('demo-young-person-1'), { nil: null }),
    parentAccessConfirmedByYoungPerson: fc.boolean(),
    consents: fc.subarray(toLa),
    withdrawn: fc.option(iso, { nil: null }),
    breakGlass: fc.option(instant, { nil: null }),
    representative: fc.option(fc.record({ recordedAt: iso, endedAt: fc.option(iso, { nil: null }) }), {
      nil: null,
    }),
  });
  const check = fc.constantFrom(...WRITE_CHECKS);

  it('gives exactly the decision of the whole ability', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(principal, fc.option(facts, { nil: null }), instant, check, (p, drawn, now, write) => {
        const f =
          drawn &&
          someFacts({
            dateOfBirth: drawn.dateOfBirth,
            youngPersonSub: drawn.youngPersonSub,
            parentAccessConfirmedByYoungPerson: drawn.parentAccessConfirmedByYoungPerson,
            consents: drawn.consents.map((c) => ({ ...c, withdrawnAt: drawn.withdrawn })),
            breakGlass: drawn.breakGlass
              ? [
                  aBreakGlass({
                    startsAt: drawn.breakGlass.toISOString(),
                    expiresAt: new Date(drawn.breakGlass.getTime() + 4 * 3_600_000).toISOString(),
                  }),
                ]
              : [],
            capacityRepresentatives: drawn.representative
              ? [
                  {
                    id: 'rep',
                    sub: 'demo-deputy-1',
                    basis: 'deputy',
                    recordedAt: drawn.representative.recordedAt,
                    reviewBy: '2035-01-01',
                    endedAt: drawn.representative.endedAt,
                  },
                ]
              : [],
          });
        const whole = decideWrite(
          defineAbilityFor(p, f, { now, purpose: null }),
          p,
          write,
          f?.childId ?? null,
        );
        expect(canWrite(p, f, now, write)).toEqual(whole);
        seen.add(whole.allowed ? 'granted' : whole.code);
      }),
      { numRuns: 4000 },
    );
    // Not a vacuous agreement: grants and most refusal codes were drawn.
    expect(seen.has('granted')).toBe(true);
    expect(seen.size).toBeGreaterThan(10);
  });
});
