import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import { compareDates, type IsoDate, isIsoDate } from '@hub/ehc-clock';
import { decisionMakers } from '@hub/policy';
import { HubError } from '@hub/service-kit';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { loadAccessFacts } from '../repository.ts';
import { ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { ehcAdviceReuse } from './lifecycle-tables.ts';

/**
 * Reg 6(4) of the SEND Regulations 2014: the council "need not seek" the advice of reg 6(1)(b)
 * to (h) (education, health, psychological, social care, …) when advice already given for any
 * purpose is agreed to be sufficient for the EHC needs assessment by the person who gave it, the
 * council, and the child's parent or the young person. The council records the reuse instead of
 * asking anew; the family need not go through the same assessment twice. Counted on the
 * dashboard's "families repeat themselves less".
 *
 * Who agrees for the family is whoever decides on that day (@hub/policy decisionMakers): the
 * parent carer up to the end of compulsory school age, then the young person, or the recorded
 * representative of a young person who lacks capacity. While nobody can decide (a young person
 * past that age with no login yet) no agreement can be recorded.
 */
export const REUSE_AGENCIES = ['health', 'social_care', 'educational_psychology', 'education'] as const;
export const REUSE_AGREED_BY = ['parent_carer', 'young_person', 'representative'] as const;
export type ReuseAgreedBy = (typeof REUSE_AGREED_BY)[number];

type ReuseRow = typeof ehcAdviceReuse.$inferSelect;

export interface AdviceReuseView {
  id: string;
  agency: ReuseRow['agency'];
  existingAdvice: string;
  existingAdviceDate: string;
  providerAgreedDate: string;
  familyAgreedDate: string;
  familyAgreedBy: ReuseAgreedBy;
}

/** Who may agree for the family on `date` (England), as decisionMakers says; null: nobody yet. */
export function familyDeciderOn(stage: ReturnType<typeof decisionMakers>['stage']): ReuseAgreedBy | null {
  if (stage === 'child') return 'parent_carer';
  if (stage === 'representative') return 'representative';
  if (stage === 'young_person') return 'young_person';
  return null;
}

export interface AdviceReuseInput {
  agency: unknown;
  existingAdvice: unknown;
  existingAdviceDate: unknown;
  providerAgreedDate: unknown;
  familyAgreedDate: unknown;
  familyAgreedBy: unknown;
}

/** Records a reg 6(4) reuse. Every problem is listed at once; nothing is written on error. */
export async function recordEhcAdviceReuse(
  db: DbHandle,
  sub: string,
  assessmentId: string,
  input: AdviceReuseInput,
  today: IsoDate,
): Promise<{ childId: string; id: string }> {
  const [a] = await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.id, assessmentId));
  if (!a) throw new HubError('NOT_FOUND', `No EHC needs assessment has id ${assessmentId}.`);
  const problems: string[] = [];
  const agency = (REUSE_AGENCIES as readonly unknown[]).includes(input.agency)
    ? (input.agency as ReuseRow['agency'])
    : null;
  if (!agency) problems.push(`agency must be one of ${REUSE_AGENCIES.join(', ')}`);
  const text = typeof input.existingAdvice === 'string' ? input.existingAdvice.trim() : '';
  if (text.length < 10 || text.length > 500)
    problems.push(
      'existingAdvice must say in 10 to 500 characters which advice is reused (who gave it, what it is)',
    );
  const date = (value: unknown, field: string): IsoDate | null => {
    if (!isIsoDate(value)) {
      problems.push(`${field} must be a real date written YYYY-MM-DD`);
      return null;
    }
    if (compareDates(value, today) > 0) problems.push(`${field} cannot be in the future`);
    return value;
  };
  const given = date(input.existingAdviceDate, 'existingAdviceDate');
  const provider = date(input.providerAgreedDate, 'providerAgreedDate');
  const family = date(input.familyAgreedDate, 'familyAgreedDate');
  for (const [field, d] of [
    ['providerAgreedDate', provider],
    ['familyAgreedDate', family],
  ] as const) {
    if (given && d && compareDates(d, given) < 0) problems.push(`${field} is before the advice was given`);
  }
  if (a.decision !== 'assess' || !a.decisionDate)
    problems.push('advice is sought only once the council has decided to assess (reg 6(1))');
  else if (family && compareDates(family, a.requestDate as IsoDate) < 0)
    problems.push('familyAgreedDate is before the request for the assessment');
  if (!(REUSE_AGREED_BY as readonly unknown[]).includes(input.familyAgreedBy))
    problems.push(`familyAgreedBy must be one of ${REUSE_AGREED_BY.join(', ')}`);
  else if (family) {
    const facts = (await loadAccessFacts(db, [a.childId])).get(a.childId);
    const decider = facts
      ? familyDeciderOn(decisionMakers(facts, new Date(`${family}T12:00:00Z`)).stage)
      : null;
    if (decider !== input.familyAgreedBy)
      problems.push(
        decider === null
          ? `on ${family} nobody could agree for the family (the young person decides but has no login yet)`
          : `on ${family} the ${decider.replace('_', ' ')} decides for the family, not the ${String(input.familyAgreedBy).replace('_', ' ')}`,
      );
  }
  if (agency) {
    const asked = await db.db
      .select({ id: ehcAdviceRequest.id })
      .from(ehcAdviceRequest)
      .where(and(eq(ehcAdviceRequest.assessmentId, assessmentId), eq(ehcAdviceRequest.agency, agency)));
    if (asked.length > 0) problems.push(`${agency} advice was already asked for in this assessment`);
    const reused = await db.db
      .select({ id: ehcAdviceReuse.id })
      .from(ehcAdviceReuse)
      .where(and(eq(ehcAdviceReuse.assessmentId, assessmentId), eq(ehcAdviceReuse.agency, agency)));
    if (reused.length > 0)
      throw new HubError('CONFLICT', `Reuse of ${agency} advice is already recorded for this assessment.`, {
        reuseId: reused[0]!.id,
      });
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid advice reuse: ${problems.join('; ')}.`, { problems });
  const id = randomUUID();
  await db.db.insert(ehcAdviceReuse).values({
    id,
    assessmentId,
    childId: a.childId,
    agency: agency!,
    existingAdvice: text,
    existingAdviceDate: given!,
    providerAgreedDate: provider!,
    familyAgreedDate: family!,
    familyAgreedBy: input.familyAgreedBy as ReuseAgreedBy,
    recordedBySub: sub,
  });
  return { childId: a.childId, id };
}

/** The reuses of these assessments, oldest agreement first. */
export async function adviceReusesFor(db: DbHandle, assessmentIds: string[]): Promise<ReuseRow[]> {
  if (assessmentIds.length === 0) return [];
  return db.db
    .select()
    .from(ehcAdviceReuse)
    .where(inArray(ehcAdviceReuse.assessmentId, assessmentIds))
    .orderBy(asc(ehcAdviceReuse.familyAgreedDate), asc(ehcAdviceReuse.id));
}

/** As at `asAt`: a reuse counts once every party had agreed by then. */
export function reuseView(rows: ReuseRow[], asAt: IsoDate): AdviceReuseView[] {
  return rows
    .filter(
      (r) =>
        compareDates(r.familyAgreedDate as IsoDate, asAt) <= 0 &&
        compareDates(r.providerAgreedDate as IsoDate, asAt) <= 0,
    )
    .map((r) => ({
      id: r.id,
      agency: r.agency,
      existingAdvice: r.existingAdvice,
      existingAdviceDate: r.existingAdviceDate,
      providerAgreedDate: r.providerAgreedDate,
      familyAgreedDate: r.familyAgreedDate,
      familyAgreedBy: r.familyAgreedBy,
    }));
}

/**
 * Dashboard: reuses whose agreement was complete (the later of the family's and the provider's
 * agreement) in [from, to], for children of these councils (their responsible local authority).
 */
export async function adviceReusedInWindow(
  db: DbHandle,
  councils: string[],
  from: IsoDate,
  to: IsoDate,
): Promise<number> {
  if (councils.length === 0) return 0;
  const [row] = await db.query<{ n: number }>(
    `select count(*)::int as n from record.ehc_advice_reuse u
      where greatest(u.family_agreed_date, u.provider_agreed_date) between $2::date and $3::date
        and exists (select 1 from record.child_relationship r
                     where r.child_id = u.child_id and r.kind = 'la_responsible' and r.active
                       and r.org_id = any($1::text[]))`,
    [councils, from, to],
  );
  return row?.n ?? 0;
}
