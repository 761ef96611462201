import { isUuid, isValidNhsNumber, isValidUpn } from '@hub/identifiers';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticDataset, DEMO_USERS, TEST_REFERENCE_DATE } from './dataset.ts';
import { ageOn, isIsoDate } from './dates.ts';
import type { SyntheticChild, SyntheticDataset } from './types.ts';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let ds: SyntheticDataset;
let children: SyntheticChild[];
beforeAll(() => {
  ds = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE });
  children = ds.children;
});

const share = (pred: (c: SyntheticChild) => boolean) => children.filter(pred).length / children.length;

/** Every id-bearing record in a child, to check global uniqueness. */
function idsOf(c: SyntheticChild): string[] {
  return [
    c.id,
    ...c.education.provisions.map((p) => p.id),
    ...(c.health?.involvements.map((x) => x.id) ?? []),
    ...(c.health?.pathwayWaits.map((x) => x.id) ?? []),
    ...(c.health?.diagnoses.map((x) => x.id) ?? []),
    ...(c.socialCare?.shortBreaks.map((x) => x.id) ?? []),
  ];
}

/** Every date-only field in a child. */
function datesOf(c: SyntheticChild): string[] {
  return [
    c.dateOfBirth,
    ...c.education.provisions.map((p) => p.startDate),
    ...(c.health?.involvements.flatMap((x) => [x.startDate, ...(x.endDate ? [x.endDate] : [])]) ?? []),
    ...(c.health?.pathwayWaits.flatMap((x) => [x.referralDate, ...(x.seenDate ? [x.seenDate] : [])]) ?? []),
    ...(c.health?.diagnoses.flatMap((x) => (x.diagnosedOn ? [x.diagnosedOn] : [])) ?? []),
    ...(c.socialCare?.shortBreaks.map((x) => x.startDate) ?? []),
  ];
}

describe('determinism', () => {
  it('builds deep-equal data every time', () => {
    expect(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE })).toEqual(ds);
    expect(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, seed: 7, children: 50 })).toEqual(
      buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, seed: 7, children: 50 }),
    );
  });

  it('differs for a different seed but keeps identifiers tied to the child index', () => {
    const other = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, seed: 12345 });
    expect(other).not.toEqual(ds);
    expect(other.children.map((c) => [c.id, c.nhsNumber, c.upn, c.laId])).toEqual(
      children.map((c) => [c.id, c.nhsNumber, c.upn, c.laId]),
    );
  });

  it('does not change existing children when more are added (apart from the family link at the end)', () => {
    const small = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 100 });
    const strip = ({ parentCarerSubs: _, ...rest }: SyntheticChild) => rest;
    expect(small.children.map(strip)).toEqual(children.slice(0, 100).map(strip));
  });

  it('rejects silly sizes', () => {
    expect(() => buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 0 })).toThrow(
      RangeError,
    );
    expect(() => buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 2.5 })).toThrow(
      RangeError,
    );
  });
});

describe('organisations', () => {
  it('has the fixed org ids', () => {
    expect(ds.referenceDate).toBe(TEST_REFERENCE_DATE);
    expect(ds.schools.map((s) => s.id)).toEqual(['school-1', 'school-2', 'school-3', 'school-4', 'school-5']);
    expect(ds.healthOrgs.map((o) => o.id)).toEqual(['icb-1', 'trust-1']);
    expect(ds.socialCareOrgs.map((o) => o.id)).toEqual(['sc-1']);
    expect(ds.localAuthority.id).toBe('la-1');
    for (const o of [...ds.schools, ...ds.healthOrgs, ...ds.socialCareOrgs, ds.localAuthority]) {
      expect(o.name).toMatch(/^Synthetic /);
    }
  });

  it('puts every child in an existing school and every school has children', () => {
    const schoolIds = new Set(ds.schools.map((s) => s.id));
    expect(children.every((c) => schoolIds.has(c.schoolId))).toBe(true);
    for (const id of schoolIds) expect(children.some((c) => c.schoolId === id)).toBe(true);
  });
});

