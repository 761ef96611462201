import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, compareDates, daysBetween, type IsoDate } from './calendar-date.ts';
import {
  decisionNotToIssueDue,
  nextPhaseTransfer,
  phaseTransfers,
  preparationForAdulthoodDue,
  reviewFollowUpMilestones,
  TRIBUNAL_ORDERS,
  tribunalOrderMilestones,
  yearGroup,
} from './lifecycle.ts';
import { evaluateMilestones } from './milestone-status.ts';
import { isoDate } from './test-arbitraries.ts';

describe('decision not to issue a plan (reg 10(1))', () => {
  it('is due 16 weeks after the request: request 2026-01-05 → 2026-04-27', () => {
    expect(decisionNotToIssueDue('2026-01-05')).toBe('2026-04-27');
  });
  it('property: always 112 days, between the 6-week decision and the 20-week plan', () => {
    fc.assert(
      fc.property(isoDate, (d) => {
        expect(daysBetween(d, decisionNotToIssueDue(d))).toBe(112);
      }),
    );
  });
});

describe('tribunal order compliance (reg 44(2))', () => {
  it('hand-worked: an order made 2026-03-02', () => {
    const due = (order: (typeof TRIBUNAL_ORDERS)[number], extra = {}) =>
      tribunalOrderMilestones({ order, orderDate: '2026-03-02', ...extra }).map((m) => [m.name, m.dueDate]);
    expect(due('assess')).toEqual([
      ['order:notify_assessment', '2026-03-16'], // 2 weeks, 44(2)(b)
      ['order:final_plan', '2026-06-08'], // 14 weeks, 44(2)(b)(ii)
    ]);
    expect(due('assess', { notToIssue: true })[1]).toEqual(['order:decision_not_to_issue', '2026-05-11']); // 10 weeks
    expect(due('make_and_maintain_plan')).toEqual([
      ['order:draft_plan', '2026-04-06'], // 5 weeks, 44(2)(c)(i)
      ['order:final_plan', '2026-05-18'], // 11 weeks, 44(2)(c)(ii)
    ]);
    expect(due('amend_plan')).toEqual([['order:amended_plan', '2026-04-06']]);
    expect(due('amend_placement')).toEqual([['order:amended_plan', '2026-03-16']]);
    expect(due('continue_to_maintain')).toEqual([['order:continue_to_maintain', '2026-03-02']]);
    expect(due('dismiss_cease_appeal')).toEqual([['order:cease', '2026-03-02']]);
    expect(due('dismissed')).toEqual([]);
  });
  it('property: every step is due on or after the order, and a step done before the order is refused', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TRIBUNAL_ORDERS), isoDate, (order, orderDate) => {
        for (const m of tribunalOrderMilestones({ order, orderDate }))
          expect(compareDates(m.dueDate, orderDate)).toBeGreaterThanOrEqual(0);
        if (order !== 'dismissed')
          expect(() =>
            tribunalOrderMilestones({ order, orderDate, firstStepDate: addDays(orderDate, -1) }),
          ).toThrow(RangeError);
      }),
    );
  });
});

describe('annual review to amendment (regs 20-22)', () => {
  it('hand-worked: meeting 2026-05-11, report due 2026-05-25; proposals 2026-06-01, amended plan due 2026-07-27', () => {
    const ms = reviewFollowUpMilestones({
      meetingDate: '2026-05-11',
      reportSentDate: '2026-05-26',
      decisionDate: '2026-06-01',
      outcome: 'amend',
      amendmentProposedDate: '2026-06-01',
      amendedPlanIssuedDate: '2026-07-27',
    });
    const states = evaluateMilestones(ms, '2026-08-01');
    expect(states.map((m) => [m.name, m.dueDate, m.status])).toEqual([
      ['review_report', '2026-05-25', 'missed'],
      ['amended_plan', '2026-07-27', 'met'],
    ]);
  });
  it('no amended-plan clock without a decision to amend and proposals sent', () => {
    expect(
      reviewFollowUpMilestones({ meetingDate: '2026-05-11', outcome: 'no_change' }).map((m) => m.name),
    ).toEqual(['review_report']);
    expect(
      reviewFollowUpMilestones({ meetingDate: '2026-05-11', outcome: 'amend' }).map((m) => m.name),
    ).toEqual(['review_report']);
  });
  it('property: the amended plan is always due 56 days after the proposals', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 0, max: 60 }), (meeting, gap) => {
        const proposed = addDays(meeting, gap);
        const [, amended] = reviewFollowUpMilestones({
          meetingDate: meeting,
          outcome: 'amend',
          amendmentProposedDate: proposed,
        });
        expect(daysBetween(proposed, amended!.dueDate)).toBe(56);
      }),
    );
  });
});

describe('year groups, preparation for adulthood and phase transfers (reg 18)', () => {
  it('hand-worked: born 2010-09-23 (oldest in the year) and 2011-08-31 (youngest) are in the same year', () => {
    expect(yearGroup('2010-09-23', '2015-09-01')).toBe(0); // Reception
    expect(yearGroup('2011-08-31', '2015-09-01')).toBe(0);
    expect(yearGroup('2010-09-23', '2024-10-01')).toBe(9);
    expect(yearGroup('2011-09-01', '2024-10-01')).toBe(8);
    expect(preparationForAdulthoodDue('2010-09-23', '2024-09-01')).toBe(true);
    expect(preparationForAdulthoodDue('2010-09-23', '2024-08-31')).toBe(false);
  });
  it('hand-worked: transfers of a child born 2014-03-10 (Year 7 in September 2025)', () => {
    expect(phaseTransfers('2014-03-10')).toEqual([
      { kind: 'early_years_to_school', transferDate: '2018-09-01', amendBy: '2018-02-15' },
      { kind: 'primary_to_secondary', transferDate: '2025-09-01', amendBy: '2025-02-15' }, // reg 18(1)(b)
      { kind: 'secondary_to_post16', transferDate: '2030-09-01', amendBy: '2030-03-31' }, // reg 18(1)(a)
    ]);
    expect(nextPhaseTransfer('2014-03-10', '2025-02-15')?.kind).toBe('primary_to_secondary');
    expect(nextPhaseTransfer('2014-03-10', '2025-02-16')?.kind).toBe('secondary_to_post16');
    expect(nextPhaseTransfer('2014-03-10', '2030-04-01')).toBeNull();
  });
  it('property: deadlines fall in the calendar year of the transfer, before it, and the year group then is 0, 7 or 12', () => {
    fc.assert(
      fc.property(isoDate, (dob) => {
        for (const t of phaseTransfers(dob)) {
          expect(t.amendBy.slice(0, 4)).toBe(t.transferDate.slice(0, 4));
          expect(compareDates(t.amendBy, t.transferDate)).toBeLessThan(0);
          expect([0, 7, 12]).toContain(yearGroup(dob, t.transferDate));
          expect(t.amendBy.slice(5)).toBe(t.kind === 'secondary_to_post16' ? '03-31' : '02-15');
        }
      }),
    );
  });
  it('property: a year group goes up by exactly one each 1 September', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: 1990, max: 2090 }), (dob, y) => {
        expect(yearGroup(dob, `${y}-09-01` as IsoDate) - yearGroup(dob, `${y}-08-31` as IsoDate)).toBe(1);
        expect(yearGroup(dob, `${y}-08-31` as IsoDate)).toBe(yearGroup(dob, `${y - 1}-09-01` as IsoDate));
      }),
    );
  });
});
