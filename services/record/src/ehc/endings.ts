import { randomUUID } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import {
  compareDates,
  evaluateMilestones,
  type IsoDate,
  isIsoDate,
  TRIBUNAL_ORDERS,
  type TribunalOrder,
  tribunalOrderMilestones,
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { eq, inArray } from 'drizzle-orm';
import { ehcAssessment } from '../tables.ts';
import { ehcAppeal } from './lifecycle-tables.ts';

/**
 * How an EHC needs assessment or plan ends, honestly, instead of breaching forever:
 * - refusal to assess (decision not to assess, notified within 6 weeks: reg 5(1)), recorded
 *   through updateEhcAssessment's `decision: not_assess`;
 * - decision not to issue a plan (notice within 16 weeks of the request: reg 10(1)), through
 *   updateEhcAssessment's `planDecision: not_issue`;
 * - the plan ceasing (CFA 2014 s.45; regs 29-31), through ceaseEhcPlan;
 * - mediation (regs 32-42) and appeal to the First-tier Tribunal (CFA 2014 s.51), recorded here,
 *   with the tribunal's order and the periods to comply with it (reg 44(2)).
 */
type AppealRow = typeof ehcAppeal.$inferSelect;
type AssessmentRow = typeof ehcAssessment.$inferSelect;

export const APPEAL_ROUTES = ['mediation', 'tribunal'] as const;
export const APPEAL_SUBJECTS = [
  'refusal_to_assess',
  'refusal_to_issue',
  'plan_contents',
  'placement',
  'cease',
] as const;
const MEDIATION_OUTCOMES = ['agreed', 'not_agreed', 'withdrawn'] as const;

const after = (d: string | null, asAt: IsoDate) => d !== null && compareDates(d as IsoDate, asAt) > 0;

/** An appeal as it stood at the end of `asAt` (null if not lodged by then). */
export function appealAsAt(r: AppealRow, asAt: IsoDate): AppealRow | null {
  if (after(r.lodgedDate, asAt)) return null;
  if (after(r.outcomeDate, asAt))
    return { ...r, outcome: null, outcomeDate: null, firstStepDate: null, finalStepDate: null };
  return {
    ...r,
    firstStepDate: after(r.firstStepDate, asAt) ? null : r.firstStepDate,
    finalStepDate: after(r.finalStepDate, asAt) ? null : r.finalStepDate,
  };
}

const isOrder = (outcome: string | null): outcome is TribunalOrder =>
  outcome !== null && (TRIBUNAL_ORDERS as readonly string[]).includes(outcome);

export function appealView(r: AppealRow, asAt: IsoDate) {
  const milestones =
    r.route === 'tribunal' && isOrder(r.outcome) && r.outcomeDate
      ? evaluateMilestones(
          tribunalOrderMilestones({
            order: r.outcome,
            orderDate: r.outcomeDate as IsoDate,
            firstStepDate: r.firstStepDate as IsoDate | null,
            finalStepDate: r.finalStepDate as IsoDate | null,
            notToIssue: r.notToIssue,
          }),
          asAt,
        ).map((m) => ({
          name: m.name,
          dueDate: m.dueDate,
          completedDate: m.completedDate,
          statutory: m.statutory,
          status: m.status,
          daysRemaining: m.daysRemaining,
          daysLate: m.daysLate,
          breach: m.breach,
          exceptionApplies: false,
          exceptionIds: [] as string[],
        }))
      : [];
  return {
    id: r.id,
    route: r.route,
    subject: r.subject,
    lodgedDate: r.lodgedDate,
    outcome: r.outcome,
    outcomeDate: r.outcomeDate,
    open: r.outcome === null,
    milestones,
  };
}
export type AppealView = ReturnType<typeof appealView>;

export async function appealsFor(db: DbHandle, assessmentIds: string[]): Promise<AppealRow[]> {
  if (assessmentIds.length === 0) return [];
  return db.db
    .select()
    .from(ehcAppeal)
    .where(inArray(ehcAppeal.assessmentId, assessmentIds))
    .orderBy(ehcAppeal.lodgedDate, ehcAppeal.id);
}

function dateArg(value: unknown, field: string, problems: string[], today: IsoDate, required = true) {
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
}

async function assessment(db: DbHandle, id: string): Promise<AssessmentRow> {
  const [a] = await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.id, id));
  if (!a) throw new HubError('NOT_FOUND', `No EHC needs assessment has id ${id}.`);
  return a;
}

