import type { IsoDate } from '@hub/ehc-clock';
import { describe, expect, it } from 'vitest';
import {
  computeDashboard,
  type DashboardRows,
  DEFAULT_TARGETS,
  parseDashboardArgs,
  trendMonths,
  weeksToIssue,
} from './dashboard.ts';

/** Hand-worked cases: every expected figure below is counted by hand from the rows given. */
const rows = (over: Partial<DashboardRows> = {}): DashboardRows => ({
  assessments: [],
  advice: [],
  reviews: [],
  confirmations: [],
  exceptions: new Map(),
  ...over,
});
const run = (r: DashboardRows, asAt = '2026-06-30' as IsoDate, months = 3) =>
  computeDashboard(r, { asAt, months, targets: DEFAULT_TARGETS, councils: ['la-1'] });

describe('weeks to issue', () => {
  it('rounds part weeks up, so exactly 20 weeks is the last day within the limit', () => {
    expect(weeksToIssue('2026-01-01' as IsoDate, '2026-05-21' as IsoDate)).toBe(20); // 140 days
    expect(weeksToIssue('2026-01-01' as IsoDate, '2026-05-22' as IsoDate)).toBe(21); // 141 days
    expect(weeksToIssue('2026-01-01' as IsoDate, '2026-01-01' as IsoDate)).toBe(0);
  });
});

describe('new plans within 20 weeks, with and without exceptions', () => {
  // Requests on 2026-01-01: due 2026-05-21.
  const a = (id: string, issued: string) => ({
    id,
    childId: `child-${id}`,
    requestDate: '2026-01-01',
    finalPlanIssuedDate: issued,
  });
  const data = rows({
    assessments: [
      a('on-time', '2026-05-21'), // 20 weeks: within
      a('late', '2026-05-22'), // 21 weeks
      a('late-excused', '2026-08-01'), // 31 weeks, a recorded exception (reg 13(3))
      a('on-time-excused', '2026-04-01'), // within, but an exception was recorded: still left out
      a('after-asAt', '2026-09-15'), // issued after asAt: not counted at all
      { id: 'open', childId: 'x', requestDate: '2026-02-01', finalPlanIssuedDate: null },
    ],
    exceptions: new Map([
      ['late-excused', [{ milestone: 'final_plan', reason: 'child_absent' as const, note: 'away 5 weeks' }]],
      ['on-time-excused', [{ milestone: 'final_plan', reason: 'la_closure' as const, note: 'closure' }]],
    ]),
  });

  it('counts every plan including exceptions, and drops exception cases from both counts excluding them', () => {
    const figures = run(data, '2026-08-31' as IsoDate);
    expect(figures.plansCalendarYear).toMatchObject({
      from: '2026-01-01',
      to: '2026-08-31',
      issued: 4,
      within20Weeks: 2,
      percentWithin20Weeks: 50,
      exceptionCases: 2,
      issuedExcludingExceptions: 2,
      within20WeeksExcludingExceptions: 1,
      percentWithin20WeeksExcludingExceptions: 50,
    });
    // 140 days (20 weeks), 141 days (21), 212 days (31), 90 days (13).
    expect(figures.weeksToIssue.map((b) => b.plans)).toEqual([2, 1, 1, 0, 0]);
  });

  it('as at a date: a plan issued later is not there yet', () => {
    const figures = run(data, '2026-06-30' as IsoDate);
    expect(figures.plansCalendarYear.issued).toBe(3);
    expect(figures.plansPreviousCalendarYear).toMatchObject({
      from: '2025-01-01',
      to: '2025-12-31',
      issued: 0,
    });
    expect(figures.plansPreviousCalendarYear.percentWithin20Weeks).toBeNull();
  });

  it('an exception named for another milestone does not excuse the final plan', () => {
    const figures = run(
      rows({
        assessments: [a('late', '2026-05-22')],
        exceptions: new Map([['late', [{ milestone: 'decision_to_assess', reason: 'other', note: 'x' }]]]),
      }),
      '2026-06-30' as IsoDate,
    );
    expect(figures.plansCalendarYear).toMatchObject({ issued: 1, exceptionCases: 0, within20Weeks: 0 });
  });
});

