import type { DbHandle } from '@hub/db';
import { inArray } from 'drizzle-orm';
import { caseRecord, shortBreak } from './tables.ts';

export interface SocialCareSection {
  status: string;
  allocatedWorker: { name: string; team: string | null } | null;
  shortBreaks: Array<typeof shortBreak.$inferSelect>;
  updatedAt: string;
}

export async function findSections(
  db: DbHandle,
  childIds: string[],
): Promise<Map<string, SocialCareSection>> {
  if (childIds.length === 0) return new Map();
  const [cases, breaks] = await Promise.all([
    db.db.select().from(caseRecord).where(inArray(caseRecord.childId, childIds)),
    db.db
      .select()
      .from(shortBreak)
      .where(inArray(shortBreak.childId, childIds))
      .orderBy(shortBreak.startDate),
  ]);
  const sections = new Map<string, SocialCareSection>();
  for (const c of cases) {
    sections.set(c.childId, {
      status: c.status,
      allocatedWorker: c.workerName ? { name: c.workerName, team: c.workerTeam } : null,
      shortBreaks: [],
      updatedAt: new Date(c.updatedAt).toISOString(),
    });
  }
  for (const b of breaks) sections.get(b.childId)?.shortBreaks.push(b);
  return sections;
}