/** Which decision each subject of appeal is against: it must have been made (CFA 2014 s.51(2)). */
function subjectProblem(a: AssessmentRow, subject: string): string | null {
  switch (subject) {
    case 'refusal_to_assess':
      return a.decision === 'not_assess' ? null : 'there is no decision not to assess to appeal against';
    case 'refusal_to_issue':
      return a.planDecision === 'not_issue'
        ? null
        : 'there is no decision not to issue a plan to appeal against';
    case 'cease':
      return a.finalPlanIssuedDate !== null ? null : 'there is no plan to cease';
    default:
      return a.finalPlanIssuedDate !== null ? null : 'there is no issued plan to appeal against';
  }
}

export async function recordEhcAppeal(
  db: DbHandle,
  sub: string,
  assessmentId: string,
  input: { route: unknown; subject: unknown; lodgedDate: unknown },
  today: IsoDate,
): Promise<string> {
  const a = await assessment(db, assessmentId);
  const problems: string[] = [];
  if (!(APPEAL_ROUTES as readonly unknown[]).includes(input.route))
    problems.push(`route must be one of ${APPEAL_ROUTES.join(', ')}`);
  if (!(APPEAL_SUBJECTS as readonly unknown[]).includes(input.subject))
    problems.push(`subject must be one of ${APPEAL_SUBJECTS.join(', ')}`);
  else {
    const p = subjectProblem(a, input.subject as string);
    if (p) problems.push(p);
  }
  const lodged = dateArg(input.lodgedDate, 'lodgedDate', problems, today);
  if (lodged && compareDates(lodged, a.requestDate as IsoDate) < 0)
    problems.push(`lodgedDate is before the request (${a.requestDate})`);
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid appeal: ${problems.join('; ')}.`, { problems });
  const id = randomUUID();
  await db.db.insert(ehcAppeal).values({
    id,
    assessmentId,
    childId: a.childId,
    route: input.route as (typeof APPEAL_ROUTES)[number],
    subject: input.subject as (typeof APPEAL_SUBJECTS)[number],
    lodgedDate: lodged!,
    recordedBySub: sub,
  });
  return id;
}

export async function appealById(db: DbHandle, id: string): Promise<AppealRow> {
  const [r] = await db.db.select().from(ehcAppeal).where(eq(ehcAppeal.id, id));
  if (!r) throw new HubError('NOT_FOUND', `No appeal has id ${id}.`);
  return r;
}

/**
 * The outcome: for mediation agreed / not_agreed / withdrawn; for the tribunal its order (or
 * withdrawn). A tribunal order starts the reg 44(2) compliance clock from `outcomeDate`.
 */
export async function recordEhcAppealOutcome(
  db: DbHandle,
  appealId: string,
  input: { outcome: unknown; outcomeDate: unknown; notToIssue?: unknown },
  today: IsoDate,
): Promise<string> {
  const r = await appealById(db, appealId);
  const problems: string[] = [];
  const allowed: readonly string[] =
    r.route === 'mediation' ? MEDIATION_OUTCOMES : [...TRIBUNAL_ORDERS, 'withdrawn'];
  if (typeof input.outcome !== 'string' || !allowed.includes(input.outcome))
    problems.push(`outcome for ${r.route} must be one of ${allowed.join(', ')}`);
  const date = dateArg(input.outcomeDate, 'outcomeDate', problems, today);
  if (date && compareDates(date, r.lodgedDate as IsoDate) < 0)
    problems.push(`outcomeDate is before the appeal was lodged (${r.lodgedDate})`);
  if (r.outcome !== null)
    problems.push(`the outcome was already recorded (${r.outcome} on ${r.outcomeDate})`);
  if (input.notToIssue === true && input.outcome !== 'assess')
    problems.push('notToIssue applies only after an order to assess (reg 44(2)(b)(i))');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid appeal outcome: ${problems.join('; ')}.`, { problems });
  await db.db
    .update(ehcAppeal)
    .set({ outcome: input.outcome as string, outcomeDate: date!, notToIssue: input.notToIssue === true })
    .where(eq(ehcAppeal.id, appealId));
  return r.assessmentId;
}

