import type { DbHandle } from '@hub/db';
import { buildSendWorkflow, buildSyntheticDataset, type SyntheticDataset } from '@hub/synthetic';
import { eq, sql } from 'drizzle-orm';
import { diagnosis, healthRecord, involvement, pathwayWait, supportWhileWaiting } from './tables.ts';

export async function seedHealth(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const withHealth = dataset.children.flatMap((c) => (c.health ? [{ id: c.id, health: c.health }] : []));
  const records = withHealth.map((c) => ({ childId: c.id, updatedAt: c.health.updatedAt }));
  const involvements = withHealth.flatMap((c) => c.health.involvements.map((i) => ({ ...i, childId: c.id })));
  const waits = withHealth.flatMap((c) => c.health.pathwayWaits.map((w) => ({ ...w, childId: c.id })));
  const support = buildSendWorkflow(dataset).supportWhileWaiting;
  const diagnoses = withHealth.flatMap((c) => c.health.diagnoses.map((d) => ({ ...d, childId: c.id })));
  await db.db.transaction(async (tx) => {
    for (let i = 0; i < records.length; i += 200)
      await tx.insert(healthRecord).values(records.slice(i, i + 200));
    for (let i = 0; i < involvements.length; i += 200)
      await tx.insert(involvement).values(involvements.slice(i, i + 200));
    for (let i = 0; i < waits.length; i += 200) await tx.insert(pathwayWait).values(waits.slice(i, i + 200));
    for (let i = 0; i < diagnoses.length; i += 200)
      await tx.insert(diagnosis).values(diagnoses.slice(i, i + 200));
    for (let i = 0; i < support.length; i += 200)
      await tx.insert(supportWhileWaiting).values(support.slice(i, i + 200));
  });
  return records.length + involvements.length + waits.length + diagnoses.length + support.length;
}

export async function seedHealthIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(healthRecord);
  if ((row?.n ?? 0) > 0) {
    // Seeded before "support while waiting" existed: add it when the same synthetic waits are there.
    const support = buildSendWorkflow(buildSyntheticDataset()).supportWhileWaiting;
    const [seen] = await db.db.select({ n: sql<number>`count(*)::int` }).from(supportWhileWaiting);
    const [wait] = support[0]
      ? await db.db
          .select({ id: pathwayWait.id })
          .from(pathwayWait)
          .where(eq(pathwayWait.id, support[0].pathwayWaitId))
      : [];
    if ((seen?.n ?? 0) > 0 || !wait) return 0;
    for (let i = 0; i < support.length; i += 200)
      await db.db.insert(supportWhileWaiting).values(support.slice(i, i + 200));
    return support.length;
  }
  return seedHealth(db, buildSyntheticDataset());
}

/**
 * SEED=synthetic-local: nothing. Every health row (involvements, waits, diagnoses, support while
 * waiting) comes in through POST /fhir from the synthetic trusts' bundles; advice is written in the hub.
 */
export async function seedHealthLocalIfEmpty(_db: DbHandle): Promise<number> {
  return 0;
}
