import type { IsoDate } from '@hub/ehc-clock';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phaseTransferItems, type Sen2Return, sen2ReferenceDate, sen2Xml, validateSen2 } from './sen2.ts';

const none = { last_meeting: null, last_amended: null };

describe('SEN2 ActivePlans phase transfer items (reg 18(1); spec v1.3 PhaseTransferDueDate / PhaseTransferFinalDate)', () => {
  it('hand-worked cases', () => {
    // Born 10 March 2015: Reception from September 2019, Year 7 from 1 September 2026; the plan
    // must be amended by 15 February 2026 (reg 18(1)(b)). Census 15 January 2026: due.
    const ref2026 = sen2ReferenceDate(2026);
    expect(phaseTransferItems('2015-03-10', none, ref2026)).toEqual({
      phaseTransferDueDate: '2026-02-15',
      phaseTransferFinalDate: null,
    });
    // Reviewed on 1 October 2025, amended plan issued 10 January 2026: the final plan date.
    expect(
      phaseTransferItems('2015-03-10', { last_meeting: '2025-10-01', last_amended: '2026-01-10' }, ref2026),
    ).toEqual({ phaseTransferDueDate: '2026-02-15', phaseTransferFinalDate: '2026-01-10' });
    // A review before the 12 months leading to the transfer does not count.
    expect(
      phaseTransferItems('2015-03-10', { last_meeting: '2025-06-01', last_amended: '2025-07-01' }, ref2026),
    ).toEqual({ phaseTransferDueDate: '2026-02-15', phaseTransferFinalDate: null });
    // Born 5 October 2010: Year 12 from 1 September 2027, so 31 March 2027 (reg 18(1)(a)).
    expect(phaseTransferItems('2010-10-05', none, sen2ReferenceDate(2027)).phaseTransferDueDate).toBe(
      '2027-03-31',
    );
    // Born 10 March 2012: Year 7 was September 2023, Year 12 is September 2028: none due in 2026.
    expect(phaseTransferItems('2012-03-10', none, ref2026).phaseTransferDueDate).toBeNull();
  });

  it('property: due exactly when a 1 September transfer into Reception, Year 7 or Year 12 falls in the 12 months after the census', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2024, max: 2032 }),
        fc.date({
          min: new Date('2005-01-01T00:00:00Z'),
          max: new Date('2028-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        (year, dob) => {
          const ref = sen2ReferenceDate(year);
          const birth = dob.toISOString().slice(0, 10);
          const { phaseTransferDueDate } = phaseTransferItems(birth, none, ref);
          // Independent oracle: the school year the child turns 5 in starts Reception (cohort by 1 September).
          const [y, m] = birth.split('-').map(Number) as [number, number];
          const reception = (m >= 9 ? y : y - 1) + 5;
          // The census is in January, so the transfer within 12 months is the coming September.
          const dueKinds = [
            [reception, '02-15'],
            [reception + 7, '02-15'],
            [reception + 12, '03-31'],
          ].filter(([start]) => start === year);
          const expected = dueKinds.length ? `${year}-${dueKinds[0]![1]}` : null;
          expect(phaseTransferDueDate).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('validation rule 5030 and the XML carry the new items', () => {
    const ret: Sen2Return = {
      header: {
        collection: 'SEN2',
        year: 2026,
        referenceDate: '2026-01-15' as IsoDate,
        sourceLevel: 'L',
        lea: '999',
        softwareCode: 'T',
        release: '1',
        serialNo: '001',
        dateTime: '2026-01-20T09:00:00',
      },
      persons: [
        {
          childId: 'c1',
          surname: 'Testchild-001',
          forename: 'Alfa',
          personBirthDate: '2015-03-10',
          sex: 'U',
          ethnicity: 'NOBT',
          postCode: null,
          upn: null,
          uniqueLearnerNumber: null,
          upnUnknown: 'UN2',
          requests: [
            {
              sourceId: 'a1',
              receivedDate: '2023-01-10',
              rya: '0',
              requestOutcomeDate: '2023-02-10',
              requestOutcome: 'A',
              requestMediation: '0',
              requestTribunal: '0',
              exported: '0',
              assessment: {
                assessmentOutcome: 'Y',
                assessmentOutcomeDate: '2023-05-20',
                assessmentMediation: '0',
                assessmentTribunal: '0',
                otherMediation: '0',
                otherTribunal: '0',
                week20: '0',
                namedPlan: { startDate: '2023-05-20', ceaseDate: null },
              },
              activePlan: {
                reviewMeeting: '2025-10-01',
                reviewDraft: '2025-10-20',
                phaseTransferDueDate: '2026-02-15',
                phaseTransferFinalDate: '2026-01-10',
                lastReview: '2025-10-20',
              },
            },
          ],
        },
      ],
    };
    expect(validateSen2(ret)).toEqual([]);
    const xml = sen2Xml(ret);
    for (const tag of ['ReviewDraft', 'PhaseTransferDueDate', 'PhaseTransferFinalDate', 'LastReview'])
      expect(xml).toContain(`<${tag}>`);
    const plan = ret.persons[0]!.requests[0]!.activePlan!;
    plan.lastReview = '2025-09-01'; // before the meeting
    plan.phaseTransferFinalDate = '2026-02-01'; // after the census
    expect(validateSen2(ret).map((i) => [i.rule, i.field])).toEqual([
      ['5030', 'ActivePlans.LastReview'],
      ['5030', 'ActivePlans.PhaseTransferFinalDate'],
    ]);
  });
});
