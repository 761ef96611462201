import type { DbHandle } from '@hub/db';
import { buildSyntheticDataset, laCodeOf, type SyntheticDataset } from '@hub/synthetic';
import { sql } from 'drizzle-orm';
import { caseRecord, council, shortBreak } from './tables.ts';

export async function seedSocialCare(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const withCare = dataset.children.flatMap((c) => (c.socialCare ? [{ id: c.id, care: c.socialCare }] : []));
  const cases = withCare.map((c) => ({
    childId: c.id,
    status: c.care.status,
    workerName: c.care.allocatedWorker?.name ?? null,
    workerTeam: c.care.allocatedWorker?.team ?? null,
    organisationId: c.care.allocatedWorker?.organisationId ?? null,
    updatedAt: c.care.updatedAt,
  }));
  const breaks = withCare.flatMap((c) => c.care.shortBreaks.map((b) => ({ ...b, childId: c.id })));
  await db.db.transaction(async (tx) => {
    // The councils the hub serves, by DfE LA code: a CIN census from any other LA is refused.
    const councils = dataset.councils ?? [dataset.localAuthority];
    await tx.insert(council).values(councils.map((c) => ({ id: c.id, laCode: laCodeOf(c.id) })));
    for (let i = 0; i < cases.length; i += 200) await tx.insert(caseRecord).values(cases.slice(i, i + 200));
    for (let i = 0; i < breaks.length; i += 200) await tx.insert(shortBreak).values(breaks.slice(i, i + 200));
  });
  return cases.length + breaks.length;
}

export async function seedSocialCareIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(caseRecord);
  if ((row?.n ?? 0) > 0) return 0;
  return seedSocialCare(db, buildSyntheticDataset());
}
