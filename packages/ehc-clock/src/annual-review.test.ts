import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { annualReviewMilestones, nextReviewDue, reviewDecisionDue } from './annual-review.ts';
import { addDays, daysBetween } from './calendar-date.ts';
import { evaluateMilestones } from './milestone-status.ts';
import { isoDate } from './test-arbitraries.ts';

describe('nextReviewDue', () => {
  it('first review: within 12 months starting with the date the plan was made', () => {
    expect(nextReviewDue('2024-09-16')).toBe('2025-09-15');
    expect(nextReviewDue('2024-02-29')).toBe('2025-02-28');
  });

  it('later reviews: within 12 months starting with the last review meeting', () => {
    expect(nextReviewDue('2022-05-10', '2024-06-03')).toBe('2025-06-02');
    expect(() => nextReviewDue('2024-05-10', '2024-05-09')).toThrow(RangeError);
  });

  it('is always 364 or 365 days after the start of the cycle', () => {
    fc.assert(
      fc.property(isoDate, fc.option(fc.integer({ min: 0, max: 2000 })), (issued, lastOffset) => {
        const last = lastOffset === null ? null : addDays(issued, lastOffset);
        expect([364, 365]).toContain(daysBetween(last ?? issued, nextReviewDue(issued, last)));
      }),
    );
  });
});

describe('reviewDecisionDue', () => {
  it('is 4 weeks after the review meeting', () => {
    expect(reviewDecisionDue('2024-12-16')).toBe('2025-01-13');
    expect(reviewDecisionDue('2024-02-08')).toBe('2024-03-07');
  });
});

describe('annualReviewMilestones', () => {
  it('has only the review until a meeting is held', () => {
    expect(annualReviewMilestones({ planIssuedDate: '2024-09-16' })).toEqual([
      { name: 'annual_review', dueDate: '2025-09-15', completedDate: null, statutory: true },
    ]);
  });

  it('adds the decision once the meeting has a date', () => {
    const milestones = annualReviewMilestones({
      planIssuedDate: '2023-10-02',
      lastReviewDate: '2024-09-30',
      reviewMeetingDate: '2025-09-22',
      decisionNotifiedDate: null,
    });
    const states = evaluateMilestones(milestones, '2025-10-25');
    expect(states.map((s) => [s.name, s.dueDate, s.status, s.daysLate])).toEqual([
      ['annual_review', '2025-09-29', 'met', null],
      ['annual_review_decision', '2025-10-20', 'overdue', 5],
    ]);
  });

  it('rejects dates out of order', () => {
    expect(() =>
      annualReviewMilestones({ planIssuedDate: '2024-09-16', decisionNotifiedDate: '2025-01-01' }),
    ).toThrow(/no reviewMeetingDate/);
    expect(() =>
      annualReviewMilestones({
        planIssuedDate: '2024-09-16',
        reviewMeetingDate: '2025-09-01',
        decisionNotifiedDate: '2025-08-31',
      }),
    ).toThrow(/before reviewMeetingDate/);
    expect(() =>
      annualReviewMilestones({ planIssuedDate: '2024-09-16', reviewMeetingDate: '2024-09-15' }),
    ).toThrow(/before the start of this review cycle/);
  });
});
