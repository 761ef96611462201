import type { DbHandle } from '@hub/db';
import { and, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { child } from './tables.ts';

export type ChildRow = typeof child.$inferSelect;

export interface ChildSearchCriteria {
  name?: string | undefined;
  nhsNumber?: string | undefined;
  upn?: string | undefined;
  dateOfBirth?: string | undefined;
}

const identity = {
  id: child.id,
  givenName: child.givenName,
  familyName: child.familyName,
  dateOfBirth: child.dateOfBirth,
  nhsNumber: child.nhsNumber,
  upn: child.upn,
  laId: child.laId,
  createdAt: child.createdAt,
};

export async function findChildren(db: DbHandle, ids: readonly string[]): Promise<Map<string, ChildRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.db.select(identity).from(child).where(inArray(child.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row]));
}

/** All criteria must match (AND); the name matches given or family name, case-insensitively. */
export async function searchChildren(db: DbHandle, criteria: ChildSearchCriteria, limit: number): Promise<ChildRow[]> {
  const where: SQL[] = [];
  if (criteria.name) {
    const pattern = `%${criteria.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(child.givenName, pattern), ilike(child.familyName, pattern)) as SQL);
  }
  if (criteria.nhsNumber) where.push(eq(child.nhsNumber, criteria.nhsNumber));
  if (criteria.upn) where.push(eq(child.upn, criteria.upn));
  if (criteria.dateOfBirth) where.push(eq(child.dateOfBirth, criteria.dateOfBirth));
  return db.db
    .select(identity)
    .from(child)
    .where(and(...where))
    .orderBy(child.familyName, child.givenName, child.id)
    .limit(limit);
}
