import { addDays, compareDates, daysBetween, type IsoDate } from './calendar-date.ts';

/**
 * The exceptions to the EHC needs assessment time limits, exactly as the SEND Regulations 2014
 * (SI 2014/1530) list them. Each time limit has its own list, and they differ:
 *
 * | Time limit | Exceptions | school/college closure | early years closure | personal circumstances | absence ≥ 4 weeks | missed appointment |
 * |---|---|---|---|---|---|---|
 * | decision whether to assess, 6 weeks (reg 5(1)) | reg 5(4) | 5(4)(a) | – | 5(4)(b) | 5(4)(c) | – |
 * | advice from a body asked to co-operate, 6 weeks (reg 8(1)) | reg 8(2) | – | – | 8(2)(a) | 8(2)(b) | 8(2)(c) |
 * | notice of a decision not to issue a plan, 16 weeks (reg 10(1)) | reg 10(4) | 10(4)(a) | 10(4)(b) | 10(4)(c) | 10(4)(d) | – |
 * | final plan, 20 weeks (reg 13(2)) | reg 13(3), which adopts 10(4)(a)–(d) | 10(4)(a) | 10(4)(b) | 10(4)(c) | 10(4)(d) | – |
 *
 * So a missed appointment excuses only the advice of the body whose appointment was missed
 * (reg 8(2)(c)); a school closure never excuses advice (reg 8(2) does not list it). Every limb
 * also needs the circumstance to make meeting the limit "impractical": that is the SEND officer's
 * judgement, recorded as evidence; the clock checks only the facts it can check (dates, lengths,
 * and that the circumstance falls within the period it is meant to excuse).
 */
export type StatutoryExceptionKind =
  /** Advice requested from a school or post-16 institution's head/principal around a closure of ≥ 4 weeks. */
  | 'school_closure'
  /** The same for a provider of relevant early years education (reg 10(4)(b) only). */
  | 'early_years_closure'
  /** Exceptional personal circumstances affect the child or their parent, or the young person. */
  | 'personal_circumstances'
  /** The child or parent, or the young person, away from the LA's area for a continuous ≥ 4 weeks. */
  | 'absence_from_area'
  /** The child or young person failed to keep an appointment for an examination or test made by the advice-giver. */
  | 'missed_appointment';

export const STATUTORY_EXCEPTION_KINDS: readonly StatutoryExceptionKind[] = [
  'school_closure',
  'early_years_closure',
  'personal_circumstances',
  'absence_from_area',
  'missed_appointment',
];

/** The time limits that have exceptions. */
export type ExceptedDeadline = 'decision_to_assess' | 'advice' | 'decision_not_to_issue' | 'final_plan';

/** Which limb of which regulation lets each kind excuse each time limit (absent: it cannot). */
export const EXCEPTION_LIMBS: Readonly<
  Record<ExceptedDeadline, Readonly<Partial<Record<StatutoryExceptionKind, string>>>>
> = {
  decision_to_assess: {
    school_closure: 'reg 5(4)(a)',
    personal_circumstances: 'reg 5(4)(b)',
    absence_from_area: 'reg 5(4)(c)',
  },
  advice: {
    personal_circumstances: 'reg 8(2)(a)',
    absence_from_area: 'reg 8(2)(b)',
    missed_appointment: 'reg 8(2)(c)',
  },
  decision_not_to_issue: {
    school_closure: 'reg 10(4)(a)',
    early_years_closure: 'reg 10(4)(b)',
    personal_circumstances: 'reg 10(4)(c)',
    absence_from_area: 'reg 10(4)(d)',
  },
  final_plan: {
    school_closure: 'reg 13(3) with 10(4)(a)',
    early_years_closure: 'reg 13(3) with 10(4)(b)',
    personal_circumstances: 'reg 13(3) with 10(4)(c)',
    absence_from_area: 'reg 13(3) with 10(4)(d)',
  },
};

/** Regs 5(4)(c), 8(2)(b), 10(4)(d): absence "for a continuous period of not less than 4 weeks". */
export const ABSENCE_MIN_DAYS = 28;
/** Regs 5(4)(a), 10(4)(a)/(b): the institution "closed for a continuous period of not less than 4 weeks". */
export const CLOSURE_MIN_DAYS = 28;
/** Regs 5(4)(a), 10(4)(a)/(b): the window starts one week before the closure and ends one week before re-opening. */
export const CLOSURE_WINDOW_DAYS = 7;

/**
 * What the SEND officer records: the facts, once. Which time limits they excuse is worked out
 * from the table above, so the same absence excuses the 6-week decision, every advice request
 * it overlaps and the 20-week plan, but a missed appointment only the one body's advice.
 */
export interface ExceptionFacts {
  readonly id: string;
  readonly kind: StatutoryExceptionKind;
  /**
   * First day of the circumstance. For closures, the first day the institution was closed; for
   * a missed appointment, the day of the appointment.
   */
  readonly from: IsoDate;
  /**
   * Last day of the circumstance (inclusive); null while it continues. For closures, the day the
   * institution re-opened (required). For a missed appointment, equal to `from` (or null).
   */
  readonly to: IsoDate | null;
  /** missed_appointment only: the advice request whose body made the appointment (reg 8(2)(c)). */
  readonly adviceRequestId?: string | null;
  readonly evidence: string;
}