describe('annual reviews within 12 months and decisions within 4 weeks', () => {
  it('follows each plan through its review cycles, and stops a replaced plan', () => {
    const data = rows({
      assessments: [
        // Plan issued 2025-03-10: first review due 2026-03-09.
        { id: 'p1', childId: 'c1', requestDate: '2024-11-01', finalPlanIssuedDate: '2025-03-10' },
        // Plan issued 2025-02-01: due 2026-01-31, reviewed 2026-01-15 (on time); next due 2027-01-14.
        { id: 'p2', childId: 'c2', requestDate: '2024-10-01', finalPlanIssuedDate: '2025-02-01' },
        // Plan issued 2025-04-01 for c3, replaced by a new plan on 2026-02-01: its review due
        // 2026-03-31 no longer counts; the new plan's first is due 2027-01-31.
        { id: 'p3', childId: 'c3', requestDate: '2024-12-01', finalPlanIssuedDate: '2025-04-01' },
        { id: 'p3b', childId: 'c3', requestDate: '2025-10-01', finalPlanIssuedDate: '2026-02-01' },
      ],
      reviews: [
        // p1 reviewed late (2026-03-20 > 2026-03-09); decision 2026-04-10 (due 2026-04-17: on time).
        { assessmentId: 'p1', meetingDate: '2026-03-20', decisionDate: '2026-04-10' },
        // p2 on time; decision 2026-02-20 (due 2026-02-12: late).
        { assessmentId: 'p2', meetingDate: '2026-01-15', decisionDate: '2026-02-20' },
      ],
    });
    const figures = run(data, '2026-06-30' as IsoDate, 12);
    expect(figures.annualReviewsRolling12Months).toMatchObject({
      from: '2025-07-01',
      due: 2,
      onTime: 1,
      percent: 50,
    });
    expect(figures.reviewDecisionsRolling12Months).toMatchObject({ due: 2, onTime: 1, percent: 50 });
    const march = figures.trend.find((m) => m.month === '2026-03')!;
    expect(march.annualReviews).toEqual({ due: 1, onTime: 0, percent: 0 });
    expect(march.meetsAnnualReviewTarget).toBe(false);
    const jan = figures.trend.find((m) => m.month === '2026-01')!;
    expect(jan.annualReviews).toEqual({ due: 1, onTime: 1, percent: 100 });
    expect(jan.meetsAnnualReviewTarget).toBe(true);
    const feb = figures.trend.find((m) => m.month === '2026-02')!;
    expect(feb.annualReviews).toEqual({ due: 0, onTime: 0, percent: null });
    expect(feb.meetsAnnualReviewTarget).toBeNull();
    expect(feb.reviewDecisions).toEqual({ due: 1, onTime: 0, percent: 0 });
    // As at 2026-03-15 the p1 meeting (due 03-09) has not happened: due, not on time; p2 on time.
    const earlier = run(data, '2026-03-15' as IsoDate, 12);
    expect(earlier.annualReviewsRolling12Months).toMatchObject({ due: 2, onTime: 1 });
  });
});

describe('advice on time per agency, as a rate', () => {
  it('counts requests whose 6-week due date falls in the window; on time when received by it', () => {
    const data = rows({
      advice: [
        { agency: 'health', sentDate: '2026-04-01', receivedDate: '2026-05-13' }, // due 05-13: on time
        { agency: 'health', sentDate: '2026-04-02', receivedDate: '2026-05-15' }, // due 05-14: late
        { agency: 'health', sentDate: '2026-04-03', receivedDate: null }, // due 05-15: not received
        { agency: 'education', sentDate: '2026-05-01', receivedDate: '2026-07-01' }, // received after asAt
        { agency: 'social_care', sentDate: '2026-06-20', receivedDate: null }, // due after asAt
      ],
    });
    const figures = run(data, '2026-06-30' as IsoDate);
    const by = Object.fromEntries(figures.adviceRolling12Months.map((a) => [a.agency, a]));
    expect(by.health).toMatchObject({ due: 3, onTime: 1, percent: 33.3 });
    expect(by.education).toMatchObject({ due: 1, onTime: 0, percent: 0 });
    expect(by.social_care).toMatchObject({ due: 0, onTime: 0, percent: null });
    expect(figures.trend.find((m) => m.month === '2026-05')!.advice).toEqual({
      due: 3,
      onTime: 1,
      percent: 33.3,
    });
    expect(figures.trend.find((m) => m.month === '2026-06')!.advice).toEqual({
      due: 1,
      onTime: 0,
      percent: 0,
    });
  });
});

describe('trend months and arguments', () => {
  it('ends with the month of asAt, cut at asAt, across a year end', () => {
    expect(trendMonths('2026-02-14' as IsoDate, 3)).toEqual([
      { month: '2025-12', from: '2025-12-01', to: '2025-12-31' },
      { month: '2026-01', from: '2026-01-01', to: '2026-01-31' },
      { month: '2026-02', from: '2026-02-01', to: '2026-02-14' },
    ]);
  });

  it('lists every bad argument at once; targets keep their defaults unless given', () => {
    expect(() =>
      parseDashboardArgs({ asAt: '2026-02-30', months: 0, targets: { adviceOnTime: -1, nope: 1 } as never }),
    ).toThrow(
      /asAt must be a real date.*months must be a whole number from 1 to 36.*adviceOnTime must be a percentage.*targets.nope is not a target/,
    );
    expect(parseDashboardArgs({ asAt: '2026-01-31', targets: { plansWithin20Weeks: 75 } })).toEqual({
      asAt: '2026-01-31',
      months: 12,
      targets: { ...DEFAULT_TARGETS, plansWithin20Weeks: 75 },
    });
  });
});

describe('family information confirmations', () => {
  it('counts confirmations by their date in England', () => {
    const figures = run(
      rows({
        confirmations: [
          // 23:30 UTC on 30 June is 00:30 on 1 July in England (BST): after asAt.
          { childId: 'a', organisationType: 'health', confirmedAt: new Date('2026-06-30T23:30:00Z') },
          { childId: 'a', organisationType: 'health', confirmedAt: new Date('2026-06-30T22:30:00Z') },
          { childId: 'b', organisationType: 'school', confirmedAt: new Date('2026-01-05T10:00:00Z') },
        ],
      }),
      '2026-06-30' as IsoDate,
    );
    expect(figures.familyInformationConfirmations).toMatchObject({
      confirmations: 2,
      children: 2,
      byOrganisationType: [
        { organisationType: 'health', confirmations: 1 },
        { organisationType: 'school', confirmations: 1 },
      ],
    });
  });
});
