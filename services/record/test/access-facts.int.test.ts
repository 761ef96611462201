import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import type { ChildAccessFacts } from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { countStatements, createTestDatabase, type TestDatabase } from '@hub/testkit';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAccessFacts, readChildren } from '../src/access-facts-query.ts';
import { attachCapacityRepresentatives } from '../src/consent/capacity-facts.ts';
import { seedRecord, service } from '../src/index.ts';
import { findChildren, toConsentRecord } from '../src/repository.ts';
import { breakGlass, child, childRelationship, consent, familyMember } from '../src/tables.ts';

/**
 * The reader the one-statement query replaced (five drizzle SELECTs, plus the capacity
 * representatives' own query), kept here as the oracle:
 * for the same rows the new reader must give exactly the same facts, field for field.
 */
async function fiveSelectReader(db: DbHandle, ids: string[]): Promise<Map<string, ChildAccessFacts>> {
  const [children, relationships, family, consents, glass] = await Promise.all([
    db.db
      .select({
        id: child.id,
        dateOfBirth: child.dateOfBirth,
        confirmed: child.parentAccessConfirmedByYoungPerson,
      })
      .from(child)
      .where(inArray(child.id, ids)),
    db.db.select().from(childRelationship).where(inArray(childRelationship.childId, ids)),
    db.db.select().from(familyMember).where(inArray(familyMember.childId, ids)),
    db.db.select().from(consent).where(inArray(consent.childId, ids)),
    db.db.select().from(breakGlass).where(inArray(breakGlass.childId, ids)),
  ]);
  const facts = new Map<string, ChildAccessFacts>();
  for (const c of children) {
    facts.set(c.id, {
      childId: c.id,
      dateOfBirth: c.dateOfBirth,
      relationships: [],
      parentCarerSubs: [],
      youngPersonSub: null,
      parentAccessConfirmedByYoungPerson: c.confirmed,
      consents: [],
      breakGlass: [],
    });
  }
  for (const r of relationships)
    facts.get(r.childId)?.relationships.push({ orgId: r.orgId, kind: r.kind, active: r.active });
  for (const m of family) {
    const f = facts.get(m.childId);
    if (!f) continue;
    if (m.relationship === 'parent_carer') f.parentCarerSubs.push(m.sub);
    else f.youngPersonSub = m.sub;
  }
  for (const row of consents) facts.get(row.childId)?.consents.push(toConsentRecord(row));
  for (const g of glass) {
    facts.get(g.childId)?.breakGlass.push({
      sub: g.sub,
      reason: g.reason,
      startsAt: g.startsAt.toISOString(),
      expiresAt: g.expiresAt.toISOString(),
    });
  }
  await attachCapacityRepresentatives(db, ids, facts);
  return facts;
}

/** Same facts regardless of the order rows came back in (neither reader promises one). */
function normalised(facts: Map<string, ChildAccessFacts>) {
  const byKey = <T>(xs: T[]) => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return [...facts.values()]
    .map((f) => ({
      ...f,
      relationships: byKey(f.relationships),
      parentCarerSubs: [...f.parentCarerSubs].sort(),
      consents: byKey(f.consents),
      breakGlass: byKey(f.breakGlass),
      capacityRepresentatives: byKey(f.capacityRepresentatives ?? []),
    }))
    .sort((a, b) => a.childId.localeCompare(b.childId));
}