/** The time limit being excused, with the period it runs over. */
export interface DeadlineContext {
  readonly deadline: ExceptedDeadline;
  /** When the clock started: the request (regs 5, 10, 13) or the day the advice was requested (reg 8). */
  readonly start: IsoDate;
  readonly due: IsoDate;
  /** For `advice`: which advice request this is. */
  readonly adviceRequestId?: string;
  /**
   * Days on which the LA asked a school, college or early years setting for advice (education
   * advice requests). A closure excuses a limit only if one falls in its window (regs 5(4)(a), 10(4)(a)/(b)).
   */
  readonly educationAdviceSentDates?: readonly IsoDate[];
}

export interface ExceptionVerdict {
  readonly applies: boolean;
  /** The limb relied on when it applies, e.g. 'reg 8(2)(c)'. */
  readonly regulation: string | null;
  /** Why not, in plain English, when it does not. */
  readonly reason: string | null;
}

const no = (reason: string): ExceptionVerdict => ({ applies: false, regulation: null, reason });

/** Inclusive length in days of [from, to]. */
const spanDays = (from: IsoDate, to: IsoDate) => daysBetween(from, to) + 1;

/**
 * Problems with the facts themselves, whatever time limit they are set against (for input
 * validation: an empty list means they can be recorded).
 */
export function exceptionFactProblems(facts: Omit<ExceptionFacts, 'id'>): string[] {
  const problems: string[] = [];
  if (!STATUTORY_EXCEPTION_KINDS.includes(facts.kind)) problems.push(`unknown exception kind ${facts.kind}`);
  if (facts.to !== null && compareDates(facts.to, facts.from) < 0) problems.push('to is before from');
  if (facts.evidence.trim().length < 10)
    problems.push('evidence must say, in at least 10 characters, what shows the exception applies');
  if (facts.kind === 'school_closure' || facts.kind === 'early_years_closure') {
    if (facts.to === null) problems.push('a closure needs the date the institution re-opened (to)');
    // "closed for a continuous period of not less than 4 weeks": closed from `from` up to the day before `to`.
    else if (daysBetween(facts.from, facts.to) < CLOSURE_MIN_DAYS)
      problems.push('a closure must last at least 4 weeks (regs 5(4)(a), 10(4)(a)/(b))');
  }
  if (facts.kind === 'missed_appointment') {
    if (!facts.adviceRequestId)
      problems.push('a missed appointment names the advice request whose body made it (reg 8(2)(c))');
    if (facts.to !== null && facts.to !== facts.from)
      problems.push('a missed appointment is one day: to = from');
  } else if (facts.adviceRequestId) {
    problems.push('only a missed appointment names an advice request');
  }
  return problems;
}

/**
 * Whether recorded facts excuse one time limit as at `asAt`, and under which limb.
 *
 * Besides the kind being listed for that limit, the circumstance must fall within the period
 * the limit runs over, [start, due]: one arising after the deadline cannot have made meeting it
 * impractical (for advice, reg 8(2) says "during that 6 week period" in terms). Facts that begin
 * after `asAt` are not known yet. An absence must have lasted 4 weeks by `asAt` (or by its end).
 */
export function exceptionVerdict(
  facts: ExceptionFacts,
  context: DeadlineContext,
  asAt: IsoDate,
): ExceptionVerdict {
  const regulation = EXCEPTION_LIMBS[context.deadline][facts.kind];
  if (regulation === undefined) {
    return no(
      `${facts.kind.replaceAll('_', ' ')} is not an exception to the ${context.deadline.replaceAll('_', ' ')} time limit`,
    );
  }
  if (compareDates(facts.from, asAt) > 0) return no('it had not begun by this date');
  // As at `asAt`, a period ending later is still going on.
  const to = facts.to !== null && compareDates(facts.to, asAt) <= 0 ? facts.to : null;
  const lastKnownDay = to ?? asAt;

  switch (facts.kind) {
    case 'absence_from_area': {
      if (spanDays(facts.from, lastKnownDay) < ABSENCE_MIN_DAYS)
        return no('the absence has not (yet) lasted a continuous 4 weeks');
      break;
    }
    case 'missed_appointment': {
      if (context.deadline !== 'advice' || facts.adviceRequestId !== context.adviceRequestId)
        return no('a missed appointment excuses only the advice of the body that made it');
      break;
    }
    case 'school_closure':
    case 'early_years_closure': {
      if (facts.to === null || daysBetween(facts.from, facts.to) < CLOSURE_MIN_DAYS)
        return no('the closure did not last 4 weeks');
      // "a period beginning one week before [the closure] and ending one week before the date on which it re-opens"
      const windowStart = addDays(facts.from, -CLOSURE_WINDOW_DAYS);
      const windowEnd = addDays(facts.to, -CLOSURE_WINDOW_DAYS);
      const asked = (context.educationAdviceSentDates ?? []).some(
        (d) =>
          compareDates(d, windowStart) >= 0 && compareDates(d, windowEnd) <= 0 && compareDates(d, asAt) <= 0,
      );
      if (!asked)
        return no(
          'no advice was requested from the school, college or setting between a week before it closed and a week before it re-opened',
        );
      // The request in the window is the circumstance; it must come before the deadline.
      const first = (context.educationAdviceSentDates ?? []).find(
        (d) => compareDates(d, windowStart) >= 0 && compareDates(d, windowEnd) <= 0,
      )!;
      if (compareDates(first, context.due) > 0) return no('the advice was requested after this deadline');
      return { applies: true, regulation, reason: null };
    }
    default:
      break;
  }
  // Overlap of [from, lastKnownDay] with [start, due].
  if (compareDates(facts.from, context.due) > 0) return no('it began after this deadline');
  if (compareDates(lastKnownDay, context.start) < 0) return no('it ended before this time limit began');
  return { applies: true, regulation, reason: null };
}
