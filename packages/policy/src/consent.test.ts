import { describe, expect, it } from 'vitest';
import { aConsent, aPrincipal, someFacts } from './builders.ts';
import { activeConsents, canManageConsent } from './consent.ts';
import type { ConsentRecord } from './facts.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const BEFORE = '2026-02-01T00:00:00.000Z';
const AFTER = '2026-04-01T00:00:00.000Z';

/** Is this one consent active for the default under-16 child (or the facts given)? */
function counts(consent: Partial<ConsentRecord>, facts = someFacts(), now = NOW): boolean {
  const c = aConsent(consent);
  return activeConsents({ ...facts, consents: [c] }, now).includes(c);
}

describe('activeConsents: time', () => {
  it('counts a started, open-ended consent', () => {
    expect(counts({})).toBe(true);
  });

  it('does not count a consent that has not started yet', () => {
    expect(counts({ startsAt: AFTER })).toBe(false);
  });

  it('withdrawal in the past stops it; a withdrawal scheduled for the future does not yet', () => {
    expect(counts({ withdrawnAt: BEFORE })).toBe(false);
    expect(counts({ withdrawnAt: AFTER })).toBe(true);
    // Withdrawal takes effect at its instant.
    expect(counts({ withdrawnAt: NOW.toISOString() })).toBe(false);
  });

  it('expiry: active until the instant it expires', () => {
    expect(counts({ expiresAt: AFTER })).toBe(true);
    expect(counts({ expiresAt: BEFORE })).toBe(false);
    expect(counts({ expiresAt: NOW.toISOString() })).toBe(false);
  });

  it('unreadable timestamps deny', () => {
    expect(counts({ startsAt: 'soon' })).toBe(false);
    expect(counts({ expiresAt: 'never' })).toBe(false);
    expect(counts({ withdrawnAt: 'garbage' })).toBe(false);
  });

  it("ignores a consent recorded against another child's id", () => {
    expect(counts({ childId: 'child-2' })).toBe(false);
  });
});

describe('activeConsents: who may grant', () => {
  const under16 = someFacts({ dateOfBirth: '2015-06-01' });
  // 16th birthday is NOW's date, but they stay a child until the end of compulsory school age:
  // Friday 26 June 2026 (the school year 2025-26 ends); the young person decides from 27 June.
  const sixteen = someFacts({ dateOfBirth: '2010-03-01' });
  const LAST_DAY = new Date('2026-06-26T12:00:00.000Z');
  const HANDOVER = new Date('2026-06-27T12:00:00.000Z');

  it('under 16: a parent carer with parental responsibility', () => {
    expect(counts({ grantedByRole: 'parent_carer', grantedBySub: 'demo-parent-1' }, under16)).toBe(true);
  });

  it('under 16: not someone who is not listed as a parent carer', () => {
    expect(counts({ grantedByRole: 'parent_carer', grantedBySub: 'demo-neighbour-1' }, under16)).toBe(false);
  });

  it('under 16: not the child themself', () => {
    expect(counts({ grantedByRole: 'young_person', grantedBySub: 'demo-young-person-1' }, under16)).toBe(
      false,
    );
  });

  it("a parent carer's consent stops counting at the end of compulsory school age, not the 16th birthday", () => {
    const parentGrant = { grantedByRole: 'parent_carer', grantedBySub: 'demo-parent-1' } as const;
    const dayBefore = new Date('2026-02-28T12:00:00.000Z');
    expect(counts(parentGrant, sixteen, dayBefore)).toBe(true);
    expect(counts(parentGrant, sixteen, NOW)).toBe(true);
    expect(counts(parentGrant, sixteen, LAST_DAY)).toBe(true);
    expect(counts(parentGrant, sixteen, HANDOVER)).toBe(false);
  });

  it('…unless the young person confirmed it once they decided', () => {
    const parentGrant = { grantedByRole: 'parent_carer', grantedBySub: 'demo-parent-1' } as const;
    const confirmed = (at: string) => ({ ...parentGrant, confirmedByYoungPersonAt: at });
    expect(counts(confirmed('2026-06-27T09:00:00.000Z'), sixteen, HANDOVER)).toBe(true);
    // A "confirmation" given before the handover (at 15, or at 16 still of school age) was not theirs to give.
    expect(counts(confirmed('2026-02-20T09:00:00.000Z'), sixteen, HANDOVER)).toBe(false);
    expect(counts(confirmed('2026-03-01T09:00:00.000Z'), sixteen, HANDOVER)).toBe(false);
    // Nor does one dated in the future.
    expect(counts(confirmed('2026-07-01T00:00:00.000Z'), sixteen, HANDOVER)).toBe(false);
  });

  it('over compulsory school age: the young person themself, by their own login', () => {
    const own = { grantedByRole: 'young_person', grantedBySub: 'demo-young-person-1' } as const;
    expect(counts(own, sixteen, HANDOVER)).toBe(true);
    expect(counts(own, sixteen, NOW)).toBe(false);
    expect(
      counts({ grantedByRole: 'young_person', grantedBySub: 'demo-someone-else' }, sixteen, HANDOVER),
    ).toBe(false);
  });
});

describe('canManageConsent', () => {
  const parent = aPrincipal({ role: 'parent_carer' });
  const youngPerson = aPrincipal({ role: 'young_person' });
  const under16 = someFacts({ dateOfBirth: '2015-06-01' });
  const over16 = someFacts({ dateOfBirth: '2009-01-15', parentAccessConfirmedByYoungPerson: true });

  it('the parent carer of an under-16', () => {
    expect(canManageConsent(parent, under16, NOW)).toEqual({ allowed: true });
  });

  it('not a parent carer of a 16+ young person, even one who may still see the record', () => {
    const decision = canManageConsent(parent, over16, NOW);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toMatch(/the school year in which they turn 16 \(the last Friday in June\)/);
  });

  it('the young person at 16+, not before', () => {
    expect(canManageConsent(youngPerson, over16, NOW)).toEqual({ allowed: true });
    expect(canManageConsent(youngPerson, under16, NOW).allowed).toBe(false);
  });

  it('not another family, nor any professional', () => {
    expect(
      canManageConsent(aPrincipal({ role: 'parent_carer', sub: 'demo-parent-9' }), under16, NOW).allowed,
    ).toBe(false);
    expect(
      canManageConsent(aPrincipal({ role: 'young_person', sub: 'demo-yp-9' }), over16, NOW).allowed,
    ).toBe(false);
    for (const role of [
      'senco',
      'health_practitioner',
      'social_worker',
      'la_send_officer',
      'auditor',
    ] as const) {
      expect(canManageConsent(aPrincipal({ role }), under16, NOW).allowed).toBe(false);
    }
  });

  it('not a parent carer whose token claims a professional org type', () => {
    expect(canManageConsent({ ...parent, orgType: 'local_authority' }, under16, NOW).allowed).toBe(false);
  });
});
