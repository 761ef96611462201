import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, compareDates, type IsoDate } from './calendar-date.ts';
import {
  evaluateMilestones,
  type Milestone,
  type MilestoneStatus,
  milestoneStatus,
  type RecordedException,
} from './milestone-status.ts';
import { isoDate } from './test-arbitraries.ts';

const due: IsoDate = '2025-03-31';
const open: Milestone = { name: 'final_plan', dueDate: due, completedDate: null, statutory: true };

describe('milestoneStatus', () => {
  it.each<[IsoDate, MilestoneStatus, number | null, number | null]>([
    ['2025-03-01', 'not_due', 30, null],
    ['2025-03-23', 'not_due', 8, null],
    ['2025-03-24', 'due_soon', 7, null],
    ['2025-03-31', 'due_soon', 0, null], // the due date itself is still in time
    ['2025-04-01', 'overdue', null, 1],
    ['2025-05-01', 'overdue', null, 31],
  ])('open milestone at %s is %s', (today, status, daysRemaining, daysLate) => {
    const state = milestoneStatus(open, today);
    expect(state).toMatchObject({ status, daysRemaining, daysLate, exceptionApplies: false });
    expect(state.breach).toBe(status === 'overdue');
  });

  it('is met when completed on or before the due date, and missed after', () => {
    const onTime = milestoneStatus({ ...open, completedDate: '2025-03-31' }, '2025-06-01');
    expect(onTime).toMatchObject({ status: 'met', daysRemaining: null, daysLate: null, breach: false });
    const early = milestoneStatus({ ...open, completedDate: '2025-01-10' }, '2025-06-01');
    expect(early.status).toBe('met');
    const late = milestoneStatus({ ...open, completedDate: '2025-04-03' }, '2025-06-01');
    expect(late).toMatchObject({ status: 'missed', daysLate: 3, daysRemaining: null, breach: true });
  });

  it('ignores a completion dated after today (status is "as at today")', () => {
    const booked = { ...open, completedDate: '2025-03-28' as IsoDate };
    expect(milestoneStatus(booked, '2025-03-20').status).toBe('not_due');
    expect(milestoneStatus(booked, '2025-03-28').status).toBe('met');
  });

  it('honours a custom due-soon window', () => {
    expect(milestoneStatus(open, '2025-03-17', { dueSoonDays: 14 }).status).toBe('due_soon');
    expect(milestoneStatus(open, '2025-03-31', { dueSoonDays: 0 }).status).toBe('due_soon');
    expect(milestoneStatus(open, '2025-03-30', { dueSoonDays: 0 }).status).toBe('not_due');
    expect(() => milestoneStatus(open, '2025-03-30', { dueSoonDays: -1 })).toThrow(RangeError);
  });

  it('a late non-statutory target is shown as late but is not a breach', () => {
    const target: Milestone = { name: 'draft_plan', dueDate: due, completedDate: null, statutory: false };
    expect(milestoneStatus(target, '2025-04-10')).toMatchObject({ status: 'overdue', breach: false });
  });

  it('rejects invalid dates', () => {
    expect(() => milestoneStatus(open, '2025-02-29')).toThrow(RangeError);
    expect(() => milestoneStatus({ ...open, dueDate: '2025-13-01' }, '2025-01-01')).toThrow(RangeError);
  });
});

