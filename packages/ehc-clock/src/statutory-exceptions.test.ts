import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, addWeeks, compareDates, type IsoDate } from './calendar-date.ts';
import {
  type DeadlineContext,
  EXCEPTION_LIMBS,
  type ExceptedDeadline,
  type ExceptionFacts,
  exceptionFactProblems,
  exceptionVerdict,
  STATUTORY_EXCEPTION_KINDS,
  type StatutoryExceptionKind,
} from './statutory-exceptions.ts';
import { isoDate } from './test-arbitraries.ts';

// Hand-worked case: request received Monday 2026-01-05.
//   reg 5(1) decision due 2026-02-16; reg 10(1) notice not to issue due 2026-04-27;
//   reg 13(2) final plan due 2026-05-25; health advice requested 2026-02-23, due 2026-04-06 (reg 8(1)).
const request: IsoDate = '2026-01-05';
const decision: DeadlineContext = { deadline: 'decision_to_assess', start: request, due: '2026-02-16' };
const advice: DeadlineContext = {
  deadline: 'advice',
  start: '2026-02-23',
  due: '2026-04-06',
  adviceRequestId: 'health-1',
};
const notToIssue: DeadlineContext = { deadline: 'decision_not_to_issue', start: request, due: '2026-04-27' };
const finalPlan: DeadlineContext = { deadline: 'final_plan', start: request, due: '2026-05-25' };
const ALL = [decision, advice, notToIssue, finalPlan];
const asAt: IsoDate = '2026-07-01';

const facts = (
  kind: StatutoryExceptionKind,
  from: IsoDate,
  to: IsoDate | null,
  extra = {},
): ExceptionFacts => ({
  id: 'e1',
  kind,
  from,
  to,
  evidence: 'Letter on file from the family',
  ...extra,
});
const applies = (f: ExceptionFacts) => ALL.map((c) => exceptionVerdict(f, c, asAt).applies);

