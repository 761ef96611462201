import type { DbHandle } from '@hub/db';
import {
  adviceDue,
  calendarDateAt,
  compareDates,
  daysBetween,
  daysInMonth,
  evaluateMilestones,
  formatIsoDate,
  type IsoDate,
  isIsoDate,
  lastDayOfMonthsPeriod,
  MILESTONE_FINAL_PLAN,
  monthsWindowStart,
  needsAssessmentMilestones,
  parseIsoDate,
  type RecordedException,
  reviewDecisionDue,
} from '@hub/ehc-clock';
import { HubError } from '@hub/service-kit';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { ADVICE_AGENCIES, type AdviceAgency } from '../ehc/index.ts';
import type { QuerySendDashboardArgs } from '../generated/graphql.ts';
import {
  annualReview,
  childRelationship,
  ehcAdviceRequest,
  ehcAssessment,
  familyItemConfirmation,
} from '../tables.ts';

/**
 * The council's SEND dashboard (SEN2 national measures and the Priority Action Plan's trends):
 * aggregates only, as at the end of `asAt` — nothing requested, decided, held or received after
 * that date counts, so the same arguments always give the same figures.
 *
 * Definitions (the README repeats them in plain words):
 * - A plan is "within 20 weeks" when issued on or before request + 140 days (@hub/ehc-clock).
 *   "Including exceptions" counts every new plan; "excluding exceptions" leaves out the plans
 *   whose final-plan deadline has a recorded exception (SEND Regs 2014 reg 13(3)), in numerator
 *   and denominator alike, as the DfE's SEN2 publication does.
 * - Weeks to issue are whole weeks rounded up (141 days is 21 weeks), so the "20 weeks or less"
 *   band is exactly the within-20-weeks count.
 * - Annual reviews: each plan's review cycles (12 months from the plan, then from each meeting,
 *   CFA 2014 s.44(1)); a cycle whose deadline falls in the window is on time when its meeting was
 *   held by that deadline. A plan replaced by a newer one for the same child stops having cycles
 *   due after the newer plan was issued.
 * - Review decisions: meetings whose 4-week decision deadline falls in the window; on time when
 *   the decision was notified by then.
 * - Advice: requests whose 6-week due date falls in the window; on time when received by then.
 *   A rate (on time / due), per agency.
 */

export interface DashboardTargets {
  /** % of new plans within 20 weeks (excluding exceptions, the figure councils are held to). */
  plansWithin20Weeks: number;
  annualReviewsOnTime: number;
  reviewDecisionsOnTime: number;
  adviceOnTime: number;
}

/**
 * Defaults only: each council sets its own in its SEND improvement plan and passes them in. They
 * are round numbers above England's recent figures (about half of new plans within 20 weeks),
 * not a standard from law — the law's standard is every plan within 20 weeks.
 */
export const DEFAULT_TARGETS: DashboardTargets = {
  plansWithin20Weeks: 60,
  annualReviewsOnTime: 90,
  reviewDecisionsOnTime: 90,
  adviceOnTime: 90,
};

/** Weeks-to-issue bands (whole weeks, rounded up): the 20-week limit, then half-year, 40 weeks, a year. */
export const WEEKS_TO_ISSUE_BANDS = [
  { label: '20 weeks or less', minWeeks: 0, maxWeeks: 20 },
  { label: '21 to 26 weeks', minWeeks: 21, maxWeeks: 26 },
  { label: '27 to 40 weeks', minWeeks: 27, maxWeeks: 40 },
  { label: '41 to 52 weeks', minWeeks: 41, maxWeeks: 52 },
  { label: 'over 52 weeks', minWeeks: 53, maxWeeks: null },
] as const;

export const MAX_TREND_MONTHS = 36;

/**
 * Whose figures: the councils (responsible local authorities) the caller may see, from
 * council.ts `councilsInScope` — an LA SEND officer their own council, a partner the councils
 * of the children their organisation works with. A child belongs to the council holding its
 * active `la_responsible` relationship. No councils: no figures (all zero).
 */
export interface DashboardScope {
  councils: string[];
}

export interface Window {
  from: IsoDate;
  to: IsoDate;
}

export interface Rate {
  due: number;
  onTime: number;
  /** One decimal place; null when nothing was due. */
  percent: number | null;
}