/** When the LA complied with the order: first step (notice/draft/amended plan), final step (final plan). */
export async function recordEhcOrderCompliance(
  db: DbHandle,
  appealId: string,
  input: { firstStepDate?: unknown; finalStepDate?: unknown },
  today: IsoDate,
): Promise<string> {
  const r = await appealById(db, appealId);
  const problems: string[] = [];
  if (r.route !== 'tribunal' || !isOrder(r.outcome) || r.outcome === 'dismissed')
    problems.push('there is no tribunal order to comply with');
  const first = dateArg(input.firstStepDate, 'firstStepDate', problems, today, false);
  const final = dateArg(input.finalStepDate, 'finalStepDate', problems, today, false);
  if (!first && !final && problems.length === 0) problems.push('give firstStepDate or finalStepDate');
  for (const [field, value, old] of [
    ['firstStepDate', first, r.firstStepDate],
    ['finalStepDate', final, r.finalStepDate],
  ] as const) {
    if (value && r.outcomeDate && compareDates(value, r.outcomeDate as IsoDate) < 0)
      problems.push(`${field} is before the order (${r.outcomeDate})`);
    if (value && old !== null) problems.push(`${field} is already recorded (${old})`);
  }
  if (final && isOrder(r.outcome) && !['assess', 'make_and_maintain_plan'].includes(r.outcome))
    problems.push('this order has no final step');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid order compliance: ${problems.join('; ')}.`, { problems });
  await db.db
    .update(ehcAppeal)
    .set({ ...(first ? { firstStepDate: first } : {}), ...(final ? { finalStepDate: final } : {}) })
    .where(eq(ehcAppeal.id, appealId));
  return r.assessmentId;
}

/**
 * The plan ceases to be maintained (CFA 2014 s.45; reg 31: after informing and consulting the
 * family and the named institution, the LA notifies its decision with appeal rights). From the
 * ceased date no annual review is due.
 */
export async function ceaseEhcPlan(
  db: DbHandle,
  assessmentId: string,
  input: { ceasedDate: unknown; reason: unknown },
  today: IsoDate,
): Promise<void> {
  const a = await assessment(db, assessmentId);
  const problems: string[] = [];
  const date = dateArg(input.ceasedDate, 'ceasedDate', problems, today);
  if (a.finalPlanIssuedDate === null) problems.push('this assessment has no issued plan to cease');
  else if (date && compareDates(date, a.finalPlanIssuedDate as IsoDate) < 0)
    problems.push(`ceasedDate is before the plan was issued (${a.finalPlanIssuedDate})`);
  if (a.planCeasedDate !== null) problems.push(`the plan already ceased on ${a.planCeasedDate}`);
  const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
  if (reason.length < 10 || reason.length > 2000)
    problems.push('reason must say why, in 10 to 2000 characters (CFA 2014 s.45)');
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid cessation: ${problems.join('; ')}.`, { problems });
  await db.db
    .update(ehcAssessment)
    .set({ planCeasedDate: date!, planCeaseReason: reason })
    .where(eq(ehcAssessment.id, assessmentId));
}
