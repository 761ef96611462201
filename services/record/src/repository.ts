import type { DbHandle } from '@hub/db';
import type { BreakGlassEntry, ChildAccessFacts, ConsentRecord } from '@hub/policy';
import { and, eq, exists, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { attachCapacityRepresentatives } from './capacity-facts.ts';
import { breakGlass, child, childRelationship, consent, familyMember } from './tables.ts';

export interface ChildSearchCriteria {
  name?: string | undefined;
  nhsNumber?: string | undefined;
  upn?: string | undefined;
  dateOfBirth?: string | undefined;
}

/** Which children a search may even consider: the caller's organisation's, or their family's. */
export type SearchScope =
  | { kind: 'organisation'; orgId: string; relationships: readonly string[] }
  | { kind: 'family'; sub: string };

const identity = {
  id: child.id,
  givenName: child.givenName,
  familyName: child.familyName,
  dateOfBirth: child.dateOfBirth,
  nhsNumber: child.nhsNumber,
  upn: child.upn,
  laId: child.laId,
};
export interface ChildRow {
  id: string;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  nhsNumber: string | null;
  upn: string | null;
  laId: string | null;
}

export async function findChildren(db: DbHandle, ids: readonly string[]): Promise<Map<string, ChildRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.db
    .select(identity)
    .from(child)
    .where(inArray(child.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * All criteria must match (AND); the name matches given or family name, case-insensitively.
 * The scope is part of the SQL: a search never even reads children outside it.
 */
export async function searchChildren(
  db: DbHandle,
  criteria: ChildSearchCriteria,
  limit: number,
  scope: SearchScope,
): Promise<ChildRow[]> {
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
                inArray(childRelationship.kind, [...scope.relationships] as (
                  | 'on_roll'
                  | 'involvement'
                  | 'allocated'
                  | 'la_responsible'
                )[]),
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
  return db.db
    .select(identity)
    .from(child)
    .where(and(...where))
    .orderBy(child.familyName, child.givenName, child.id)
    .limit(limit);
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toConsentRecord(row: typeof consent.$inferSelect): ConsentRecord {
  return {
    id: row.id,
    childId: row.childId,
    domain: row.domain,
    recipientOrgType: row.recipientOrgType,
    purpose: row.purpose,
    grantedBySub: row.grantedBySub,
    grantedByRole: row.grantedByRole,
    startsAt: row.startsAt.toISOString(),
    expiresAt: iso(row.expiresAt),
    withdrawnAt: iso(row.withdrawnAt),
    confirmedByYoungPersonAt: iso(row.confirmedByYoungPersonAt),
  };
}

/**
 * Everything the access policy needs about each child, read fresh on every request (no
 * cache: a consent withdrawn a moment ago must already count). Unknown ids are absent.
 */
export async function loadAccessFacts(
  db: DbHandle,
  ids: readonly string[],
): Promise<Map<string, ChildAccessFacts>> {
  if (ids.length === 0) return new Map();
  const list = [...ids];
  const [children, relationships, family, consents, glass] = await Promise.all([
    db.db
      .select({
        id: child.id,
        dateOfBirth: child.dateOfBirth,
        confirmed: child.parentAccessConfirmedByYoungPerson,
      })
      .from(child)
      .where(inArray(child.id, list)),
    db.db.select().from(childRelationship).where(inArray(childRelationship.childId, list)),
    db.db.select().from(familyMember).where(inArray(familyMember.childId, list)),
    db.db.select().from(consent).where(inArray(consent.childId, list)),
    db.db.select().from(breakGlass).where(inArray(breakGlass.childId, list)),
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
    } satisfies BreakGlassEntry);
  }
  // Who decides for a young person lacking capacity: a separate query, see capacity-facts.ts.
  await attachCapacityRepresentatives(db, list, facts);
  return facts;
}
