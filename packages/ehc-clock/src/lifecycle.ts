import { addWeeks, compareDates, formatIsoDate, type IsoDate, parseIsoDate } from './calendar-date.ts';
import type { Milestone } from './milestone-status.ts';

// ---- Endings of a needs assessment (SEND Regulations 2014, SI 2014/1530) ----

/** Reg 10(1): notice of a decision not to issue a plan within 16 weeks of the request. */
export const DECISION_NOT_TO_ISSUE_WEEKS = 16;
export const MILESTONE_DECISION_NOT_TO_ISSUE = 'decision_not_to_issue';

/** Reg 10(1): the last day to notify a decision not to secure an EHC plan. */
export function decisionNotToIssueDue(requestDate: IsoDate): IsoDate {
  return addWeeks(requestDate, DECISION_NOT_TO_ISSUE_WEEKS);
}

/**
 * What the First-tier Tribunal (SEND) ordered (reg 43(2) powers). `dismissed` means the LA's
 * decision stands and there is nothing further to comply with.
 */
export type TribunalOrder =
  | 'dismissed'
  | 'assess'
  | 'make_and_maintain_plan'
  | 'amend_plan'
  | 'amend_placement'
  | 'continue_to_maintain'
  | 'continue_and_amend'
  | 'dismiss_cease_appeal';

export const TRIBUNAL_ORDERS: readonly TribunalOrder[] = [
  'dismissed',
  'assess',
  'make_and_maintain_plan',
  'amend_plan',
  'amend_placement',
  'continue_to_maintain',
  'continue_and_amend',
  'dismiss_cease_appeal',
];

/** One step an order requires, due a number of weeks after the order (0: immediately). */
export interface OrderStep {
  readonly step: 'first' | 'final';
  readonly name: string;
  readonly weeks: number;
  readonly regulation: string;
}

/**
 * Reg 44(2): the periods in which the LA must comply with a tribunal order, counted from the day
 * the order is made. `first` is the step the LA records first (notice, draft, amended plan);
 * `final` the finalised plan where there is one.
 */
export const ORDER_STEPS: Readonly<Record<TribunalOrder, readonly OrderStep[]>> = {
  dismissed: [],
  // 44(2)(b): notify within 2 weeks that it will assess; then a decision not to issue within
  // 10 weeks (44(2)(b)(i)) or the finalised plan within 14 weeks (44(2)(b)(ii)) of the order.
  assess: [
    { step: 'first', name: 'order:notify_assessment', weeks: 2, regulation: 'reg 44(2)(b)' },
    { step: 'final', name: 'order:final_plan', weeks: 14, regulation: 'reg 44(2)(b)(ii)' },
  ],
  // 44(2)(c): draft plan within 5 weeks, finalised plan within 11 weeks of the order.
  make_and_maintain_plan: [
    { step: 'first', name: 'order:draft_plan', weeks: 5, regulation: 'reg 44(2)(c)(i)' },
    { step: 'final', name: 'order:final_plan', weeks: 11, regulation: 'reg 44(2)(c)(ii)' },
  ],
  // 44(2): an order to amend the needs or provision: amended plan within 5 weeks.
  amend_plan: [{ step: 'first', name: 'order:amended_plan', weeks: 5, regulation: 'reg 44(2)' }],
  // 44(2): an order to change the school or institution named: amended plan within 2 weeks.
  amend_placement: [{ step: 'first', name: 'order:amended_plan', weeks: 2, regulation: 'reg 44(2)' }],
  // 44(2): continue to maintain the plan: immediately.
  continue_to_maintain: [
    { step: 'first', name: 'order:continue_to_maintain', weeks: 0, regulation: 'reg 44(2)' },
  ],
  // 44(2): continue to maintain (immediately) and amend (amended plan within 5 weeks).
  continue_and_amend: [{ step: 'first', name: 'order:amended_plan', weeks: 5, regulation: 'reg 44(2)' }],
  // 44(2)(a): an appeal against ceasing to maintain is dismissed: cease immediately.
  dismiss_cease_appeal: [{ step: 'first', name: 'order:cease', weeks: 0, regulation: 'reg 44(2)(a)' }],
};

/** Reg 44(2)(b)(i): after an order to assess, a decision not to issue within 10 weeks of the order. */
export const ORDER_NOT_TO_ISSUE_WEEKS = 10;

export interface TribunalOrderRecord {
  readonly order: TribunalOrder;
  readonly orderDate: IsoDate;
  readonly firstStepDate?: IsoDate | null;
  readonly finalStepDate?: IsoDate | null;
  /** After an order to assess: the LA decided not to issue, so the final step is that notice (10 weeks). */
  readonly notToIssue?: boolean;
}

/** The compliance milestones of a tribunal order (reg 44(2)). */
export function tribunalOrderMilestones(record: TribunalOrderRecord): Milestone[] {
  return ORDER_STEPS[record.order].map((s): Milestone => {
    const done = s.step === 'first' ? (record.firstStepDate ?? null) : (record.finalStepDate ?? null);
    if (done !== null && compareDates(done, record.orderDate) < 0)
      throw new RangeError(`${s.name} (${done}) is before the order (${record.orderDate})`);
    if (s.step === 'final' && record.order === 'assess' && record.notToIssue) {
      return {
        name: 'order:decision_not_to_issue',
        dueDate: addWeeks(record.orderDate, ORDER_NOT_TO_ISSUE_WEEKS),
        completedDate: done,
        statutory: true,
      };
    }
    return {
      name: s.name,
      dueDate: addWeeks(record.orderDate, s.weeks),
      completedDate: done,
      statutory: true,
    };
  });
}

// ---- Annual review to amendment (regs 20–22) and ceasing (regs 29–31) ----

