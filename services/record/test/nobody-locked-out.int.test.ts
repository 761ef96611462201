import type { DbHandle } from '@hub/db';
import {
  activeRepresentatives,
  type ChildAccessFacts,
  canManageConsent,
  decisionHandoverDate,
  endOfCompulsorySchoolAge,
  englandDate,
  hasRelationship,
  type Principal,
} from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, service } from '../src/index.ts';
import { loadAccessFacts } from '../src/repository.ts';

const DAY_MS = 86_400_000;
const family = (sub: string, role: 'parent_carer' | 'young_person'): Principal => ({
  sub,
  role,
  orgId: 'family',
  orgType: 'family',
});

/** Family members (parent carers, the young person, recorded representatives) who can open the record AND give consent. */
function whoCanDecide(facts: ChildAccessFacts, now: Date): string[] {
  const members = [
    ...facts.parentCarerSubs.map((s) => family(s, 'parent_carer')),
    ...(facts.youngPersonSub ? [family(facts.youngPersonSub, 'young_person')] : []),
    ...activeRepresentatives(facts, now).map((r) => family(r.sub, 'parent_carer')),
  ];
  return [
    ...new Set(
      members
        .filter((p) => hasRelationship(p, facts, now) && canManageConsent(p, facts, now, 'give').allowed)
        .map((p) => p.sub),
    ),
  ];
}

/**
 * The "done when": across the whole seeded set, at every day of the next two years, every
 * child has at least one family member able to open the record and manage consent. The facts
 * are the record service's own (seeded on real PostgreSQL, read by loadAccessFacts); the dates
 * are every day from today at 12:00 UTC, plus 00:30 and 23:30 UTC on the days around the
 * handovers (20 June – 5 July: in summer 23:30 UTC is already tomorrow in England, so the
 * handover midnight itself is crossed).
 */
describe('nobody is locked out: the seeded set over the next two years', () => {
  let database: TestDatabase;
  let db: DbHandle;
  let dataset: SyntheticDataset;
  let facts: Map<string, ChildAccessFacts>;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    dataset = buildSyntheticDataset();
    await service.prepareDatabase(db);
    await seedRecord(db, dataset);
    facts = await loadAccessFacts(
      db,
      dataset.children.map((c) => c.id),
    );
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('every child, every day, has someone who can open the record and decide', () => {
    expect(facts.size).toBe(dataset.children.length);
    const start = new Date();
    start.setUTCHours(0, 0, 0, 0);
    const failures: string[] = [];
    let checks = 0;
    let handovers = 0;
    const handoverDays = new Set<string>();
    for (let day = 0; day <= 731; day++) {
      const noon = new Date(start.getTime() + day * DAY_MS + 12 * 3_600_000);
      const md = noon.toISOString().slice(5, 10);
      const aroundHandover = md >= '06-20' && md <= '07-05';
      const offsets = aroundHandover ? [30 * 60_000, 12 * 3_600_000, 23.5 * 3_600_000] : [12 * 3_600_000];
      for (const offset of offsets) {
        const now = new Date(start.getTime() + day * DAY_MS + offset);
        for (const f of facts.values()) {
          checks++;
          if (whoCanDecide(f, now).length === 0 && failures.length < 10) {
            failures.push(`${f.childId} (born ${f.dateOfBirth}) at ${now.toISOString()}`);
          }
        }
      }
    }
    for (const f of facts.values()) {
      const handover = decisionHandoverDate(f.dateOfBirth);
      const t = Date.parse(`${handover}T12:00:00Z`);
      if (t >= start.getTime() && t <= start.getTime() + 731 * DAY_MS) {
        handovers++;
        handoverDays.add(handover);
      }
    }
    expect(failures).toEqual([]);
    // The walk really crossed handovers (otherwise it proves nothing about them).
    expect(handovers).toBeGreaterThan(0);
    expect(handoverDays.size).toBe(2);
    expect(checks).toBeGreaterThanOrEqual(732 * dataset.children.length);
  });

  it('the decider is the parent carer before the handover and the young person after it', () => {
    const crossing = dataset.children.find((c) => {
      const t = Date.parse(`${decisionHandoverDate(c.dateOfBirth)}T12:00:00Z`);
      return t > Date.now() && t < Date.now() + 731 * DAY_MS;
    });
    expect(crossing, 'the seed has a child handing over in the next two years').toBeDefined();
    const f = facts.get(crossing!.id)!;
    const handover = Date.parse(`${decisionHandoverDate(f.dateOfBirth)}T12:00:00Z`);
    expect(whoCanDecide(f, new Date(handover - DAY_MS))).toEqual(f.parentCarerSubs);
    expect(whoCanDecide(f, new Date(handover))).toEqual([f.youngPersonSub]);
  });

  /**
   * The same promise as a property (fast-check): any instant from now to two years ahead, half
   * of them drawn within a day of a seeded child's handover (where a mistake would show), and
   * the decider is exactly who the law says: the parent carers up to the end of compulsory
   * school age (England date), then the recorded representative while one is active, else the
   * young person, whose login exists in the seed whenever they are the one deciding.
   */
  it('property: at any instant of the next two years, the right family member decides and can sign in', () => {
    const now = Date.now();
    const children = [...facts.values()];
    const logins = new Map(dataset.demoUsers.map((u) => [u.sub, u]));
    const handovers = children
      .map((f) => Date.parse(`${decisionHandoverDate(f.dateOfBirth)}T00:00:00Z`))
      .filter((t) => t > now && t < now + 731 * DAY_MS);
    expect(handovers.length, 'the seed has handovers in the next two years').toBeGreaterThan(0);
    const instant = fc.oneof(
      fc.integer({ min: now, max: now + 731 * DAY_MS }),
      // Within a day either side of midnight starting a handover day (UTC; England is an hour ahead in June).
      fc
        .tuple(fc.constantFrom(...handovers), fc.integer({ min: -DAY_MS, max: DAY_MS }))
        .map(([t, offset]) => t + offset),
    );
    fc.assert(
      fc.property(instant, (t) => {
        const at = new Date(t);
        const today = englandDate(at);
        for (const f of children) {
          const deciders = whoCanDecide(f, at);
          const reps = activeRepresentatives(f, at).map((r) => r.sub);
          const expected =
            today <= endOfCompulsorySchoolAge(f.dateOfBirth)
              ? f.parentCarerSubs
              : reps.length > 0
                ? [...new Set(reps)]
                : [f.youngPersonSub];
          expect(deciders, `${f.childId} born ${f.dateOfBirth} at ${at.toISOString()}`).toEqual(expected);
          // Whoever decides can sign in: a login in the seed's demo users that names this child.
          for (const sub of deciders) expect(logins.get(sub)?.childIds, sub).toContain(f.childId);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('the seed has young people with and without capacity past the end of compulsory school age', () => {
    const today = new Date();
    const past = [...facts.values()].filter(
      (f) => englandDate(today) > endOfCompulsorySchoolAge(f.dateOfBirth),
    );
    const represented = past.filter((f) => activeRepresentatives(f, today).length > 0);
    expect(represented.length).toBeGreaterThan(0);
    expect(past.length - represented.length).toBeGreaterThan(0);
    for (const f of represented) {
      const rep = activeRepresentatives(f, today)[0]!;
      expect(whoCanDecide(f, today)).toEqual([rep.sub]);
    }
  });
});
