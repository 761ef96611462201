import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, compareDates, daysBetween } from './calendar-date.ts';
import { evaluateMilestones } from './milestone-status.ts';
import {
  adviceDue,
  adviceMilestoneName,
  DRAFT_COMMENT_DAYS,
  needsAssessmentDeadlines,
  needsAssessmentMilestones,
} from './needs-assessment.ts';
import { isoDate } from './test-arbitraries.ts';

describe('needsAssessmentDeadlines', () => {
  it('request on a leap day (2024-02-29)', () => {
    expect(needsAssessmentDeadlines('2024-02-29')).toEqual({
      decisionToAssessDue: '2024-04-11',
      draftPlanDue: '2024-07-03',
      finalPlanDue: '2024-07-18',
    });
  });

  it('request in late December runs across the year end', () => {
    expect(needsAssessmentDeadlines('2024-12-20')).toEqual({
      decisionToAssessDue: '2025-01-31',
      draftPlanDue: '2025-04-24',
      finalPlanDue: '2025-05-09',
    });
  });

  it('2023-12-25 + 20 weeks crosses the 2024 leap day', () => {
    expect(needsAssessmentDeadlines('2023-12-25').finalPlanDue).toBe('2024-05-13');
  });

  it('2100 is not a leap year', () => {
    // 2100-01-15 + 42 days = 2100-02-26; + 140 days passes 28 February straight to 1 March.
    expect(needsAssessmentDeadlines('2100-01-15')).toMatchObject({
      decisionToAssessDue: '2100-02-26',
      finalPlanDue: '2100-06-04',
    });
  });

  it('lets an LA aim the draft earlier, but never with less than the 15-day comment window', () => {
    expect(needsAssessmentDeadlines('2024-02-29', { draftLeadDays: 28 }).draftPlanDue).toBe('2024-06-20');
    expect(() => needsAssessmentDeadlines('2024-02-29', { draftLeadDays: 14 })).toThrow(RangeError);
  });

  it('advice is due 6 weeks after it was requested', () => {
    expect(adviceDue('2024-12-20')).toBe('2025-01-31');
  });

  it('rejects an invalid request date', () => {
    expect(() => needsAssessmentDeadlines('2025-02-29')).toThrow(RangeError);
  });

  it('final plan due is always after the decision, the draft target between them, none before the request', () => {
    fc.assert(
      fc.property(isoDate, (request) => {
        const d = needsAssessmentDeadlines(request);
        expect(compareDates(d.decisionToAssessDue, request)).toBe(1);
        expect(compareDates(d.draftPlanDue, request)).toBe(1);
        expect(compareDates(d.finalPlanDue, d.decisionToAssessDue)).toBe(1);
        expect(compareDates(d.draftPlanDue, d.decisionToAssessDue)).toBe(1);
        expect(daysBetween(d.draftPlanDue, d.finalPlanDue)).toBe(DRAFT_COMMENT_DAYS);
        expect(daysBetween(request, d.decisionToAssessDue)).toBe(42);
        expect(daysBetween(request, d.finalPlanDue)).toBe(140);
        expect(compareDates(adviceDue(request), request)).toBe(1);
      }),
    );
  });
});

describe('needsAssessmentMilestones', () => {
  it('builds decision, advice, draft target and final plan milestones to evaluate', () => {
    const milestones = needsAssessmentMilestones({
      requestDate: '2024-12-20',
      decisionNotifiedDate: '2025-01-28',
      adviceRequests: [
        { kind: 'health', label: 'paediatrics', sentDate: '2025-02-03', receivedDate: '2025-03-20' },
        { kind: 'educational_psychology', sentDate: '2025-02-03', receivedDate: null },
      ],
    });
    expect(milestones.map((m) => [m.name, m.dueDate, m.completedDate, m.statutory])).toEqual([
      ['decision_to_assess', '2025-01-31', '2025-01-28', true],
      ['advice:health:paediatrics', '2025-03-17', '2025-03-20', true],
      ['advice:educational_psychology', '2025-03-17', null, true],
      ['draft_plan', '2025-04-24', null, false],
      ['final_plan', '2025-05-09', null, true],
    ]);

    const states = evaluateMilestones(milestones, '2025-04-20', {
      exceptions: [
        {
          milestone: adviceMilestoneName('health', 'paediatrics'),
          reason: 'personal_circumstances',
          note: 'Child in hospital for 3 weeks in February',
        },
      ],
    });
    expect(states.map((s) => [s.name, s.status, s.breach])).toEqual([
      ['decision_to_assess', 'met', false],
      ['advice:health:paediatrics', 'missed', false],
      ['advice:educational_psychology', 'overdue', true],
      ['draft_plan', 'due_soon', false],
      ['final_plan', 'not_due', false],
    ]);
  });

  it('rejects completion dates before their clock started', () => {
    expect(() =>
      needsAssessmentMilestones({ requestDate: '2025-01-10', finalPlanIssuedDate: '2025-01-09' }),
    ).toThrow(/finalPlanIssuedDate \(2025-01-09\) is before the request/);
    expect(() =>
      needsAssessmentMilestones({
        requestDate: '2025-01-10',
        adviceRequests: [{ kind: 'health', sentDate: '2025-02-01', receivedDate: '2025-01-31' }],
      }),
    ).toThrow(/advice:health receivedDate/);
  });

  it('every milestone is due on or after the request', () => {
    fc.assert(
      fc.property(
        isoDate,
        fc.array(fc.integer({ min: 0, max: 140 }), { maxLength: 4 }),
        (request, sentAfterDays) => {
          const milestones = needsAssessmentMilestones({
            requestDate: request,
            adviceRequests: sentAfterDays.map((n, i) => ({
              kind: 'other' as const,
              label: String(i),
              sentDate: addDays(request, n),
              receivedDate: null,
            })),
          });
          for (const m of milestones) expect(compareDates(m.dueDate, request)).toBe(1);
        },
      ),
    );
  });
});
