import { compareDates, daysBetween, type IsoDate } from './calendar-date.ts';

/**
 * - `not_due`: not done, more than `dueSoonDays` days to go.
 * - `due_soon`: not done, due within `dueSoonDays` days (the due date itself counts: 0 days left).
 * - `overdue`: not done and the due date has passed.
 * - `met`: done on or before the due date.
 * - `missed`: done, but after the due date.
 */
export type MilestoneStatus = 'not_due' | 'due_soon' | 'overdue' | 'met' | 'missed';

/**
 * Why a time limit is disapplied for one case (SEND Regulations 2014 regs 5(4), 8(2), 10(4), 13(3)).
 * - `la_closure`: advice was requested from a school or college head teacher/principal around a
 *   closure of 4+ continuous weeks (in practice the summer holiday).
 * - `personal_circumstances`: exceptional personal circumstances of the child, parent or young person.
 * - `child_absent`: the child, parent or young person was away from the LA's area for 4+ continuous weeks.
 * - `other`: anything else the regulations allow, e.g. a missed appointment for an examination or test.
 */
export type ExceptionReason = 'la_closure' | 'personal_circumstances' | 'child_absent' | 'other';

/**
 * A caseworker's record that an exception applies to one milestone. The clock does not decide
 * whether the facts qualify (it knows nothing about term dates or circumstances); it only carries
 * the decision through so that a late milestone is reported as excused rather than as a breach.
 */
export interface RecordedException {
  /** The `name` of the milestone it applies to. */
  readonly milestone: string;
  readonly reason: ExceptionReason;
  /** Free-text justification for auditors; required (non-blank) when `reason` is `other`. */
  readonly note: string;
}

export interface Milestone {
  /** Unique within one evaluation, e.g. 'final_plan' or 'advice:health'. */
  readonly name: string;
  readonly dueDate: IsoDate;
  readonly completedDate: IsoDate | null;
  /**
   * False for practical targets that are not time limits in law (the draft plan target). Missing
   * one is shown as `missed`/`overdue` but is never counted as a statutory breach.
   */
  readonly statutory: boolean;
}

export interface MilestoneState extends Milestone {
  readonly status: MilestoneStatus;
  /** Days from `today` to the due date; set only for `not_due` and `due_soon` (0 on the due date). */
  readonly daysRemaining: number | null;
  /** Days past the due date (to today, or to completion); set only for `overdue` and `missed` (≥ 1). */
  readonly daysLate: number | null;
  /** At least one recorded exception disapplies this time limit. The status is still computed. */
  readonly exceptionApplies: boolean;
  readonly exceptions: readonly RecordedException[];
  /** Statutory, late (`overdue` or `missed`) and not excused: what compliance reporting counts. */
  readonly breach: boolean;
}

/** The "due soon" window, in days before the due date. */
export const DUE_SOON_DAYS = 7;

export interface StatusOptions {
  /** Defaults to {@link DUE_SOON_DAYS}. */
  readonly dueSoonDays?: number;
  readonly exceptions?: readonly RecordedException[];
}

const REASONS: ReadonlySet<string> = new Set<ExceptionReason>([
  'la_closure',
  'personal_circumstances',
  'child_absent',
  'other',
]);

function validateException(exception: RecordedException): void {
  if (!REASONS.has(exception.reason)) {
    throw new RangeError(`Unknown exception reason ${JSON.stringify(exception.reason)}`);
  }
  // "Other" with no explanation would be an unauditable way to make any breach disappear.
  if (exception.reason === 'other' && (typeof exception.note !== 'string' || exception.note.trim() === '')) {
    throw new RangeError(`An exception for "${exception.milestone}" with reason 'other' needs a note`);
  }
}

function dueSoonWindow(options: StatusOptions | undefined): number {
  const days = options?.dueSoonDays ?? DUE_SOON_DAYS;
  if (!Number.isSafeInteger(days) || days < 0) {
    throw new RangeError(`dueSoonDays must be a whole number ≥ 0, got ${days}`);
  }
  return days;
}

/**
 * The state of one milestone as it stood at the end of `today`.
 *
 * A `completedDate` after `today` is treated as not having happened yet, so that evaluating at
 * any past date reproduces what the dashboard would have shown then, and a date booked in
 * advance does not count as done.
 */
export function milestoneStatus(
  milestone: Milestone,
  today: IsoDate,
  options?: StatusOptions,
): MilestoneState {
  const window = dueSoonWindow(options);
  const exceptions = (options?.exceptions ?? []).filter((e) => e.milestone === milestone.name);
  for (const exception of exceptions) validateException(exception);

  const { dueDate, completedDate } = milestone;
  const done = completedDate !== null && compareDates(completedDate, today) <= 0;

  let status: MilestoneStatus;
  let daysRemaining: number | null = null;
  let daysLate: number | null = null;
  if (done) {
    const late = daysBetween(dueDate, completedDate);
    status = late > 0 ? 'missed' : 'met';
    if (late > 0) daysLate = late;
  } else {
    const remaining = daysBetween(today, dueDate);
    if (remaining < 0) {
      status = 'overdue';
      daysLate = -remaining;
    } else {
      status = remaining <= window ? 'due_soon' : 'not_due';
      daysRemaining = remaining;
    }
  }

  const exceptionApplies = exceptions.length > 0;
  const late = status === 'overdue' || status === 'missed';
  return {
    name: milestone.name,
    dueDate,
    completedDate,
    statutory: milestone.statutory,
    status,
    daysRemaining,
    daysLate,
    exceptionApplies,
    exceptions,
    breach: milestone.statutory && late && !exceptionApplies,
  };
}

/**
 * Evaluates a set of milestones at `today`. Throws if two milestones share a name or an exception
 * names no milestone in the set: a mistyped exception silently doing nothing would report a
 * breach the caseworker had excused.
 */
export function evaluateMilestones(
  milestones: readonly Milestone[],
  today: IsoDate,
  options?: StatusOptions,
): MilestoneState[] {
  const names = new Set<string>();
  for (const { name } of milestones) {
    if (names.has(name)) throw new RangeError(`Duplicate milestone name "${name}"`);
    names.add(name);
  }
  for (const exception of options?.exceptions ?? []) {
    if (!names.has(exception.milestone)) {
      throw new RangeError(`Exception names unknown milestone "${exception.milestone}"`);
    }
  }
  return milestones.map((m) => milestoneStatus(m, today, options));
}