describe('exceptions', () => {
  const closure: RecordedException = {
    milestone: 'final_plan',
    reason: 'la_closure',
    note: 'School advice requested 2025-07-14; school closed for summer from 2025-07-21',
  };

  it('flag the milestone and stop it counting as a breach, but leave the status alone', () => {
    const state = milestoneStatus(open, '2025-04-20', { exceptions: [closure] });
    expect(state).toMatchObject({ status: 'overdue', daysLate: 20, exceptionApplies: true, breach: false });
    expect(state.exceptions).toEqual([closure]);
  });

  it('apply only to the milestone they name', () => {
    const [decision, final] = evaluateMilestones(
      [{ name: 'decision_to_assess', dueDate: '2025-02-01', completedDate: null, statutory: true }, open],
      '2025-04-20',
      { exceptions: [closure] },
    );
    expect(decision).toMatchObject({ status: 'overdue', exceptionApplies: false, breach: true });
    expect(final).toMatchObject({ status: 'overdue', exceptionApplies: true, breach: false });
  });

  it('reject an exception for an unknown milestone, duplicate names and an unexplained "other"', () => {
    expect(() =>
      evaluateMilestones([open], '2025-04-20', { exceptions: [{ ...closure, milestone: 'final' }] }),
    ).toThrow(/unknown milestone "final"/);
    expect(() => evaluateMilestones([open, open], '2025-04-20')).toThrow(/Duplicate/);
    expect(() =>
      milestoneStatus(open, '2025-04-20', {
        exceptions: [{ milestone: 'final_plan', reason: 'other', note: ' ' }],
      }),
    ).toThrow(/needs a note/);
    const bogus = { milestone: 'final_plan', reason: 'holiday', note: '' } as unknown as RecordedException;
    expect(() => milestoneStatus(open, '2025-04-20', { exceptions: [bogus] })).toThrow(
      /Unknown exception reason/,
    );
  });
});

// Every status a milestone can show later, given the status it shows now. Time only moves a
// milestone forward along not_due → due_soon → overdue, and completion only ends it.
const REACHABLE: Record<MilestoneStatus, readonly MilestoneStatus[]> = {
  not_due: ['not_due', 'due_soon', 'overdue', 'met', 'missed'],
  due_soon: ['due_soon', 'overdue', 'met', 'missed'],
  overdue: ['overdue', 'missed'],
  met: ['met'],
  missed: ['missed'],
};
const OPEN_RANK: Partial<Record<MilestoneStatus, number>> = { not_due: 0, due_soon: 1, overdue: 2 };

const days = fc.integer({ min: -400, max: 400 });

describe('properties', () => {
  it('an open milestone only moves not_due → due_soon → overdue as today advances', () => {
    fc.assert(
      fc.property(isoDate, days, days, fc.integer({ min: 0, max: 30 }), (dueDate, a, b, dueSoonDays) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const m: Milestone = { name: 'm', dueDate, completedDate: null, statutory: true };
        const before = milestoneStatus(m, addDays(dueDate, earlier), { dueSoonDays }).status;
        const after = milestoneStatus(m, addDays(dueDate, later), { dueSoonDays }).status;
        expect(OPEN_RANK[before]).toBeLessThanOrEqual(OPEN_RANK[after]!);
      }),
    );
  });

  it('with or without a completion, statuses only ever move forward', () => {
    fc.assert(
      fc.property(isoDate, fc.option(days), days, days, (dueDate, completedOffset, a, b) => {
        const [earlier, later] = a <= b ? [a, b] : [b, a];
        const completedDate = completedOffset === null ? null : addDays(dueDate, completedOffset);
        const m: Milestone = { name: 'm', dueDate, completedDate, statutory: true };
        const before = milestoneStatus(m, addDays(dueDate, earlier)).status;
        const after = milestoneStatus(m, addDays(dueDate, later)).status;
        expect(REACHABLE[before]).toContain(after);
      }),
    );
  });

  it('exactly one of daysRemaining / daysLate is set for unfinished or late milestones, and breach matches', () => {
    fc.assert(
      fc.property(isoDate, fc.option(days), days, fc.boolean(), (dueDate, completedOffset, t, excused) => {
        const completedDate = completedOffset === null ? null : addDays(dueDate, completedOffset);
        const m: Milestone = { name: 'm', dueDate, completedDate, statutory: true };
        const exceptions: RecordedException[] = excused
          ? [{ milestone: 'm', reason: 'child_absent', note: '' }]
          : [];
        const s = milestoneStatus(m, addDays(dueDate, t), { exceptions });
        const late = s.status === 'overdue' || s.status === 'missed';
        expect(s.daysRemaining !== null).toBe(s.status === 'not_due' || s.status === 'due_soon');
        expect(s.daysLate !== null).toBe(late);
        if (s.daysLate !== null) expect(s.daysLate).toBeGreaterThan(0);
        if (s.daysRemaining !== null) expect(s.daysRemaining).toBeGreaterThanOrEqual(0);
        expect(s.breach).toBe(late && !excused);
        if (s.status === 'met') expect(compareDates(s.completedDate!, dueDate)).toBeLessThanOrEqual(0);
      }),
    );
  });
});
