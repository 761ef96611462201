import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aConsent, aPrincipal, someFacts } from './builders.ts';
import { activeConsents, canManageConsent } from './consent.ts';
import { decisionMakers } from './decision-maker.ts';
import type { CapacityRepresentativeEntry, ChildAccessFacts } from './facts.ts';
import { handoverNotice } from './handover-notice.ts';
import { hasRelationship } from './relationship.ts';

// Born 23 Sept 2010: 16 on 23 Sept 2026, of compulsory school age until Friday 25 June 2027.
const DOB = '2010-09-23';
const CHILD_DAY = new Date('2027-06-25T12:00:00Z');
const AFTER = new Date('2027-07-10T12:00:00Z');

const parent = aPrincipal({ role: 'parent_carer' });
const youngPerson = aPrincipal({ role: 'young_person' });
const deputy = aPrincipal({ role: 'parent_carer', sub: 'demo-deputy-1' });

function aRepresentative(overrides: Partial<CapacityRepresentativeEntry> = {}): CapacityRepresentativeEntry {
  return {
    id: 'rep-1',
    sub: 'demo-deputy-1',
    basis: 'deputy',
    recordedAt: '2027-06-01T09:00:00Z',
    reviewBy: '2028-06-01',
    endedAt: null,
    ...overrides,
  };
}

describe('decisionMakers', () => {
  it('the parent carers while of compulsory school age, then the young person', () => {
    const facts = someFacts({ dateOfBirth: DOB });
    expect(decisionMakers(facts, CHILD_DAY)).toEqual({ stage: 'child', subs: ['demo-parent-1'] });
    expect(decisionMakers(facts, AFTER)).toEqual({ stage: 'young_person', subs: ['demo-young-person-1'] });
  });

  it('a capacity representative decides instead of the young person, while active and not past review', () => {
    const facts = someFacts({ dateOfBirth: DOB, capacityRepresentatives: [aRepresentative()] });
    expect(decisionMakers(facts, CHILD_DAY).stage).toBe('child'); // the parent carer still decides as a child
    expect(decisionMakers(facts, AFTER)).toEqual({ stage: 'representative', subs: ['demo-deputy-1'] });
    // The review date counts to the end of that day in England (BST: 23:00 UTC is the next day).
    expect(decisionMakers(facts, new Date('2028-06-01T22:59:59Z')).stage).toBe('representative');
    expect(decisionMakers(facts, new Date('2028-06-01T23:00:00Z')).stage).toBe('young_person');
    const ended = someFacts({
      dateOfBirth: DOB,
      capacityRepresentatives: [aRepresentative({ endedAt: '2027-07-05T09:00:00Z' })],
    });
    expect(decisionMakers(ended, AFTER).stage).toBe('young_person');
  });

  it('awaiting the young person when their login is not set up', () => {
    const facts = someFacts({ dateOfBirth: DOB, youngPersonSub: null });
    expect(decisionMakers(facts, AFTER)).toEqual({ stage: 'awaiting_young_person', subs: [] });
  });
});

describe('capacity representative: consent and access', () => {
  const facts = someFacts({ dateOfBirth: DOB, capacityRepresentatives: [aRepresentative()] });

  it('the representative (not the young person, not another parent) manages consent and opens the record', () => {
    expect(canManageConsent(deputy, facts, AFTER)).toEqual({ allowed: true });
    expect(hasRelationship(deputy, facts, AFTER)).toBe(true);
    expect(canManageConsent(youngPerson, facts, AFTER).allowed).toBe(false);
    expect(canManageConsent(youngPerson, facts, AFTER).reason).toMatch(/representative/);
    expect(canManageConsent(parent, facts, AFTER).allowed).toBe(false);
    // The young person still sees their own record.
    expect(hasRelationship(youngPerson, facts, AFTER)).toBe(true);
  });

  it('nothing before the handover, nor after it ends or passes review', () => {
    expect(canManageConsent(deputy, facts, CHILD_DAY).allowed).toBe(false);
    expect(hasRelationship(deputy, facts, CHILD_DAY)).toBe(false);
    const lapsed = new Date('2028-06-02T12:00:00Z');
    expect(canManageConsent(deputy, facts, lapsed).allowed).toBe(false);
    expect(hasRelationship(deputy, facts, lapsed)).toBe(false);
    expect(canManageConsent(youngPerson, facts, lapsed)).toEqual({ allowed: true });
  });

  it("the representative's consent counts while they are the representative", () => {
    const consent = aConsent({ grantedBySub: 'demo-deputy-1', startsAt: '2027-07-01T00:00:00Z' });
    const withConsent = { ...facts, consents: [consent] };
    expect(activeConsents(withConsent, AFTER)).toEqual([consent]);
    expect(activeConsents(withConsent, new Date('2028-06-02T12:00:00Z'))).toEqual([]);
    // The young person can take it over by confirming it once they decide again.
    const confirmed = {
      ...withConsent,
      consents: [{ ...consent, confirmedByYoungPersonAt: '2028-06-03T09:00:00Z' }],
    };
    expect(activeConsents(confirmed, new Date('2028-06-04T12:00:00Z'))).toHaveLength(1);
  });
});