describe('which exception excuses which time limit (SEND Regs 2014)', () => {
  it('the table is exactly the regulations: 5(4) (a)-(c), 8(2) (a)-(c), 10(4) (a)-(d), 13(3) = 10(4)(a)-(d)', () => {
    expect(Object.keys(EXCEPTION_LIMBS.decision_to_assess).sort()).toEqual(
      ['absence_from_area', 'personal_circumstances', 'school_closure'].sort(),
    );
    expect(Object.keys(EXCEPTION_LIMBS.advice).sort()).toEqual(
      ['absence_from_area', 'missed_appointment', 'personal_circumstances'].sort(),
    );
    expect(Object.keys(EXCEPTION_LIMBS.decision_not_to_issue).sort()).toEqual(
      ['absence_from_area', 'early_years_closure', 'personal_circumstances', 'school_closure'].sort(),
    );
    expect(EXCEPTION_LIMBS.final_plan.absence_from_area).toBe('reg 13(3) with 10(4)(d)');
    expect(Object.keys(EXCEPTION_LIMBS.final_plan).sort()).toEqual(
      Object.keys(EXCEPTION_LIMBS.decision_not_to_issue).sort(),
    );
  });

  it('a missed appointment excuses only the advice of the body that made it (reg 8(2)(c))', () => {
    const missed = facts('missed_appointment', '2026-03-10', '2026-03-10', { adviceRequestId: 'health-1' });
    expect(applies(missed)).toEqual([false, true, false, false]);
    expect(exceptionVerdict(missed, advice, asAt).regulation).toBe('reg 8(2)(c)');
    // Another body's advice is not excused by it.
    expect(exceptionVerdict(missed, { ...advice, adviceRequestId: 'ep-1' }, asAt).applies).toBe(false);
    // An appointment after the 6-week period cannot have made the advice late.
    const after = facts('missed_appointment', '2026-04-07', null, { adviceRequestId: 'health-1' });
    expect(exceptionVerdict(after, advice, asAt).applies).toBe(false);
  });

  it('an absence of 4 weeks excuses every limit whose period it overlaps; 27 days excuses none', () => {
    const away = facts('absence_from_area', '2026-03-01', '2026-03-28'); // 28 days inclusive
    expect(applies(away)).toEqual([false, true, true, true]); // began after the 6-week decision was due
    const short = facts('absence_from_area', '2026-03-01', '2026-03-27');
    expect(applies(short)).toEqual([false, false, false, false]);
    const early = facts('absence_from_area', '2026-01-20', '2026-02-20');
    expect(applies(early)).toEqual([true, false, true, true]); // ended before the advice was requested
    expect(exceptionVerdict(early, decision, asAt).regulation).toBe('reg 5(4)(c)');
  });

  it('an absence still going on counts once it has lasted 4 weeks by the as-at date', () => {
    const ongoing = facts('absence_from_area', '2026-03-01', null);
    expect(exceptionVerdict(ongoing, finalPlan, '2026-03-27').applies).toBe(false);
    expect(exceptionVerdict(ongoing, finalPlan, '2026-03-28').applies).toBe(true);
    // Not known before it began.
    expect(exceptionVerdict(ongoing, finalPlan, '2026-02-28').applies).toBe(false);
  });

  it('a school closure excuses the decision, notice and plan limits, never advice, and only if the school was asked in its window', () => {
    // Summer holiday: closed 2026-07-22, re-opens 2026-09-03. Window: 2026-07-15 .. 2026-08-27.
    const summer: DeadlineContext[] = (
      [
        { deadline: 'decision_to_assess', start: '2026-07-01', due: '2026-08-12' },
        { deadline: 'advice', start: '2026-07-16', due: '2026-08-27', adviceRequestId: 'school-1' },
        { deadline: 'decision_not_to_issue', start: '2026-07-01', due: '2026-10-21' },
        { deadline: 'final_plan', start: '2026-07-01', due: '2026-11-18' },
      ] as DeadlineContext[]
    ).map((c) => ({ ...c, educationAdviceSentDates: ['2026-07-16'] as IsoDate[] }));
    const closure = facts('school_closure', '2026-07-22', '2026-09-03');
    expect(summer.map((c) => exceptionVerdict(closure, c, '2026-12-01').applies)).toEqual([
      true,
      false,
      true,
      true,
    ]);
    // Asked a week and a day before it closed: outside the window.
    const tooEarly = summer.map((c) => ({ ...c, educationAdviceSentDates: ['2026-07-14'] as IsoDate[] }));
    expect(tooEarly.map((c) => exceptionVerdict(closure, c, '2026-12-01').applies)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    // Window ends one week before re-opening (inclusive).
    const lastDay = summer.map((c) => ({ ...c, educationAdviceSentDates: ['2026-08-27'] as IsoDate[] }));
    expect(exceptionVerdict(closure, lastDay[3]!, '2026-12-01').applies).toBe(true);
    const dayAfter = summer.map((c) => ({ ...c, educationAdviceSentDates: ['2026-08-28'] as IsoDate[] }));
    expect(exceptionVerdict(closure, dayAfter[3]!, '2026-12-01').applies).toBe(false);
  });

  it('an early years setting closure is an exception only to the 16- and 20-week limits (reg 10(4)(b), 13(3))', () => {
    const ctx = ALL.map((c) => ({ ...c, educationAdviceSentDates: ['2026-02-01'] as IsoDate[] }));
    const closure = facts('early_years_closure', '2026-02-05', '2026-03-10');
    expect(ctx.map((c) => exceptionVerdict(closure, c, asAt).applies)).toEqual([false, false, true, true]);
  });

  it('property: a kind never excuses a limit the regulations do not list it for', () => {
    const kinds = fc.constantFrom(...STATUTORY_EXCEPTION_KINDS);
    const deadlines = fc.constantFrom<ExceptedDeadline>(
      'decision_to_assess',
      'advice',
      'decision_not_to_issue',
      'final_plan',
    );
    fc.assert(
      fc.property(
        kinds,
        deadlines,
        isoDate,
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 300 }),
        (kind, deadline, start, len, from) => {
          const context: DeadlineContext = {
            deadline,
            start,
            due: addWeeks(start, 6),
            adviceRequestId: 'a',
            educationAdviceSentDates: [addDays(start, from % 40)],
          };
          const f: ExceptionFacts = {
            id: 'x',
            kind,
            from: addDays(start, from - 100),
            to: kind === 'missed_appointment' ? addDays(start, from - 100) : addDays(start, from - 100 + len),
            adviceRequestId: kind === 'missed_appointment' ? 'a' : null,
            evidence: 'evidence on file',
          };
          const verdict = exceptionVerdict(f, context, addDays(start, 1000));
          if (EXCEPTION_LIMBS[deadline][kind] === undefined) expect(verdict.applies).toBe(false);
          if (verdict.applies) expect(verdict.regulation).toBe(EXCEPTION_LIMBS[deadline][kind]);
        },
      ),
    );
  });

  it('property: facts beginning after the deadline never excuse it', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 28, max: 200 }),
        (start, after, len) => {
          const context: DeadlineContext = { deadline: 'final_plan', start, due: addWeeks(start, 20) };
          const from = addDays(context.due, after);
          for (const kind of ['absence_from_area', 'personal_circumstances'] as const) {
            const f = facts(kind, from, addDays(from, len));
            expect(exceptionVerdict(f, context, addDays(from, 1000)).applies).toBe(false);
          }
        },
      ),
    );
  });

  it('property: an absence overlapping the period excuses it exactly when it lasts at least 28 days', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.integer({ min: 0, max: 139 }),
        fc.integer({ min: 1, max: 60 }),
        (start, offset, days) => {
          const context: DeadlineContext = { deadline: 'final_plan', start, due: addWeeks(start, 20) };
          const from = addDays(start, offset);
          const f = facts('absence_from_area', from, addDays(from, days - 1));
          expect(exceptionVerdict(f, context, addDays(start, 2000)).applies).toBe(days >= 28);
        },
      ),
    );
  });

  it('validates the facts before they are recorded', () => {
    expect(exceptionFactProblems(facts('absence_from_area', '2026-03-01', null))).toEqual([]);
    expect(exceptionFactProblems(facts('absence_from_area', '2026-03-01', '2026-02-01'))).toContain(
      'to is before from',
    );
    expect(
      exceptionFactProblems({ ...facts('personal_circumstances', '2026-03-01', null), evidence: ' ' })[0],
    ).toMatch(/evidence/);
    expect(exceptionFactProblems(facts('school_closure', '2026-07-22', null))[0]).toMatch(/re-opened/);
    expect(exceptionFactProblems(facts('school_closure', '2026-07-22', '2026-08-18'))[0]).toMatch(/4 weeks/);
    expect(exceptionFactProblems(facts('school_closure', '2026-07-22', '2026-08-19'))).toEqual([]);
    expect(exceptionFactProblems(facts('missed_appointment', '2026-03-01', null))[0]).toMatch(
      /names the advice request/,
    );
    expect(
      exceptionFactProblems(facts('absence_from_area', '2026-03-01', null, { adviceRequestId: 'x' }))[0],
    ).toMatch(/only a missed appointment/);
    expect(compareDates('2026-03-01', '2026-03-01')).toBe(0);
  });
});
