import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  compareDates,
  type DeadlineContext,
  type ExceptedDeadline,
  type ExceptionFacts,
  englandDate,
  exceptionFactProblems,
  exceptionVerdict,
  type IsoDate,
  isIsoDate,
  MILESTONE_DECISION_TO_ASSESS,
  MILESTONE_FINAL_PLAN,
  type Milestone,
  needsAssessmentMilestones,
  type RecordedException,
  STATUTORY_EXCEPTION_KINDS,
  type StatutoryExceptionKind,
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { and, eq, inArray } from 'drizzle-orm';
import { ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { ehcException } from './lifecycle-tables.ts';

/**
 * Exceptions to the EHC time limits, recorded by the LA SEND officer as facts with evidence
 * (regs 5(4), 8(2), 10(4), 13(3) of the SEND Regulations 2014). Which milestone each one excuses
 * is @hub/ehc-clock's `exceptionVerdict`: a missed appointment only the advice of the body that
 * made it (reg 8(2)(c)), a school closure never advice, and so on.
 */
export type ExceptionRow = typeof ehcException.$inferSelect;
type AdviceRow = typeof ehcAdviceRequest.$inferSelect;

export interface ExceptionEffect {
  /** The milestone's name as the API shows it (e.g. final_plan, advice:health). */
  milestone: string;
  adviceRequestId: string | null;
  regulation: string;
}

export interface ExceptionView {
  id: string;
  kind: StatutoryExceptionKind;
  from: string;
  to: string | null;
  adviceRequestId: string | null;
  /** Shown to the LA SEND team only: it may describe a family's private circumstances. */
  evidence: string | null;
  recordedAt: string;
  endedAt: string | null;
  /** The time limits it excuses as at the evaluation date, with the limb relied on. */
  excuses: ExceptionEffect[];
}

/**
 * The exceptions as they stood at the end of `asAt`: none recorded or begun later, and one
 * ended later is still open then. So a past date shows what the clock showed on that date.
 */
export function exceptionsAsAt(rows: ExceptionRow[], asAt: IsoDate): ExceptionRow[] {
  return rows
    .filter(
      (r) =>
        compareDates(r.fromDate as IsoDate, asAt) <= 0 && compareDates(englandDate(r.recordedAt), asAt) <= 0,
    )
    .map((r) =>
      r.endedAt !== null && compareDates(englandDate(r.endedAt), asAt) > 0
        ? { ...r, toDate: null, endedAt: null, endedBySub: null }
        : r,
    );
}

export async function exceptionsFor(db: DbHandle, assessmentIds: string[]): Promise<ExceptionRow[]> {
  if (assessmentIds.length === 0) return [];
  return db.db.select().from(ehcException).where(inArray(ehcException.assessmentId, assessmentIds));
}

/** Which statutory time limit a milestone is, and the advice request for an advice milestone. */
function deadlineOf(name: string): { deadline: ExceptedDeadline; adviceRequestId?: string } | null {
  if (name === 'decision_to_assess' || name === 'decision_not_to_issue' || name === 'final_plan')
    return { deadline: name };
  // Advice milestones are named advice:other:<agency>:<request id> by workflow.ts.
  if (name.startsWith('advice:')) return { deadline: 'advice', adviceRequestId: name.split(':').at(-1)! };
  return null; // the draft plan target has no exceptions (it is not a time limit)
}

/** The milestone name as the API shows it. */
export const publicMilestoneName = (name: string) =>
  name.startsWith('advice:') ? `advice:${name.split(':')[2]}` : name;

/**
 * The recorded exceptions that excuse each of `milestones` as at `asAt`, as @hub/ehc-clock
 * `RecordedException`s (so `evaluateMilestones` marks them excused, not breaches), and each
 * exception's effects for the API.
 */
export function excuseMilestones(
  milestones: readonly Milestone[],
  start: { requestDate: IsoDate; advice: AdviceRow[] },
  exceptions: ExceptionRow[],
  asAt: IsoDate,
): { recorded: RecordedException[]; effects: Map<string, ExceptionEffect[]> } {
  const educationAdviceSentDates = start.advice
    .filter((r) => r.agency === 'education')
    .map((r) => r.sentDate as IsoDate);
  const recorded: RecordedException[] = [];
  const effects = new Map<string, ExceptionEffect[]>(exceptions.map((e) => [e.id, []]));
  for (const m of milestones) {
    const d = deadlineOf(m.name);
    if (!d) continue;
    const advice = d.adviceRequestId ? start.advice.find((r) => r.id === d.adviceRequestId) : undefined;
    const context: DeadlineContext = {
      deadline: d.deadline,
      start: (advice?.sentDate as IsoDate | undefined) ?? start.requestDate,
      due: m.dueDate,
      ...(d.adviceRequestId ? { adviceRequestId: d.adviceRequestId } : {}),
      educationAdviceSentDates,
    };
    for (const e of exceptions) {
      const facts: ExceptionFacts = {
        id: e.id,
        kind: e.kind,
        from: e.fromDate as IsoDate,
        to: e.toDate as IsoDate | null,
        adviceRequestId: e.adviceRequestId,
        evidence: e.evidence,
      };
      const verdict = exceptionVerdict(facts, context, asAt);
      if (!verdict.applies) continue;
      recorded.push({
        milestone: m.name,
        reason:
          e.kind === 'school_closure' || e.kind === 'early_years_closure'
            ? 'la_closure'
            : e.kind === 'personal_circumstances'
              ? 'personal_circumstances'
              : e.kind === 'absence_from_area'
                ? 'child_absent'
                : 'other',
        note: `${verdict.regulation}: ${e.evidence}`,
      });
      effects.get(e.id)!.push({
        milestone: publicMilestoneName(m.name),
        adviceRequestId: d.adviceRequestId ?? null,
        regulation: verdict.regulation!,
      });
    }
  }
  return { recorded, effects };
}

export function exceptionView(
  e: ExceptionRow,
  effects: ExceptionEffect[],
  showEvidence: boolean,
): ExceptionView {
  return {
    id: e.id,
    kind: e.kind,
    from: e.fromDate,
    to: e.toDate,
    adviceRequestId: e.adviceRequestId,
    evidence: showEvidence ? e.evidence : null,
    recordedAt: e.recordedAt.toISOString(),
    endedAt: e.endedAt?.toISOString() ?? null,
    excuses: effects,
  };
}

// ---- writes (the LA SEND officer; access checked by the resolver through @hub/policy) ----

export interface ExceptionInput {
  kind: unknown;
  from: unknown;
  to?: unknown;
  evidence: unknown;
  adviceRequestId?: unknown;
}

/** Records the facts of an exception. Every problem is listed at once; nothing is written on error. */
export async function recordEhcException(
  db: DbHandle,
  sub: string,
  assessmentId: string,
  input: ExceptionInput,
  today: IsoDate,
): Promise<{ childId: string; id: string }> {
  const [a] = await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.id, assessmentId));
  if (!a) throw new HubError('NOT_FOUND', `No EHC needs assessment has id ${assessmentId}.`);
  const problems: string[] = [];
  if (!(STATUTORY_EXCEPTION_KINDS as readonly unknown[]).includes(input.kind))
    problems.push(`kind must be one of ${STATUTORY_EXCEPTION_KINDS.join(', ')}`);
  const date = (value: unknown, field: string, required: boolean): IsoDate | null => {
    if (value === undefined || value === null) {
      if (required) problems.push(`${field} is required`);
      return null;
    }
    if (!isIsoDate(value)) {
      problems.push(`${field} must be a real date written YYYY-MM-DD`);
      return null;
    }
    if (compareDates(value, today) > 0) problems.push(`${field} cannot be in the future`);
    return value;
  };
  const from = date(input.from, 'from', true);
  const to = date(input.to, 'to', false);
  if (typeof input.evidence !== 'string') problems.push('evidence is required');
  if (typeof input.evidence === 'string' && input.evidence.length > 2000)
    problems.push('evidence is at most 2000 characters');
  let adviceRequestId: string | null = null;
  if (input.adviceRequestId !== undefined && input.adviceRequestId !== null) {
    const [r] =
      typeof input.adviceRequestId === 'string' && /^[0-9a-f-]{36}$/i.test(input.adviceRequestId)
        ? await db.db
            .select()
            .from(ehcAdviceRequest)
            .where(
              and(
                eq(ehcAdviceRequest.id, input.adviceRequestId.toLowerCase()),
                eq(ehcAdviceRequest.assessmentId, assessmentId),
              ),
            )
        : [];
    if (!r) problems.push('adviceRequestId is not an advice request of this assessment');
    else adviceRequestId = r.id;
  }
  if (problems.length === 0 && from) {
    problems.push(
      ...exceptionFactProblems({
        kind: input.kind as StatutoryExceptionKind,
        from,
        to,
        adviceRequestId,
        evidence: input.evidence as string,
      }),
    );
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid EHC exception: ${problems.join('; ')}.`, { problems });
  const id = randomUUID();
  await db.db.insert(ehcException).values({
    id,
    assessmentId,
    childId: a.childId,
    kind: input.kind as StatutoryExceptionKind,
    fromDate: from!,
    toDate: to,
    adviceRequestId,
    evidence: (input.evidence as string).trim(),
    recordedBySub: sub,
  });
  return { childId: a.childId, id };
}

export async function childAndAssessmentOfException(
  db: DbHandle,
  id: string,
): Promise<{ childId: string; assessmentId: string }> {
  const [row] = await db.db.select().from(ehcException).where(eq(ehcException.id, id));
  if (!row) throw new HubError('NOT_FOUND', `No EHC exception has id ${id}.`);
  return { childId: row.childId, assessmentId: row.assessmentId };
}

/** Ends an open-ended exception on `to` (the last day it applied). Once only. */
export async function endEhcException(
  db: DbHandle,
  sub: string,
  id: string,
  to: unknown,
  today: IsoDate,
): Promise<string> {
  const [row] = await db.db.select().from(ehcException).where(eq(ehcException.id, id));
  if (!row) throw new HubError('NOT_FOUND', `No EHC exception has id ${id}.`);
  const problems: string[] = [];
  if (!isIsoDate(to)) problems.push('to must be a real date written YYYY-MM-DD');
  else {
    if (compareDates(to, today) > 0) problems.push('to cannot be in the future');
    if (compareDates(to, row.fromDate as IsoDate) < 0) problems.push(`to is before from (${row.fromDate})`);
  }
  if (row.toDate !== null) problems.push(`this exception already ended on ${row.toDate}`);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid end of EHC exception: ${problems.join('; ')}.`, {
      problems,
    });
  await db.db
    .update(ehcException)
    .set({ toDate: to as IsoDate, endedBySub: sub, endedAt: new Date() })
    .where(eq(ehcException.id, id));
  return row.assessmentId;
}