describe('councils (tenancy)', () => {
  it('has two councils, each with its own SEND officer and auditor', () => {
    expect(ds.councils.map((c) => c.id)).toEqual(['la-1', 'la-2']);
    const users = new Map(ds.demoUsers.map((u) => [u.sub, u]));
    for (const [i, council] of ds.councils.entries()) {
      expect(users.get(`demo-la-${i + 1}`)).toMatchObject({ role: 'la_send_officer', orgId: council.id });
      expect(users.get(`demo-auditor-${i + 1}`)).toMatchObject({ role: 'auditor', orgId: council.id });
    }
  });

  it('splits children between the councils, siblings together, at schools working for their council', () => {
    const perCouncil = new Map<string, number>();
    for (const c of children) perCouncil.set(c.councilId, (perCouncil.get(c.councilId) ?? 0) + 1);
    expect([...perCouncil.keys()].sort()).toEqual(['la-1', 'la-2']);
    // Neither council is a token: each holds at least a quarter of the children.
    for (const n of perCouncil.values()) expect(n).toBeGreaterThan(children.length / 4);
    for (const [i, c] of children.entries()) {
      const prev = children[i - 1];
      if (prev && prev.parentCarerSubs[0] === c.parentCarerSubs[0]) expect(c.councilId).toBe(prev.councilId);
    }
    const school = new Map(ds.schools.map((s) => [s.id, s]));
    const crossBorder = children.filter((c) => !school.get(c.schoolId)?.councilIds.includes(c.councilId));
    // Only a sibling can be at another council's school (a cross-border placement).
    expect(crossBorder.length).toBeLessThan(children.length / 10);
  });

  it('has organisations working across both councils, and children of both at them', () => {
    const across = [...ds.schools, ...ds.healthOrgs]
      .filter((o) => o.councilIds.length === 2)
      .map((o) => o.id);
    expect(across).toEqual(expect.arrayContaining(['school-5', 'trust-1']));
    const atSchool5 = new Set(children.filter((c) => c.schoolId === 'school-5').map((c) => c.councilId));
    expect([...atSchool5].sort()).toEqual(['la-1', 'la-2']);
    const withTrust = new Set(
      children
        .filter((c) => c.health?.involvements.some((i) => i.organisationId === 'trust-1' && !i.endDate))
        .map((c) => c.councilId),
    );
    expect([...withTrust].sort()).toEqual(['la-1', 'la-2']);
  });

  it('keeps one council on request, changing nothing else about the children', () => {
    const one = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, councils: 1 });
    expect(one.councils.map((c) => c.id)).toEqual(['la-1']);
    expect(one.children.every((c) => c.councilId === 'la-1')).toBe(true);
    expect(one.demoUsers.some((u) => u.orgId === 'la-2')).toBe(false);
    const strip = ({ councilId: _, ...rest }: SyntheticChild) => rest;
    expect(one.children.map(strip)).toEqual(children.map(strip));
    expect(() => buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, councils: 3 })).toThrow(
      RangeError,
    );
  });
});

