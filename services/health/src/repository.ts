import type { DbHandle } from '@hub/db';
import { inArray } from 'drizzle-orm';
import { diagnosis, healthRecord, involvement, pathwayWait, supportWhileWaiting } from './tables.ts';

type Involvement = typeof involvement.$inferSelect & { active: boolean };
type PathwayWaitRow = typeof pathwayWait.$inferSelect & {
  supportWhileWaiting: Array<typeof supportWhileWaiting.$inferSelect>;
};
type Diagnosis = typeof diagnosis.$inferSelect;

export interface HealthSection {
  involvements: Involvement[];
  pathwayWaits: PathwayWaitRow[];
  diagnoses: Diagnosis[];
  updatedAt: string;
}

export async function findSections(db: DbHandle, childIds: string[]): Promise<Map<string, HealthSection>> {
  if (childIds.length === 0) return new Map();
  const [records, involvements, waits, diagnoses, support] = await Promise.all([
    db.db.select().from(healthRecord).where(inArray(healthRecord.childId, childIds)),
    db.db
      .select()
      .from(involvement)
      .where(inArray(involvement.childId, childIds))
      .orderBy(involvement.startDate),
    db.db
      .select()
      .from(pathwayWait)
      .where(inArray(pathwayWait.childId, childIds))
      .orderBy(pathwayWait.referralDate),
    db.db.select().from(diagnosis).where(inArray(diagnosis.childId, childIds)).orderBy(diagnosis.diagnosedOn),
    db.db
      .select()
      .from(supportWhileWaiting)
      .where(inArray(supportWhileWaiting.childId, childIds))
      .orderBy(supportWhileWaiting.offeredOn),
  ]);
  const sections = new Map<string, HealthSection>();
  for (const r of records) {
    sections.set(r.childId, {
      involvements: [],
      pathwayWaits: [],
      diagnoses: [],
      updatedAt: new Date(r.updatedAt).toISOString(),
    });
  }
  for (const i of involvements)
    sections.get(i.childId)?.involvements.push({ ...i, active: i.endDate === null });
  for (const w of waits) {
    sections
      .get(w.childId)
      ?.pathwayWaits.push({ ...w, supportWhileWaiting: support.filter((s) => s.pathwayWaitId === w.id) });
  }
  for (const d of diagnoses) sections.get(d.childId)?.diagnoses.push(d);
  return sections;
}