/** Reg 20 (and 21): the review report is sent within 2 weeks of the review meeting (Code of Practice 9.176). */
export const REVIEW_REPORT_WEEKS = 2;
/** Reg 22: amended plan issued within 8 weeks of the proposed amendments being sent (Code of Practice 9.194). */
export const AMENDMENT_WEEKS = 8;
/** Reg 22: at least 15 days for the family's representations on proposed amendments. */
export const AMENDMENT_COMMENT_DAYS = 15;

export type ReviewOutcome = 'no_change' | 'amend' | 'cease';

export interface ReviewCycleRecord {
  readonly meetingDate: IsoDate;
  readonly reportSentDate?: IsoDate | null;
  readonly decisionDate?: IsoDate | null;
  readonly outcome?: ReviewOutcome | null;
  /** When the LA sent the plan with its notice of proposed amendments (reg 22). */
  readonly amendmentProposedDate?: IsoDate | null;
  readonly amendedPlanIssuedDate?: IsoDate | null;
}

/**
 * The steps after one review meeting: report (2 weeks), LA decision (4 weeks, regs 20/21), and,
 * when the decision is to amend, the amended plan 8 weeks after the proposals (reg 22). The
 * 4-week decision is the existing `annual_review_decision` milestone; this adds the rest.
 */
export function reviewFollowUpMilestones(record: ReviewCycleRecord): Milestone[] {
  const { meetingDate } = record;
  for (const [field, value] of [
    ['reportSentDate', record.reportSentDate],
    ['decisionDate', record.decisionDate],
    ['amendmentProposedDate', record.amendmentProposedDate],
  ] as const) {
    if (value != null && compareDates(value, meetingDate) < 0)
      throw new RangeError(`${field} (${value}) is before the review meeting (${meetingDate})`);
  }
  const out: Milestone[] = [
    {
      name: 'review_report',
      dueDate: addWeeks(meetingDate, REVIEW_REPORT_WEEKS),
      completedDate: record.reportSentDate ?? null,
      statutory: true,
    },
  ];
  const proposed = record.amendmentProposedDate ?? null;
  if (record.outcome === 'amend' && proposed !== null) {
    const issued = record.amendedPlanIssuedDate ?? null;
    if (issued !== null && compareDates(issued, proposed) < 0)
      throw new RangeError(`amendedPlanIssuedDate (${issued}) is before the proposals (${proposed})`);
    out.push({
      name: 'amended_plan',
      dueDate: addWeeks(proposed, AMENDMENT_WEEKS),
      completedDate: issued,
      statutory: true,
    });
  }
  return out;
}

// ---- Year groups, preparation for adulthood and phase transfers ----

/** The calendar year of the 1 September that starts the school year `date` falls in. */
export function schoolYearStart(date: IsoDate): number {
  const { year, month } = parseIsoDate(date);
  return month >= 9 ? year : year - 1;
}

/**
 * The national curriculum year group of a child born on `dateOfBirth` on `date`, assuming the
 * usual cohort (no delayed entry or repeated year): 0 is Reception (the school year in which the
 * child turns 5), 7 is Year 7, 12 is Year 12; negative before Reception.
 */
export function yearGroup(dateOfBirth: IsoDate, date: IsoDate): number {
  return schoolYearStart(date) - schoolYearStart(dateOfBirth) - 5;
}

/**
 * Reg 20(6)/21(6): reviews from Year 9 consider what provision will help the child prepare for
 * adulthood and independent living (Code of Practice 8.9, 9.179).
 */
export function preparationForAdulthoodDue(dateOfBirth: IsoDate, reviewDate: IsoDate): boolean {
  return yearGroup(dateOfBirth, reviewDate) >= 9;
}

export type PhaseTransferKind = 'early_years_to_school' | 'primary_to_secondary' | 'secondary_to_post16';

export interface PhaseTransfer {
  readonly kind: PhaseTransferKind;
  /** 1 September of the transfer: when the child starts the new phase. */
  readonly transferDate: IsoDate;
  /** Reg 18(1): plan reviewed and, as necessary, amended by this day. */
  readonly amendBy: IsoDate;
}

const TRANSFER_YEAR_GROUP: Readonly<Record<PhaseTransferKind, number>> = {
  early_years_to_school: 0,
  primary_to_secondary: 7,
  secondary_to_post16: 12,
};

/**
 * The phase transfers of a child on the usual cohort, with reg 18(1)'s deadlines: the plan must
 * be reviewed and, as necessary, amended by 31 March of the calendar year of the transfer for a
 * move from secondary school to a post-16 institution (reg 18(1)(a)), and by 15 February of that
 * year for any other transfer between phases (reg 18(1)(b)). Infant to junior and middle-school
 * transfers depend on the schools a child attends and are not derived here.
 */
export function phaseTransfers(dateOfBirth: IsoDate): PhaseTransfer[] {
  const cohort = schoolYearStart(dateOfBirth);
  return (Object.keys(TRANSFER_YEAR_GROUP) as PhaseTransferKind[]).map((kind) => {
    const year = cohort + 5 + TRANSFER_YEAR_GROUP[kind];
    return {
      kind,
      transferDate: formatIsoDate({ year, month: 9, day: 1 }),
      amendBy: formatIsoDate({
        year,
        month: kind === 'secondary_to_post16' ? 3 : 2,
        day: kind === 'secondary_to_post16' ? 31 : 15,
      }),
    };
  });
}

/** The next phase transfer whose reg 18 deadline is on or after `date` (null after post-16). */
export function nextPhaseTransfer(dateOfBirth: IsoDate, date: IsoDate): PhaseTransfer | null {
  return phaseTransfers(dateOfBirth).find((t) => compareDates(t.amendBy, date) >= 0) ?? null;
}
