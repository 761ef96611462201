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

/**
 * What no Children in Need census carries, for a hub whose children in need come in through the
 * council's census file (`pnpm start` seeds through the adapters): the councils, short breaks,
 * allocated workers, and the statuses the census has no element for — looked after (the SSDA903
 * return, not an adapter here), early help and none (not in the census). Those children's rows
 * are written as they are; a child in need or on a child protection plan who has a worker or
 * short breaks gets the row they need with status NONE, and the census sets the status (a
 * LOOKED_AFTER row keeps its status while the census shows an open referral).
 */
export async function seedSocialCareLocal(db: DbHandle, dataset: SyntheticDataset): Promise<number> {
  const census = new Set(['CHILD_IN_NEED', 'CHILD_PROTECTION']);
  const local = dataset.children.flatMap((c) => {
    const care = c.socialCare;
    if (!care) return [];
    const inCensus = census.has(care.status);
    if (inCensus && !care.allocatedWorker && care.shortBreaks.length === 0) return [];
    return [
      {
        childId: c.id,
        status: inCensus ? ('NONE' as const) : care.status,
        workerName: care.allocatedWorker?.name ?? null,
        workerTeam: care.allocatedWorker?.team ?? null,
        organisationId: care.allocatedWorker?.organisationId ?? null,
        updatedAt: care.updatedAt,
      },
    ];
  });
  const breaks = dataset.children.flatMap((c) =>
    (c.socialCare?.shortBreaks ?? []).map((b) => ({ ...b, childId: c.id })),
  );
  await db.db.transaction(async (tx) => {
    const councils = dataset.councils ?? [dataset.localAuthority];
    await tx.insert(council).values(councils.map((c) => ({ id: c.id, laCode: laCodeOf(c.id) })));
    for (let i = 0; i < local.length; i += 200) await tx.insert(caseRecord).values(local.slice(i, i + 200));
    for (let i = 0; i < breaks.length; i += 200) await tx.insert(shortBreak).values(breaks.slice(i, i + 200));
  });
  return local.length + breaks.length;
}

export async function seedSocialCareLocalIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(council);
  if ((row?.n ?? 0) > 0) return 0;
  return seedSocialCareLocal(db, buildSyntheticDataset());
}

export async function seedSocialCareIfEmpty(db: DbHandle): Promise<number> {
  const [row] = await db.db.select({ n: sql<number>`count(*)::int` }).from(caseRecord);
  if ((row?.n ?? 0) > 0) return 0;
  return seedSocialCare(db, buildSyntheticDataset());
}