/**
 * Recorded exceptions in the shape the council dashboard's "excluding exceptions" measures take
 * (reporting/dashboard.ts `ExceptionSource`), as they stood at the end of `asAt`: per assessment, the
 * milestones its exceptions excuse (final_plan under reg 13(3) is the one the national measure
 * uses). An exception recorded after `asAt` did not exist then and is not counted.
 */
export function ehcExceptionSource(asAt: IsoDate) {
  return async (db: DbHandle, assessmentIds: string[]): Promise<Map<string, RecordedException[]>> => {
    const out = new Map<string, RecordedException[]>();
    if (assessmentIds.length === 0) return out;
    const exceptions = exceptionsAsAt(await exceptionsFor(db, assessmentIds), asAt);
    const withExceptions = [...new Set(exceptions.map((e) => e.assessmentId))];
    if (withExceptions.length === 0) return out;
    const [assessments, advice] = await Promise.all([
      db.db.select().from(ehcAssessment).where(inArray(ehcAssessment.id, withExceptions)),
      db.db.select().from(ehcAdviceRequest).where(inArray(ehcAdviceRequest.assessmentId, withExceptions)),
    ]);
    for (const a of assessments) {
      const own = advice.filter(
        (r) => r.assessmentId === a.id && compareDates(r.sentDate as IsoDate, asAt) <= 0,
      );
      const milestones = needsAssessmentMilestones({ requestDate: a.requestDate as IsoDate }).filter(
        (m) => m.name === MILESTONE_DECISION_TO_ASSESS || m.name === MILESTONE_FINAL_PLAN,
      );
      const { recorded } = excuseMilestones(
        milestones,
        { requestDate: a.requestDate as IsoDate, advice: own },
        exceptions.filter((e) => e.assessmentId === a.id),
        asAt,
      );
      if (recorded.length > 0) out.set(a.id, recorded);
    }
    return out;
  };
}