describe('nobody locked out while the young person is not set up', () => {
  const facts = someFacts({ dateOfBirth: DOB, youngPersonSub: null, consents: [aConsent()] });

  it('parent carers keep reading and may withdraw, but not give new consent; their consent stops counting', () => {
    expect(hasRelationship(parent, facts, AFTER)).toBe(true);
    expect(canManageConsent(parent, facts, AFTER, 'withdraw')).toEqual({ allowed: true });
    const give = canManageConsent(parent, facts, AFTER, 'give');
    expect(give.allowed).toBe(false);
    expect(give.reason).toMatch(/last Friday in June/);
    expect(activeConsents(facts, AFTER)).toEqual([]);
  });

  it('once the young person is set up, they decide and parent access needs their agreement', () => {
    const setUp = { ...facts, youngPersonSub: 'demo-young-person-1' };
    expect(hasRelationship(parent, setUp, AFTER)).toBe(false);
    expect(canManageConsent(parent, setUp, AFTER, 'withdraw').allowed).toBe(false);
    expect(canManageConsent(youngPerson, setUp, AFTER)).toEqual({ allowed: true });
  });
});

describe('handoverNotice', () => {
  const facts = someFacts({ dateOfBirth: DOB });

  it('nothing until 3 months before, then both notices; the dates are the law’s', () => {
    const early = handoverNotice(facts, new Date('2027-03-25T12:00:00Z'), 'Sam');
    expect(early).toMatchObject({
      lastDayParentCarerDecides: '2027-06-25',
      handoverDate: '2027-06-26',
      noticeFrom: '2027-03-26',
      stage: 'child',
      parentCarerNotice: null,
      youngPersonNotice: null,
    });
    // England is on GMT until 28 March 2027, so 00:30 UTC is 00:30 on 26 March: the first day.
    const from = handoverNotice(facts, new Date('2027-03-26T00:30:00Z'), 'Sam');
    expect(from.parentCarerNotice).toMatch(
      /^From Saturday 26 June 2027, decisions about Sam's information pass from you to Sam\./,
    );
    expect(from.parentCarerNotice).toContain(
      'Friday 25 June 2027 is the end of the school year in which they turn 16',
    );
    expect(from.youngPersonNotice).toMatch(
      /^From Saturday 26 June 2027, you decide about your own information/,
    );
  });

  it('past tense after the handover for 3 months, then nothing', () => {
    const after = handoverNotice(facts, AFTER, 'Sam');
    expect(after.stage).toBe('young_person');
    expect(after.parentCarerNotice).toMatch(/^Since Saturday 26 June 2027, Sam makes the decisions/);
    expect(handoverNotice(facts, new Date('2027-09-27T12:00:00Z'), 'Sam').parentCarerNotice).toBeNull();
  });
});

describe('properties: who decides is always someone who can open the record', () => {
  const pad = (n: number) => String(n).padStart(2, '0');
  const dob = fc
    .record({
      y: fc.integer({ min: 2000, max: 2025 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ y, m, d }) => `${y}-${pad(m)}-${pad(d)}`);
  const instant = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2045, 0, 1) })
    .map((t) => new Date(t));
  const day = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2045, 0, 1) })
    .map((t) => new Date(t).toISOString());
  const representative = fc.record({
    id: fc.constant('rep'),
    sub: fc.constantFrom('demo-parent-1', 'demo-deputy-1'),
    basis: fc.constantFrom('deputy' as const, 'attorney' as const, 'parent_acting' as const),
    recordedAt: day,
    reviewBy: day.map((iso) => iso.slice(0, 10)),
    endedAt: fc.option(day, { nil: null }),
  });
  const factsArb = fc.record({
    dateOfBirth: dob,
    parentCarerSubs: fc.constantFrom(['demo-parent-1'], ['demo-parent-1', 'demo-parent-2']),
    youngPersonSub: fc.option(fc.constant('demo-young-person-1'), { nil: null }),
    parentAccessConfirmedByYoungPerson: fc.boolean(),
    capacityRepresentatives: fc.array(representative, { maxLength: 2 }),
  });
  const members = (f: ChildAccessFacts) => [
    ...f.parentCarerSubs.map((sub) => aPrincipal({ role: 'parent_carer', sub })),
    ...(f.youngPersonSub ? [aPrincipal({ role: 'young_person', sub: f.youngPersonSub })] : []),
    ...(f.capacityRepresentatives ?? []).map((r) => aPrincipal({ role: 'parent_carer', sub: r.sub })),
  ];

  it('someone in the family can always open the record; whoever may give consent can open it; deciders are the stage’s', () => {
    fc.assert(
      fc.property(factsArb, instant, (partial, now) => {
        const facts = someFacts({ ...partial, parentCarerSubs: [...partial.parentCarerSubs] });
        const { stage, subs } = decisionMakers(facts, now);
        const openers = members(facts).filter((p) => hasRelationship(p, facts, now));
        const givers = members(facts).filter((p) => canManageConsent(p, facts, now, 'give').allowed);
        expect(openers.length).toBeGreaterThan(0);
        for (const g of givers) expect(openers.map((o) => o.sub)).toContain(g.sub);
        expect(new Set(givers.map((g) => g.sub))).toEqual(new Set(subs));
        // Only while the young person is not set up may nobody give consent.
        if (stage !== 'awaiting_young_person') expect(givers.length).toBeGreaterThan(0);
        else
          expect(members(facts).some((p) => canManageConsent(p, facts, now, 'withdraw').allowed)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
