import {
  type ChildAccessFacts,
  DOMAINS,
  defineAbilityFor,
  type Principal,
  WRITE_CHECKS,
  type WriteCheck,
} from '@hub/policy';
import { aConsent, aPrincipal, someFacts } from '@hub/policy/testing';
import { describe, expect, it } from 'vitest';
import { type AbilityFor, openDoor } from './door.ts';
import { isHubError } from './errors.ts';

/**
 * The door's write verbs (require, SeenChild.require, gate with a write) decide with the
 * caller's CASL ability and nothing else: the same door over an ability with one rule taken out
 * refuses that write, and a write the ability has no rule for is refused.
 */
const CHILD = 'child-1';
const toLa = DOMAINS.map((domain, i) =>
  aConsent({ id: `la-${i}`, domain, recipientOrgType: 'local_authority', purpose: 'ehc_assessment' }),
);
const over16 = someFacts({ dateOfBirth: '2008-01-01' });

/** Someone who may make each write on the child, as the policy's own grids have it. */
const WHO: Record<string, { principal: Principal; facts: ChildAccessFacts }> = {
  Consent: { principal: aPrincipal({ role: 'parent_carer' }), facts: someFacts() },
  'confirm Consent': { principal: aPrincipal({ role: 'young_person' }), facts: over16 },
  ParentCarerAccess: { principal: aPrincipal({ role: 'young_person' }), facts: over16 },
  BreakGlass: { principal: aPrincipal({ role: 'social_worker' }), facts: someFacts() },
  CapacityRepresentative: { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
  FamilyInformation: { principal: aPrincipal({ role: 'parent_carer' }), facts: someFacts() },
  'confirm FamilyInformation': { principal: aPrincipal({ role: 'senco' }), facts: someFacts() },
  EhcAssessment: { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
  HealthAdvice: {
    principal: aPrincipal({ role: 'health_practitioner' }),
    facts: someFacts({ consents: toLa }),
  },
  EducationalAdvice: { principal: aPrincipal({ role: 'senco' }), facts: someFacts({ consents: toLa }) },
  SocialCareAdvice: {
    principal: aPrincipal({ role: 'social_worker' }),
    facts: someFacts({ consents: toLa }),
  },
  IdentityIndex: { principal: aPrincipal({ role: 'la_send_officer' }), facts: someFacts() },
};
const who = ([action, subject]: WriteCheck) => WHO[`${action} ${subject}`] ?? WHO[subject]!;

function door(principal: Principal, facts: ChildAccessFacts, abilityFor?: AbilityFor) {
  return openDoor({
    caller: () => ({ principal, purpose: null }),
    load: async () => ({ facts: new Map([[CHILD, facts]]) }),
    ...(abilityFor ? { abilityFor } : {}),
  });
}

/** The real ability, less the rule(s) of one write. */
const withoutRule =
  ([action, subject]: WriteCheck): AbilityFor =>
  (caller, facts, now) => {
    const ability = defineAbilityFor(caller.principal, facts, { now, purpose: caller.purpose });
    ability.update(ability.rules.filter((r) => !(r.action === action && r.subject === subject)));
    return ability;
  };

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isHubError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return { code: error.code, message: error.message };
}

const checks = WRITE_CHECKS.map((check) => ({ check, write: check.join(' ') }));

describe('the door decides every write with the CASL ability', () => {
  it.each(checks)('$write: allowed by the ability, reported as the write', async ({ check }) => {
    const { principal, facts } = who(check);
    const d = door(principal, facts);
    await d.door.require(CHILD, check, { action: 'someMutation' });
    expect(d.reports()).toEqual([
      {
        childId: CHILD,
        subject: check[1],
        action: 'someMutation',
        fieldsReturned: [],
        fieldsDenied: [],
        breakGlass: false,
      },
    ]);
  });

  it.each(checks)(
    '$write: the same door without the ability’s rule refuses it (reported)',
    async ({ check }) => {
      const { principal, facts } = who(check);
      const d = door(principal, facts, withoutRule(check));
      expect(await refusal(d.door.require(CHILD, check, { action: 'someMutation' }))).toEqual({
        code: 'FORBIDDEN',
        message: 'You may not do this.',
      });
      expect(d.reports()).toEqual([
        {
          childId: CHILD,
          subject: check[1],
          action: 'someMutation',
          fieldsReturned: [],
          fieldsDenied: [{ field: 'someMutation', reason: 'NOT_PERMITTED' }],
          breakGlass: false,
        },
      ]);
      // A seen child's require and a gate on the write ask the same ability.
      const seen = await door(principal, facts, withoutRule(check)).door.see(CHILD);
      expect(() => seen.require(check, { action: 'someMutation' })).toThrow('You may not do this.');
      const gate = await d.door.gate([CHILD], check, {
        subject: check[1],
        field: 'someField',
        deniedReason: 'NOT_PERMITTED',
      });
      expect(isHubError(gate.get(CHILD))).toBe(true);
      const allowed = await door(principal, facts).door.gate([CHILD], check, {
        subject: check[1],
        field: 'someField',
        deniedReason: 'NOT_PERMITTED',
      });
      expect(isHubError(allowed.get(CHILD))).toBe(false);
    },
  );

  it('an action the ability has no rule for is refused', async () => {
    const { principal, facts } = WHO.EhcAssessment!;
    for (const check of [
      ['delete', 'EhcAssessment'],
      ['record', 'Child'],
      ['read', 'EhcAssessment'],
    ]) {
      const d = door(principal, facts);
      expect(await refusal(d.door.require(CHILD, check as unknown as WriteCheck, { action: 'x' }))).toEqual({
        code: 'FORBIDDEN',
        message: 'You may not do this.',
      });
      expect(d.reports()[0]?.fieldsDenied).toEqual([{ field: 'x', reason: 'NOT_PERMITTED' }]);
    }
  });

  it("a refusal carries the rule's message and its audit reason", async () => {
    const hp = aPrincipal({ role: 'health_practitioner' });
    const d = door(hp, someFacts());
    expect(
      await refusal(d.door.require(CHILD, ['write', 'HealthAdvice'], { action: 'createHealthAdviceDraft' })),
    ).toEqual({
      code: 'FORBIDDEN',
      message:
        'The family has not agreed to share health information with the local authority for the EHC needs assessment.',
    });
    expect(d.reports()[0]?.fieldsDenied).toEqual([
      { field: 'createHealthAdviceDraft', reason: 'NO_CONSENT' },
    ]);
  });
});
