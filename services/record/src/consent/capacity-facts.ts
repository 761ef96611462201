import type { DbHandle } from '@hub/db';
import type { CapacityRepresentativeEntry, ChildAccessFacts } from '@hub/policy';
import { inArray } from 'drizzle-orm';
import { capacityRepresentative } from '../tables.ts';

type Row = typeof capacityRepresentative.$inferSelect;

export function toEntry(row: Row): CapacityRepresentativeEntry {
  return {
    id: row.id,
    sub: row.representativeSub,
    basis: row.basis,
    recordedAt: row.recordedAt.toISOString(),
    reviewBy: row.reviewBy,
    endedAt: row.endedAt ? row.endedAt.toISOString() : null,
  };
}

/**
 * Adds each child's capacity-representative history to access facts (one query for the batch).
 * Called from loadAccessFacts so every policy decision sees it.
 */
export async function attachCapacityRepresentatives(
  db: DbHandle,
  ids: readonly string[],
  facts: Map<string, ChildAccessFacts>,
): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db.db
    .select()
    .from(capacityRepresentative)
    .where(inArray(capacityRepresentative.childId, [...ids]));
  for (const f of facts.values()) f.capacityRepresentatives ??= [];
  for (const row of rows) facts.get(row.childId)?.capacityRepresentatives?.push(toEntry(row));
}
