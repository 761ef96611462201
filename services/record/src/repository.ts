import type { DbHandle } from '@hub/db';
import type { ChildAccessFacts, ConsentRecord } from '@hub/policy';
import { and, count, eq, exists, ilike, inArray, or, type SQL } from 'drizzle-orm';
import {
  type ChildIdentityRow,
  type ChildSearchCriteria,
  readAccessFacts,
  type SearchScope,
} from './access-facts-query.ts';
import { child, childRelationship, type consent, familyMember } from './tables.ts';

export type { ChildSearchCriteria, SearchScope };

const identity = {
  id: child.id,
  givenName: child.givenName,
  familyName: child.familyName,
  dateOfBirth: child.dateOfBirth,
  nhsNumber: child.nhsNumber,
  upn: child.upn,
  laId: child.laId,
};
/** The record's own fields of a child (identity), as every reader gives them. */
export type ChildRow = ChildIdentityRow;

export async function findChildren(db: DbHandle, ids: readonly string[]): Promise<Map<string, ChildRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.db
    .select(identity)
    .from(child)
    .where(inArray(child.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The where clause of a search: the criteria, within the caller's scope (relationship or family).
 * The same rules as the page query (searchChildrenWithFacts in access-facts-query.ts), for the
 * total count; the record's test checks the two agree.
 */
function searchWhere(db: DbHandle, criteria: ChildSearchCriteria, scope: SearchScope): SQL | undefined {
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
  return and(...where);
}

/** How many children a search matches in all (the same criteria and scope as the page query). */
export async function countChildren(
  db: DbHandle,
  criteria: ChildSearchCriteria,
  scope: SearchScope,
): Promise<number> {
  const [row] = await db.db
    .select({ n: count() })
    .from(child)
    .where(searchWhere(db, criteria, scope));
  return Number(row?.n ?? 0);
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
  // One statement for all of it, capacity representatives included (access-facts-query.ts):
  // this runs on every request, up to four times for one child record.
  return readAccessFacts(db, list);
}