export interface PlanTimelinessWindow extends Window {
  label: string;
  issued: number;
  within20Weeks: number;
  percentWithin20Weeks: number | null;
  /** Plans whose final-plan deadline had a recorded exception. */
  exceptionCases: number;
  issuedExcludingExceptions: number;
  within20WeeksExcludingExceptions: number;
  percentWithin20WeeksExcludingExceptions: number | null;
}

export interface TrendMonth extends Window {
  month: string;
  plans: PlanTimelinessWindow;
  annualReviews: Rate;
  reviewDecisions: Rate;
  advice: Rate;
  /** Null when nothing was due that month (no figure to compare). */
  meetsPlanTarget: boolean | null;
  meetsAnnualReviewTarget: boolean | null;
  meetsReviewDecisionTarget: boolean | null;
  meetsAdviceTarget: boolean | null;
}

export interface SendDashboardFigures {
  asAt: IsoDate;
  months: number;
  councils: string[];
  targets: DashboardTargets;
  plansCalendarYear: PlanTimelinessWindow;
  plansPreviousCalendarYear: PlanTimelinessWindow;
  plansRolling12Months: PlanTimelinessWindow;
  weeksToIssue: Array<{ label: string; minWeeks: number; maxWeeks: number | null; plans: number }>;
  annualReviewsRolling12Months: Rate & Window;
  reviewDecisionsRolling12Months: Rate & Window;
  adviceRolling12Months: Array<Rate & Window & { agency: AdviceAgency }>;
  trend: TrendMonth[];
  familyInformationConfirmations: {
    from: IsoDate;
    to: IsoDate;
    confirmations: number;
    children: number;
    byOrganisationType: Array<{ organisationType: string; confirmations: number }>;
  };
}

// ---- inputs ----

export interface AssessmentFacts {
  id: string;
  childId: string;
  requestDate: string;
  finalPlanIssuedDate: string | null;
}
export interface AdviceFacts {
  agency: AdviceAgency;
  sentDate: string;
  receivedDate: string | null;
}
export interface ReviewFacts {
  assessmentId: string;
  meetingDate: string;
  decisionDate: string | null;
}
export interface ConfirmationFacts {
  childId: string;
  organisationType: string;
  confirmedAt: Date;
}
export interface DashboardRows {
  assessments: AssessmentFacts[];
  advice: AdviceFacts[];
  reviews: ReviewFacts[];
  confirmations: ConfirmationFacts[];
  /** Recorded exceptions per assessment id (see {@link ExceptionSource}). */
  exceptions: Map<string, RecordedException[]>;
}

/**
 * Where recorded exceptions come from: a seam, so the arithmetic here stays testable on its own.
 * The resolver passes ehc/exceptions.ts `ehcExceptionSource(asAt)`: the exceptions the LA SEND
 * officer recorded, as they stood at asAt, judged limb by limb by @hub/ehc-clock (reg 13(3) for
 * the final plan) — the same rule `ehcAssessments(asAt)` shows on the clock.
 */
export type ExceptionSource = (
  db: DbHandle,
  assessmentIds: string[],
) => Promise<Map<string, RecordedException[]>>;
export const noRecordedExceptions: ExceptionSource = async () => new Map();

// ---- arguments ----

