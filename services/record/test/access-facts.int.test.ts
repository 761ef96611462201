import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { type ChildAccessFacts, type ConsentKind, isOfKind } from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { countStatements, createTestDatabase, inSessionTimeZone, type TestDatabase } from '@hub/testkit';
import { and, asc, eq, exists, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChildSearchCriteria,
  readAccessFacts,
  readChildren,
  type SearchScope,
  searchChildrenWithFacts,
} from '../src/access-facts-query.ts';
import { attachCapacityRepresentatives } from '../src/consent/capacity-facts.ts';
import { seedRecord, service } from '../src/index.ts';
import { countChildren, findChildren, toConsentRecord } from '../src/repository.ts';
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

/**
 * The search the one-statement page query replaced (drizzle, identity columns only; the facts were
 * a second statement), kept here as the oracle for which children a search finds, in what order.
 */
async function drizzleSearch(
  db: DbHandle,
  criteria: ChildSearchCriteria,
  limit: number,
  scope: SearchScope,
  offset = 0,
): Promise<string[]> {
  const where: SQL[] = [];
  if (criteria.name) {
    const pattern = `%${criteria.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(child.givenName, pattern), ilike(child.familyName, pattern)) as SQL);
  }
  if (criteria.nhsNumber) where.push(eq(child.nhsNumber, criteria.nhsNumber));
  if (criteria.upn) where.push(eq(child.upn, criteria.upn));
  if (criteria.dateOfBirth) where.push(eq(child.dateOfBirth, criteria.dateOfBirth));
  where.push(
    scope.kind === 'organisation'
      ? exists(
          db.db
            .select({ one: childRelationship.childId })
            .from(childRelationship)
            .where(
              and(
                eq(childRelationship.childId, child.id),
                eq(childRelationship.orgId, scope.orgId),
                eq(childRelationship.active, true),
                inArray(childRelationship.kind, [...scope.relationships] as never[]),
              ),
            ),
        )
      : exists(
          db.db
            .select({ one: familyMember.childId })
            .from(familyMember)
            .where(and(eq(familyMember.childId, child.id), eq(familyMember.sub, scope.sub))),
        ),
  );
  const rows = await db.db
    .select({ id: child.id })
    .from(child)
    .where(and(...where))
    .orderBy(asc(child.familyName), asc(child.givenName), asc(child.id))
    .limit(limit)
    .offset(offset);
  return rows.map((r) => r.id);
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

  // The session's time zone must not change an instant (consents' come as UTC text, the
  // others as epoch milliseconds): zones with odd offsets, east and west of UTC.
  it.each(['UTC', 'Pacific/Chatham', 'America/St_Johns'])(
    'gives exactly the facts the five-SELECT reader gave, for every child and a missing id (session time zone %s)',
    async (zone) => {
      const zoned = await inSessionTimeZone(database, db, zone);
      const ids = [...dataset.children.map((c) => c.id), '00000000-0000-4000-8000-000000000000'];
      const expected = await fiveSelectReader(zoned, ids);
      const actual = await readAccessFacts(zoned, ids);
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
      // Microseconds cut (not rounded) to the millisecond, as a JS Date read through drizzle cuts them.
      expect(actual.get(dataset.children[1]!.id)!.consents.map((k) => k.startsAt)).toContain(
        '1999-12-31T23:59:59.999Z',
      );
    },
  );

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

  it('one child by id: the same facts as in a batch, from a statement PostgreSQL plans once, not at every call', async () => {
    const all = await readAccessFacts(
      db,
      dataset.children.map((c) => c.id),
    );
    for (const c of dataset.children) {
      expect(normalised(await readAccessFacts(db, [c.id]))).toEqual(
        normalised(new Map([[c.id, all.get(c.id)!]])),
      );
    }
    expect((await readAccessFacts(db, ['00000000-0000-4000-8000-000000000000'])).size).toBe(0);
    if (db.kind !== 'postgres') return; // plan caching is the server's (PGlite's handle does not prepare)
    // One connection, so the prepared statement and its plan counters are this session's.
    const single = await database.open({ maxConnections: 1 });
    try {
      for (let i = 0; i < 12; i++) await readChildren(single, [dataset.children[i % 3]!.id]);
      const plans = await single.query<{ statement: string; generic_plans: string; custom_plans: string }>(
        `select statement, generic_plans::text, custom_plans::text from pg_prepared_statements
          where statement like '%from record.child c%'`,
      );
      expect(plans).toHaveLength(1);
      // PostgreSQL tries five custom plans, then keeps the generic one if it is no dearer; a
      // statement it re-plans every time shows 12 custom plans and no generic one.
      expect(Number(plans[0]!.custom_plans)).toBeLessThanOrEqual(5);
      expect(Number(plans[0]!.generic_plans)).toBeGreaterThanOrEqual(7);
    } finally {
      await single.close();
    }
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

  it('a search page comes with identity and facts in one statement: the children and order of the old search', async () => {
    const [a, b] = dataset.children as [
      SyntheticDataset['children'][number],
      SyntheticDataset['children'][number],
    ];
    const la: SearchScope = { kind: 'organisation', orgId: 'la-1', relationships: ['la_responsible'] };
    const scopes: SearchScope[] = [
      la,
      { kind: 'organisation', orgId: 'school-1', relationships: ['on_roll'] },
      { kind: 'organisation', orgId: 'trust-1', relationships: ['involvement', 'allocated'] },
      { kind: 'family', sub: a.parentCarerSubs[0]! },
    ];
    const searches: ChildSearchCriteria[] = [
      { name: 'Testchild' },
      { name: 'tESTch' },
      { name: a.familyName.slice(1, 5) },
      { name: '%' },
      { name: '_e' },
      { nhsNumber: a.nhsNumber },
      { upn: b.upn },
      { dateOfBirth: a.dateOfBirth },
      { name: a.givenName, dateOfBirth: a.dateOfBirth, nhsNumber: a.nhsNumber, upn: a.upn },
      {},
    ];
    let nonEmpty = 0;
    for (const scope of scopes) {
      for (const criteria of searches) {
        for (const [limit, offset] of [
          [50, 0],
          [3, 0],
          [3, 2],
        ] as const) {
          const found = await searchChildrenWithFacts(db, criteria, limit, scope, {
            offset,
            consents: 'all',
          });
          const expected = await drizzleSearch(db, criteria, limit, scope, offset);
          const what = JSON.stringify({ scope, criteria, limit, offset });
          expect(
            found.map((f) => f.row.id),
            what,
          ).toEqual(expected);
          if (expected.length > 0) nonEmpty++;
          if (offset === 0 && limit === 50)
            expect(await countChildren(db, criteria, scope), what).toBe(expected.length);
          const rows = await findChildren(db, expected);
          for (const f of found) expect(f.row, what).toEqual(rows.get(f.row.id));
          expect(normalised(new Map(found.map((f) => [f.row.id, f.facts]))), what).toEqual(
            normalised(await readAccessFacts(db, expected)),
          );
        }
      }
    }
    // The cases found children (not a comparison of empty lists).
    expect(nonEmpty).toBeGreaterThan(20);
    // Only some kinds of consent (a page reads those its caller's decisions consult): exactly
    // the full facts with the other consents left out, and nothing else different.
    const kindSets: ConsentKind[][] = [
      [],
      [{ recipientOrgType: 'local_authority', purpose: 'ehc_assessment' }],
      [
        { recipientOrgType: 'health', purpose: 'ehc_assessment' },
        { recipientOrgType: 'local_authority', purpose: 'ehc_assessment' },
      ],
      [{ recipientOrgType: 'school', purpose: 'annual_review' }],
    ];
    let kept = 0;
    let left = 0;
    for (const scope of scopes) {
      const full = await searchChildrenWithFacts(db, {}, 50, scope, { consents: 'all' });
      for (const kinds of kindSets) {
        const some = await searchChildrenWithFacts(db, {}, 50, scope, { consents: kinds });
        expect(some.map((f) => f.row)).toEqual(full.map((f) => f.row));
        some.forEach((f, i) => {
          const whole = full[i]!.facts;
          const expected = { ...whole, consents: whole.consents.filter((c) => isOfKind(c, kinds)) };
          expect(normalised(new Map([[f.row.id, f.facts]]))).toEqual(
            normalised(new Map([[f.row.id, expected]])),
          );
          kept += expected.consents.length;
          left += whole.consents.length - expected.consents.length;
        });
      }
    }
    // Both sides were exercised: consents kept and consents left out.
    expect(kept).toBeGreaterThan(0);
    expect(left).toBeGreaterThan(kept);
    const statements = await countStatements(db, () =>
      searchChildrenWithFacts(db, { name: 'Testchild' }, 50, la, { consents: 'all' }),
    );
    if (statements !== null) expect(statements).toBe(1);
  });
});