describe(`access facts in one statement (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, () => {
  let database: TestDatabase;
  let db: DbHandle;
  let dataset: SyntheticDataset;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 12 });
    await service.prepareDatabase(db);
    await seedRecord(db, dataset);
    // Every kind of consent and break-glass row the policy reads, with instants that carry
    // milliseconds and microseconds, so the conversions are exercised.
    const [a, b, c] = dataset.children;
    const at = (iso: string) => new Date(iso);
    await db.db.insert(consent).values([
      {
        id: randomUUID(),
        childId: a!.id,
        domain: 'health',
        recipientOrgType: 'local_authority',
        purpose: 'ehc_assessment',
        grantedBySub: a!.parentCarerSubs[0]!,
        grantedByRole: 'parent_carer',
        startsAt: at('2025-01-02T03:04:05.678Z'),
        expiresAt: null,
        withdrawnAt: null,
      },
      {
        id: randomUUID(),
        childId: a!.id,
        domain: 'education',
        recipientOrgType: 'school',
        purpose: 'annual_review',
        grantedBySub: a!.parentCarerSubs[0]!,
        grantedByRole: 'parent_carer',
        startsAt: at('2024-06-30T23:00:00.000Z'),
        expiresAt: at('2030-01-01T00:00:00.001Z'),
        withdrawnAt: at('2025-03-01T12:00:00.999Z'),
        withdrawnBySub: a!.parentCarerSubs[0]!,
        confirmedByYoungPersonAt: at('2025-02-01T08:30:00.500Z'),
      },
    ]);
    // Microseconds, which a JS Date cannot hold: both readers must cut them the same way.
    await db.query(
      `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub, granted_by_role, starts_at)
       values ($1, $2, 'social_care', 'health', 'early_help', 'someone', 'young_person', '1999-12-31 23:59:59.999123+00')`,
      [randomUUID(), b!.id],
    );
    await db.query(
      `insert into record.capacity_representative (id, child_id, representative_sub, representative_kind, basis, reason,
         recorded_by_sub, recorded_by_role, recorded_by_org_id, recorded_at, review_by, ended_at, ended_by_sub, ended_by_role, ended_by_org_id, end_reason)
       values ($1, $2, 'deputy-1', 'other_person', 'deputy', 'Court of Protection order for property and welfare',
         'demo-la-1', 'la_send_officer', 'la-1', '2025-05-05 10:00:00.123456+00', '2026-05-05', null, null, null, null, null),
              ($3, $2, $4, 'parent_carer', 'parent_acting', 'Parent acting while the deputyship application is heard',
         'demo-la-1', 'la_send_officer', 'la-1', '2025-01-01 09:00:00+00', '2025-06-30', '2025-05-05 10:00:00.123+00', 'demo-la-1', 'la_send_officer', 'la-1', 'Deputy appointed')`,
      [randomUUID(), c!.id, randomUUID(), c!.parentCarerSubs[0]],
    );
    await db.db.insert(breakGlass).values([
      {
        id: randomUUID(),
        childId: c!.id,
        sub: 'demo-social-1',
        role: 'social_worker',
        orgId: 'sc-1',
        reason: 'Safeguarding concern raised by school',
        startsAt: at('2026-01-01T00:00:00.000Z'),
        expiresAt: at('2026-01-02T00:00:00.000Z'),
      } as typeof breakGlass.$inferInsert,
    ]);
  });
  afterAll(async () => {
    await database?.destroy();
  });

  it('gives exactly the facts the five-SELECT reader gave, for every child and a missing id', async () => {
    const ids = [...dataset.children.map((c) => c.id), '00000000-0000-4000-8000-000000000000'];
    const expected = await fiveSelectReader(db, ids);
    const actual = await readAccessFacts(db, ids);
    expect(actual.size).toBe(dataset.children.length);
    expect(normalised(actual)).toEqual(normalised(expected));
    // Spot checks that the oracle itself saw what was written.
    const a = actual.get(dataset.children[0]!.id)!;
    expect(a.consents.map((k) => k.startsAt).sort()).toEqual([
      '2024-06-30T23:00:00.000Z',
      '2025-01-02T03:04:05.678Z',
    ]);
    expect(a.consents.find((k) => k.withdrawnAt)?.withdrawnAt).toBe('2025-03-01T12:00:00.999Z');
    expect(actual.get(dataset.children[2]!.id)!.breakGlass).toHaveLength(1);
    expect(actual.get(dataset.children[2]!.id)!.capacityRepresentatives).toHaveLength(2);
    expect(actual.get(dataset.children[0]!.id)!.capacityRepresentatives).toEqual([]);
  });

  it('answers one statement per call, however many children', async () => {
    const statements = await countStatements(db, async () => {
      await readAccessFacts(db, [dataset.children[0]!.id]);
      await readAccessFacts(
        db,
        dataset.children.map((c) => c.id),
      );
    });
    if (statements !== null) expect(statements).toBe(2);
  });

  it('reads fresh every time: a withdrawal written a moment ago is already in the facts', async () => {
    const childId = dataset.children[1]!.id;
    const before = (await readAccessFacts(db, [childId])).get(childId)!;
    const open = before.consents.find((k) => k.withdrawnAt === null)!;
    await db.query(`update record.consent set withdrawn_at = now(), withdrawn_by_sub = 'x' where id = $1`, [
      open.id,
    ]);
    const after = (await readAccessFacts(db, [childId])).get(childId)!;
    expect(after.consents.find((k) => k.id === open.id)?.withdrawnAt).not.toBeNull();
  });

  it('reads the identity rows with the facts: the rows findChildren gives, the same facts, one statement', async () => {
    const ids = [...dataset.children.map((c) => c.id), '00000000-0000-4000-8000-000000000000'];
    const read = await readChildren(db, ids);
    const rows = await findChildren(db, ids);
    expect(read.size).toBe(dataset.children.length);
    for (const [id, row] of rows) expect(read.get(id)?.row, id).toEqual(row);
    expect(normalised(new Map([...read].map(([id, r]) => [id, r.facts])))).toEqual(
      normalised(await readAccessFacts(db, ids)),
    );
    // Spot check that the identity columns are the child's, not another's.
    const first = dataset.children[0]!;
    expect(read.get(first.id)?.row).toMatchObject({
      givenName: first.givenName,
      dateOfBirth: first.dateOfBirth,
    });
    const statements = await countStatements(db, () => readChildren(db, ids));
    if (statements !== null) expect(statements).toBe(1);
  });
});