export function parseDashboardArgs(args: QuerySendDashboardArgs): {
  asAt: IsoDate;
  months: number;
  targets: DashboardTargets;
} {
  const problems: string[] = [];
  let asAt = calendarDateAt(new Date(), 'Europe/London');
  if (args.asAt !== undefined && args.asAt !== null) {
    if (isIsoDate(args.asAt)) asAt = args.asAt;
    else problems.push('asAt must be a real date written YYYY-MM-DD');
  }
  let months = 12;
  if (args.months !== undefined && args.months !== null) {
    if (Number.isSafeInteger(args.months) && args.months >= 1 && args.months <= MAX_TREND_MONTHS)
      months = args.months;
    else problems.push(`months must be a whole number from 1 to ${MAX_TREND_MONTHS}`);
  }
  const targets = { ...DEFAULT_TARGETS };
  for (const [key, value] of Object.entries(args.targets ?? {})) {
    if (!(key in DEFAULT_TARGETS)) {
      problems.push(`targets.${key} is not a target`);
      continue;
    }
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100)
      problems.push(`targets.${key} must be a percentage from 0 to 100`);
    else targets[key as keyof DashboardTargets] = value;
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid dashboard request: ${problems.join('; ')}.`, { problems });
  return { asAt, months, targets };
}

// ---- the arithmetic (pure) ----

const percent = (n: number, d: number) => (d === 0 ? null : Math.round((n * 1000) / d) / 10);
const within = (date: string, w: Window) =>
  compareDates(date as IsoDate, w.from) >= 0 && compareDates(date as IsoDate, w.to) <= 0;
const onOrBefore = (date: string | null, limit: IsoDate) =>
  date !== null && compareDates(date as IsoDate, limit) <= 0;
const rate = (due: number, onTime: number): Rate => ({ due, onTime, percent: percent(onTime, due) });
const minDate = (a: IsoDate, b: IsoDate) => (compareDates(a, b) <= 0 ? a : b);

/** Whole weeks from request to issue, rounded up: 140 days is 20 weeks, 141 is 21. */
export function weeksToIssue(requestDate: IsoDate, issuedDate: IsoDate): number {
  return Math.ceil(daysBetween(requestDate, issuedDate) / 7);
}

interface IssuedPlan {
  id: string;
  childId: string;
  requestDate: IsoDate;
  issued: IsoDate;
  within20Weeks: boolean;
  exception: boolean;
}

function issuedPlans(rows: DashboardRows, asAt: IsoDate): IssuedPlan[] {
  return rows.assessments
    .filter((a) => onOrBefore(a.requestDate, asAt) && onOrBefore(a.finalPlanIssuedDate, asAt))
    .map((a) => {
      const requestDate = a.requestDate as IsoDate;
      const issued = a.finalPlanIssuedDate as IsoDate;
      const final = evaluateMilestones(
        needsAssessmentMilestones({ requestDate, finalPlanIssuedDate: issued }).filter(
          (m) => m.name === MILESTONE_FINAL_PLAN,
        ),
        asAt,
        {
          exceptions: (rows.exceptions.get(a.id) ?? []).filter((e) => e.milestone === MILESTONE_FINAL_PLAN),
        },
      )[0]!;
      return {
        id: a.id,
        childId: a.childId,
        requestDate,
        issued,
        within20Weeks: final.status === 'met',
        exception: final.exceptionApplies,
      };
    });
}

function planTimeliness(plans: IssuedPlan[], window: Window, label: string): PlanTimelinessWindow {
  const inWindow = plans.filter((p) => within(p.issued, window));
  const counted = inWindow.filter((p) => !p.exception);
  const within20 = inWindow.filter((p) => p.within20Weeks).length;
  const within20Counted = counted.filter((p) => p.within20Weeks).length;
  return {
    label,
    ...window,
    issued: inWindow.length,
    within20Weeks: within20,
    percentWithin20Weeks: percent(within20, inWindow.length),
    exceptionCases: inWindow.length - counted.length,
    issuedExcludingExceptions: counted.length,
    within20WeeksExcludingExceptions: within20Counted,
    percentWithin20WeeksExcludingExceptions: percent(within20Counted, counted.length),
  };
}

interface ReviewCycle {
  due: IsoDate;
  meeting: IsoDate | null;
}

/** Every plan's review cycles as known at asAt (meetings after asAt have not happened). */
function reviewCycles(rows: DashboardRows, plans: IssuedPlan[], asAt: IsoDate): ReviewCycle[] {
  const meetingsByPlan = new Map<string, IsoDate[]>();
  for (const r of rows.reviews) {
    if (!onOrBefore(r.meetingDate, asAt)) continue;
    const list = meetingsByPlan.get(r.assessmentId) ?? [];
    list.push(r.meetingDate as IsoDate);
    meetingsByPlan.set(r.assessmentId, list);
  }
  const cycles: ReviewCycle[] = [];
  for (const plan of plans) {
    // The next plan issued for the same child (by asAt) replaces this one.
    const replacedOn = plans
      .filter((p) => p.childId === plan.childId && compareDates(p.issued, plan.issued) > 0)
      .map((p) => p.issued)
      .sort()[0];
    const meetings = (meetingsByPlan.get(plan.id) ?? []).sort();
    let start: IsoDate = plan.issued;
    for (let k = 0; ; k++) {
      const due = lastDayOfMonthsPeriod(start, 12);
      if (compareDates(due, asAt) > 0) break;
      if (replacedOn && compareDates(due, replacedOn) > 0) break;
      const meeting = meetings[k] ?? null;
      cycles.push({ due, meeting });
      if (meeting === null) break;
      start = meeting;
    }
  }
  return cycles;
}

function reviewRate(cycles: ReviewCycle[], window: Window): Rate {
  const due = cycles.filter((c) => within(c.due, window));
  return rate(
    due.length,
    due.filter((c) => c.meeting !== null && compareDates(c.meeting, c.due) <= 0).length,
  );
}

function decisionRate(rows: DashboardRows, window: Window): Rate {
  const due = rows.reviews.filter((r) => within(reviewDecisionDue(r.meetingDate as IsoDate), window));
  return rate(
    due.length,
    due.filter((r) => onOrBefore(r.decisionDate, reviewDecisionDue(r.meetingDate as IsoDate))).length,
  );
}

function adviceRate(advice: AdviceFacts[], window: Window): Rate {
  const due = advice.filter((r) => within(adviceDue(r.sentDate as IsoDate), window));
  return rate(
    due.length,
    due.filter((r) => onOrBefore(r.receivedDate, adviceDue(r.sentDate as IsoDate))).length,
  );
}

const meets = (r: { percent: number | null } | number | null, target: number) => {
  const value = typeof r === 'number' || r === null ? r : r.percent;
  return value === null ? null : value >= target;
};

/** The calendar months ending with asAt's month, oldest first; the last one ends at asAt. */
export function trendMonths(asAt: IsoDate, months: number): Array<Window & { month: string }> {
  const { year, month } = parseIsoDate(asAt);
  const out: Array<Window & { month: string }> = [];
  for (let i = months - 1; i >= 0; i--) {
    const index = year * 12 + (month - 1) - i;
    const y = Math.floor(index / 12);
    const m = (index % 12) + 1;
    const from = formatIsoDate({ year: y, month: m, day: 1 });
    const to = minDate(formatIsoDate({ year: y, month: m, day: daysInMonth(y, m) }), asAt);
    out.push({ month: from.slice(0, 7), from, to });
  }
  return out;
}

export function computeDashboard(
  rows: DashboardRows,
  options: { asAt: IsoDate; months: number; targets: DashboardTargets; councils: string[] },
): SendDashboardFigures {
  const { asAt, months, targets } = options;
  const plans = issuedPlans(rows, asAt);
  const known = <T extends { sentDate: string }>(list: T[]) =>
    list.filter((r) => onOrBefore(r.sentDate, asAt));
  // Only what had happened by asAt: later receipts and decisions are not yet known.
  const advice = known(rows.advice).map((r) => ({
    ...r,
    receivedDate: onOrBefore(r.receivedDate, asAt) ? r.receivedDate : null,
  }));
  const reviews = rows.reviews
    .filter((r) => onOrBefore(r.meetingDate, asAt))
    .map((r) => ({ ...r, decisionDate: onOrBefore(r.decisionDate, asAt) ? r.decisionDate : null }));
  const asKnown: DashboardRows = { ...rows, advice, reviews };
  const cycles = reviewCycles(asKnown, plans, asAt);

  const rolling: Window = { from: monthsWindowStart(asAt, 12), to: asAt };
  const year = parseIsoDate(asAt).year;
  const thisYear: Window = { from: `${year}-01-01` as IsoDate, to: asAt };
  const lastYear: Window = { from: `${year - 1}-01-01` as IsoDate, to: `${year - 1}-12-31` as IsoDate };
  const rollingPlans = plans.filter((p) => within(p.issued, rolling));

  const trend = trendMonths(asAt, months).map((w): TrendMonth => {
    const monthPlans = planTimeliness(plans, w, w.month);
    const annualReviews = reviewRate(cycles, w);
    const reviewDecisions = decisionRate(asKnown, w);
    const adviceAll = adviceRate(advice, w);
    return {
      ...w,
      plans: monthPlans,
      annualReviews,
      reviewDecisions,
      advice: adviceAll,
      meetsPlanTarget: meets(monthPlans.percentWithin20WeeksExcludingExceptions, targets.plansWithin20Weeks),
      meetsAnnualReviewTarget: meets(annualReviews, targets.annualReviewsOnTime),
      meetsReviewDecisionTarget: meets(reviewDecisions, targets.reviewDecisionsOnTime),
      meetsAdviceTarget: meets(adviceAll, targets.adviceOnTime),
    };
  });

  // Confirmations are instants: the window is whole days in England.
  const confirmations = rows.confirmations.filter((c) =>
    within(calendarDateAt(c.confirmedAt, 'Europe/London'), rolling),
  );
  const byType = new Map<string, number>();
  for (const c of confirmations) byType.set(c.organisationType, (byType.get(c.organisationType) ?? 0) + 1);

  return {
    asAt,
    months,
    councils: options.councils,
    targets,
    plansCalendarYear: planTimeliness(plans, thisYear, `${year} to date`),
    plansPreviousCalendarYear: planTimeliness(plans, lastYear, String(year - 1)),
    plansRolling12Months: planTimeliness(plans, rolling, '12 months'),
    weeksToIssue: WEEKS_TO_ISSUE_BANDS.map((band) => ({
      ...band,
      plans: rollingPlans.filter((p) => {
        const weeks = weeksToIssue(p.requestDate, p.issued);
        return weeks >= band.minWeeks && (band.maxWeeks === null || weeks <= band.maxWeeks);
      }).length,
    })),
    annualReviewsRolling12Months: { ...rolling, ...reviewRate(cycles, rolling) },
    reviewDecisionsRolling12Months: { ...rolling, ...decisionRate(asKnown, rolling) },
    adviceRolling12Months: ADVICE_AGENCIES.map((agency) => ({
      agency,
      ...rolling,
      ...adviceRate(
        advice.filter((r) => r.agency === agency),
        rolling,
      ),
    })),
    trend,
    familyInformationConfirmations: {
      ...rolling,
      confirmations: confirmations.length,
      children: new Set(confirmations.map((c) => c.childId)).size,
      byOrganisationType: [...byType]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([organisationType, n]) => ({ organisationType, confirmations: n })),
    },
  };
}

// ---- reading ----

export async function loadDashboardRows(
  db: DbHandle,
  scope: DashboardScope,
  exceptionSource: ExceptionSource = noRecordedExceptions,
): Promise<DashboardRows> {
  // The councils' children: those they are the responsible local authority for.
  const inCouncil = (column: AnyPgColumn) =>
    inArray(
      column,
      db.db
        .select({ id: childRelationship.childId })
        .from(childRelationship)
        .where(
          and(
            eq(childRelationship.kind, 'la_responsible'),
            eq(childRelationship.active, true),
            inArray(childRelationship.orgId, scope.councils.length > 0 ? scope.councils : ['']),
          ),
        ),
    );
  const [assessments, advice, reviews, confirmations] = await Promise.all([
    db.db
      .select({
        id: ehcAssessment.id,
        childId: ehcAssessment.childId,
        requestDate: ehcAssessment.requestDate,
        finalPlanIssuedDate: ehcAssessment.finalPlanIssuedDate,
      })
      .from(ehcAssessment)
      .where(inCouncil(ehcAssessment.childId)),
    db.db
      .select({
        agency: ehcAdviceRequest.agency,
        sentDate: ehcAdviceRequest.sentDate,
        receivedDate: ehcAdviceRequest.receivedDate,
      })
      .from(ehcAdviceRequest)
      .where(inCouncil(ehcAdviceRequest.childId)),
    db.db
      .select({
        assessmentId: annualReview.assessmentId,
        meetingDate: annualReview.meetingDate,
        decisionDate: annualReview.decisionDate,
      })
      .from(annualReview)
      .where(inCouncil(annualReview.childId))
      .orderBy(asc(annualReview.meetingDate)),
    db.db
      .select({
        childId: familyItemConfirmation.childId,
        organisationType: familyItemConfirmation.organisationType,
        confirmedAt: familyItemConfirmation.confirmedAt,
      })
      .from(familyItemConfirmation)
      .where(inCouncil(familyItemConfirmation.childId)),
  ]);
  const exceptions = await exceptionSource(
    db,
    assessments.map((a) => a.id),
  );
  return { assessments, advice, reviews, confirmations, exceptions };
}

export async function sendDashboard(
  db: DbHandle,
  args: Parameters<typeof parseDashboardArgs>[0],
  scope: DashboardScope,
  exceptionSource: ExceptionSource = noRecordedExceptions,
): Promise<SendDashboardFigures> {
  const parsed = parseDashboardArgs(args);
  const rows = await loadDashboardRows(db, scope, exceptionSource);
  return computeDashboard(rows, { ...parsed, councils: scope.councils });
}