describe('children', () => {
  it('has at least 200 by default', () => {
    expect(children.length).toBeGreaterThanOrEqual(200);
  });

  it('is obviously synthetic', () => {
    for (const c of children) {
      expect(c.familyName).toMatch(/^Testchild-\d{3,}$/);
      expect(c.nhsNumber.startsWith('999')).toBe(true);
      expect(c.upn.slice(1, 4)).toBe('999');
      expect(c.laId).toMatch(/^LA-SYN-\d{6}$/);
    }
  });

  it('has valid, unique NHS numbers and UPNs', () => {
    expect(children.filter((c) => !isValidNhsNumber(c.nhsNumber))).toEqual([]);
    expect(children.filter((c) => !isValidUpn(c.upn))).toEqual([]);
    expect(new Set(children.map((c) => c.nhsNumber)).size).toBe(children.length);
    expect(new Set(children.map((c) => c.upn)).size).toBe(children.length);
    expect(new Set(children.map((c) => c.laId)).size).toBe(children.length);
  });

  it('has UUID ids that are unique across every record', () => {
    const ids = children.flatMap(idsOf);
    expect(ids.filter((id) => !isUuid(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has well-formed dates, none after the reference date or before birth', () => {
    for (const c of children) {
      for (const d of datesOf(c)) {
        expect(isIsoDate(d)).toBe(true);
        expect(d <= TEST_REFERENCE_DATE).toBe(true);
        expect(d >= c.dateOfBirth).toBe(true);
      }
      for (const ts of [c.education.updatedAt, c.health?.updatedAt, c.socialCare?.updatedAt]) {
        if (ts === undefined) continue;
        expect(ts).toMatch(ISO_TIMESTAMP);
        expect(ts < TEST_REFERENCE_DATE).toBe(true);
      }
      for (const inv of c.health?.involvements ?? [])
        if (inv.endDate) expect(inv.endDate > inv.startDate).toBe(true);
      for (const w of c.health?.pathwayWaits ?? [])
        if (w.seenDate) expect(w.seenDate > w.referralDate).toBe(true);
    }
  });

  it('spreads ages 2–24 with about 15% aged 16+', () => {
    const ages = children.map((c) => ageOn(c.dateOfBirth, TEST_REFERENCE_DATE));
    expect(Math.min(...ages)).toBe(2);
    expect(Math.max(...ages)).toBe(24);
    const older = ages.filter((a) => a >= 16).length / ages.length;
    expect(older).toBeGreaterThan(0.08);
    expect(older).toBeLessThan(0.25);
  });

  // Was "exactly the children aged 16+": a frozen date left children who passed 16 later with no
  // login and nobody to decide. Every child now has one; it opens nothing before the handover.
  it('gives every child a young-person login', () => {
    for (const [i, c] of children.entries()) expect(c.youngPersonSub).toBe(`demo-yp-${i + 1}`);
  });

  it('has 1–2 parent carers each, with some shared between siblings', () => {
    expect(children.every((c) => c.parentCarerSubs.length >= 1 && c.parentCarerSubs.length <= 2)).toBe(true);
    const perParent = new Map<string, number>();
    for (const c of children)
      for (const p of c.parentCarerSubs) perParent.set(p, (perParent.get(p) ?? 0) + 1);
    expect([...perParent.values()].some((n) => n >= 2)).toBe(true);
  });
});

describe('distribution', () => {
  // Bands are wide enough for any seed at this size (several standard deviations) yet catch a broken mix.
  it.each([undefined, 1, 2, 3])('is roughly as described for seed %s', (seed) => {
    const d = seed === undefined ? ds : buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, seed });
    const s = (pred: (c: SyntheticChild) => boolean) => d.children.filter(pred).length / d.children.length;
    expect(s((c) => c.education.senStatus === 'SEN_SUPPORT')).toBeGreaterThan(0.45);
    expect(s((c) => c.education.senStatus === 'SEN_SUPPORT')).toBeLessThan(0.65);
    expect(s((c) => c.education.senStatus === 'EHC_PLAN')).toBeGreaterThan(0.2);
    expect(s((c) => c.education.senStatus === 'EHC_PLAN')).toBeLessThan(0.4);
    expect(s((c) => c.education.senStatus === 'NO_SEN')).toBeGreaterThan(0.07);
    expect(s((c) => c.education.senStatus === 'NO_SEN')).toBeLessThan(0.23);
    expect(s((c) => c.health !== null)).toBeGreaterThan(0.5);
    expect(s((c) => c.health !== null)).toBeLessThan(0.7);
    expect(s((c) => c.socialCare !== null)).toBeGreaterThan(0.15);
    expect(s((c) => c.socialCare !== null)).toBeLessThan(0.35);
  });

  it('covers the variety other services rely on', () => {
    const health = children.flatMap((c) => (c.health ? [c.health] : []));
    const involvements = health.flatMap((h) => h.involvements);
    const waits = health.flatMap((h) => h.pathwayWaits);
    expect(health.every((h) => h.involvements.length >= 1 && h.involvements.length <= 2)).toBe(true);
    // Both health demo users need children with an active involvement to see anything.
    for (const org of ['icb-1', 'trust-1']) {
      expect(involvements.some((i) => i.organisationId === org && i.endDate === null)).toBe(true);
    }
    expect(involvements.some((i) => i.endDate !== null)).toBe(true);
    expect(new Set(waits.map((w) => w.pathway))).toEqual(
      new Set(['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE']),
    );
    expect(waits.some((w) => w.seenDate === null)).toBe(true);
    expect(waits.some((w) => w.seenDate !== null)).toBe(true);
    expect(waits.every((w) => w.referralDate >= '2023-08-01')).toBe(true);
    expect(
      health.flatMap((h) => h.diagnoses).every((d) => d.description.endsWith('(synthetic record)')),
    ).toBe(true);

    const social = children.flatMap((c) => (c.socialCare ? [c.socialCare] : []));
    expect(new Set(social.map((s) => s.status)).size).toBeGreaterThanOrEqual(4);
    expect(social.some((s) => s.shortBreaks.length > 0)).toBe(true);
    for (const s of social) {
      if (s.status === 'NONE') expect(s.allocatedWorker).toBeNull();
      if (s.allocatedWorker) {
        expect(s.allocatedWorker.name).toMatch(/^Worker Testname-\d+$/);
        expect(s.allocatedWorker.organisationId).toBe('sc-1');
      }
    }
    expect(share((c) => c.education.senStatus === 'NO_SEN' && c.education.provisions.length > 0)).toBe(0);
  });
});

describe('demo users', () => {
  const bySub = () => new Map(ds.demoUsers.map((u) => [u.sub, u]));

  it('has unique subs and the fixed staff logins', () => {
    expect(new Set(ds.demoUsers.map((u) => u.sub)).size).toBe(ds.demoUsers.length);
    const users = bySub();
    for (let i = 1; i <= 5; i++) {
      expect(users.get(`demo-senco-${i}`)).toEqual({
        sub: `demo-senco-${i}`,
        name: `Demo SENCO (School ${i})`,
        role: 'senco',
        orgId: `school-${i}`,
        orgType: 'school',
      });
    }
    expect(users.get('demo-health-1')).toMatchObject({
      role: 'health_practitioner',
      orgId: 'icb-1',
      orgType: 'health',
    });
    expect(users.get('demo-health-2')).toMatchObject({
      role: 'health_practitioner',
      orgId: 'trust-1',
      orgType: 'health',
    });
    expect(users.get('demo-social-1')).toMatchObject({
      role: 'social_worker',
      orgId: 'sc-1',
      orgType: 'social_care',
    });
    expect(users.get('demo-la-1')).toMatchObject({
      role: 'la_send_officer',
      orgId: 'la-1',
      orgType: 'local_authority',
    });
    // Tenancy: an auditor's organisation is the council whose audit trail they oversee.
    expect(users.get('demo-auditor-1')).toMatchObject({
      role: 'auditor',
      orgId: 'la-1',
      orgType: 'audit',
    });
    for (const u of ds.demoUsers) expect(u.name).toMatch(/^Demo /);
  });

  it('has every parent carer, each listing exactly their children', () => {
    const users = bySub();
    const expected = new Map<string, string[]>();
    for (const c of children)
      for (const p of c.parentCarerSubs) expected.set(p, [...(expected.get(p) ?? []), c.id]);
    for (const [sub, childIds] of expected) {
      expect(users.get(sub)).toMatchObject({
        role: 'parent_carer',
        orgId: 'family',
        orgType: 'family',
        childIds,
      });
    }
    // Plus the Court of Protection deputies, who sign in with the family role (below).
    expect(
      ds.demoUsers.filter((u) => u.role === 'parent_carer' && !u.sub.startsWith('demo-deputy-')),
    ).toHaveLength(expected.size);
    expect(ds.demoUsers.some((u) => u.role === 'parent_carer' && (u.childIds?.length ?? 0) >= 2)).toBe(true);
  });

  it('has a young-person login for every child, scoped to themselves', () => {
    const yp = ds.demoUsers.filter((u) => u.role === 'young_person');
    expect(yp.length).toBeGreaterThan(0);
    expect(yp.map((u) => [u.sub, u.childIds])).toEqual(children.map((c) => [c.youngPersonSub, [c.id]]));
    expect(yp.every((u) => u.orgType === 'family')).toBe(true);
  });

  it('has a login for every deputy acting for a young person who lacks capacity, scoped to them', () => {
    const deputies = children.filter((c) => c.capacityRepresentative?.basis === 'deputy');
    expect(deputies.length).toBeGreaterThan(0);
    const users = bySub();
    for (const c of deputies) {
      expect(users.get(c.capacityRepresentative!.sub)).toMatchObject({
        role: 'parent_carer',
        orgType: 'family',
        childIds: [c.id],
      });
    }
    // A parent acting for a young person uses their own login.
    for (const c of children.filter((x) => x.capacityRepresentative?.basis === 'parent_acting'))
      expect(c.parentCarerSubs).toContain(c.capacityRepresentative!.sub);
  });

  it('exports the default set as DEMO_USERS, frozen against shared mutation', () => {
    expect(DEMO_USERS).toEqual(ds.demoUsers);
    expect(Object.isFrozen(DEMO_USERS)).toBe(true);
    expect(Object.isFrozen(DEMO_USERS[0])).toBe(true);
  });
});
