import {
  type DeadlineContext,
  exceptionVerdict,
  type IsoDate,
  phaseTransfers,
  preparationForAdulthoodDue,
} from '@hub/ehc-clock';
import {
  type ChildAccessFacts,
  decisionHandoverDate,
  decisionMakers,
  handoverNotice,
  isOverCompulsorySchoolAge,
} from '@hub/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from './dataset.ts';
import { fromDay, toDay, todayInEngland } from './dates.ts';
import { buildSendWorkflow, type SyntheticSendWorkflow } from './send-workflow.ts';
import type { SyntheticChild, SyntheticDataset } from './types.ts';

/** The access facts the record service would load for a seeded child (no consents needed here). */
export function factsOf(child: SyntheticChild, workflow: SyntheticSendWorkflow): ChildAccessFacts {
  return {
    childId: child.id,
    dateOfBirth: child.dateOfBirth,
    relationships: [{ orgId: child.councilId, kind: 'la_responsible', active: true }],
    parentCarerSubs: child.parentCarerSubs,
    youngPersonSub: child.youngPersonSub,
    parentAccessConfirmedByYoungPerson: false,
    consents: [],
    breakGlass: [],
    capacityRepresentatives: workflow.capacityRepresentatives
      .filter((r) => r.childId === child.id)
      .map((r) => ({
        id: r.id,
        sub: r.representativeSub,
        basis: r.basis,
        recordedAt: r.recordedAt,
        reviewBy: r.reviewBy,
        endedAt: null,
      })),
  };
}

/** Which states of issue 13 the data set shows on its reference date, judged by the hub's own rules. */
function statesOn(dataset: SyntheticDataset): Set<string> {
  const ref = dataset.referenceDate as IsoDate;
  const noon = new Date(`${ref}T12:00:00Z`);
  const w = buildSendWorkflow(dataset);
  const states = new Set<string>();
  const byId = new Map(w.assessments.map((a) => [a.id, a]));
  const child = new Map(dataset.children.map((c) => [c.id, c]));

  for (const e of w.exceptions) {
    const a = byId.get(e.assessmentId)!;
    const facts = { ...e, from: e.fromDate as IsoDate, to: e.toDate as IsoDate | null };
    const education = a.adviceRequests
      .filter((r) => r.agency === 'education')
      .map((r) => r.sentDate as IsoDate);
    const contexts: DeadlineContext[] = [
      {
        deadline: 'final_plan',
        start: a.requestDate as IsoDate,
        due: fromDay(toDay(a.requestDate) + 140) as IsoDate,
        educationAdviceSentDates: education,
      },
      ...a.adviceRequests.map(
        (r): DeadlineContext => ({
          deadline: 'advice',
          start: r.sentDate as IsoDate,
          due: fromDay(toDay(r.sentDate) + 42) as IsoDate,
          adviceRequestId: r.id,
        }),
      ),
    ];
    if (contexts.some((c) => exceptionVerdict(facts, c, ref).applies)) states.add(`exception:${e.kind}`);
  }
  if (w.assessments.some((a) => a.decision === 'not_assess')) states.add('refusal to assess');
  if (w.assessments.some((a) => a.planDecision === 'not_issue')) states.add('decision not to issue');
  if (w.assessments.some((a) => a.planCeasedDate && a.planCeasedDate <= ref)) states.add('plan ceased');
  if (w.assessments.some((a) => a.decision === 'assess' && !a.finalPlanIssuedDate && !a.planDecision))
    states.add('assessment in progress');
  for (const p of w.appeals) {
    states.add(`${p.route}${p.outcome === null ? ' open' : ' decided'}`);
    if (p.route === 'tribunal' && p.outcome && p.firstStepDate) states.add('tribunal order complied with');
  }
  for (const r of w.annualReviews) {
    if (r.outcome) states.add(`review outcome ${r.outcome}`);
    if (r.amendedPlanIssuedDate) states.add('amended plan issued');
    if (preparationForAdulthoodDue(child.get(r.childId)!.dateOfBirth as IsoDate, r.meetingDate as IsoDate))
      states.add('review from Year 9 (preparation for adulthood)');
  }
  const planned = new Set(
    w.assessments.filter((a) => a.finalPlanIssuedDate && !a.planCeasedDate).map((a) => a.childId),
  );
  for (const c of dataset.children) {
    if (!planned.has(c.id)) continue;
    // As ehcPhaseTransfersDue lists them: the next transfer (1 September) within 12 months.
    const next = phaseTransfers(c.dateOfBirth as IsoDate).find((t) => t.transferDate > ref);
    const sameDayNextYear = `${Number(ref.slice(0, 4)) + 1}${ref.slice(4)}`;
    if (next && next.transferDate <= sameDayNextYear) states.add('phase transfer due');
  }
  for (const c of dataset.children) {
    const facts = factsOf(c, w);
    const { stage } = decisionMakers(facts, noon);
    if (stage === 'representative') states.add('young person lacking capacity, representative decides');
    if (stage === 'young_person') states.add('young person decides');
    if (stage === 'child') states.add('parent carer decides');
    if (handoverNotice(facts, noon).parentCarerNotice !== null) states.add('handover notice due');
  }
  for (const u of w.adviceReuses) {
    // Reg 6(4): the family's agreement is given by whoever decides for the child that day.
    const c = child.get(u.childId)!;
    const stage = decisionMakers(factsOf(c, w), new Date(`${u.familyAgreedDate}T12:00:00Z`)).stage;
    const expected = stage === 'child' ? 'parent_carer' : stage;
    if (u.familyAgreedBy === expected && u.familyAgreedDate <= ref && u.providerAgreedDate <= ref)
      states.add('advice reused with agreement (reg 6(4))');
    else states.add(`advice reuse agreed by the wrong person: ${u.id}`);
  }
  for (const council of dataset.councils) {
    if (w.assessments.some((a) => child.get(a.childId)?.councilId === council.id))
      states.add(`council ${council.id} has EHC work`);
  }
  return states;
}

const ALWAYS = [
  'exception:school_closure',
  'exception:early_years_closure',
  'exception:personal_circumstances',
  'exception:absence_from_area',
  'exception:missed_appointment',
  'refusal to assess',
  'decision not to issue',
  'plan ceased',
  'assessment in progress',
  'mediation open',
  'mediation decided',
  'tribunal open',
  'tribunal decided',
  'tribunal order complied with',
  'review outcome no_change',
  'review outcome amend',
  'review outcome cease',
  'amended plan issued',
  'review from Year 9 (preparation for adulthood)',
  'phase transfer due',
  'young person lacking capacity, representative decides',
  'young person decides',
  'parent carer decides',
  'advice reused with agreement (reg 6(4))',
  'council la-1 has EHC work',
  'council la-2 has EHC work',
];

/** Is `date` within 3 months either side of this year's handover day (when the notices show)? */
function inNoticeWindow(date: string): boolean {
  const year = Number(date.slice(0, 4));
  // Anyone born in year-16 (January–August) hands over this June.
  const handover = decisionHandoverDate(`${year - 16}-01-15`);
  const [y, m, d] = handover.split('-').map(Number) as [number, number, number];
  const from = new Date(Date.UTC(y, m - 1 - 3, d)).toISOString().slice(0, 10);
  const until = new Date(Date.UTC(y, m - 1 + 3, d)).toISOString().slice(0, 10);
  return date >= from && date < until;
}

const today = toDay(todayInEngland());

describe('the default data set exercises every state of issue 13 on any reference date', () => {
  it('from today to two years ahead (and the pinned test date)', () => {
    fc.assert(
      fc.property(fc.integer({ min: today, max: today + 731 }), (day) => {
        const referenceDate = fromDay(day);
        const states = statesOn(buildSyntheticDataset({ referenceDate }));
        const missing = ALWAYS.filter((s) => !states.has(s));
        expect(missing, referenceDate).toEqual([]);
        expect(
          [...states].filter((x) => x.startsWith('advice reuse agreed by the wrong')),
          referenceDate,
        ).toEqual([]);
        // Handover notices exist only around the end of June (the law puts every handover there).
        expect(states.has('handover notice due'), referenceDate).toBe(inNoticeWindow(referenceDate));
      }),
      { numRuns: Number(process.env.EVERY_STATE_RUNS ?? 25), examples: [[toDay(TEST_REFERENCE_DATE)]] },
    );
  });

  it('a hand-worked date in the notice window: the family and the young person are told', () => {
    // 1 May 2027: a child born 23 September 2010 hands over on Saturday 26 June 2027.
    const dataset = buildSyntheticDataset({ referenceDate: '2027-05-01' });
    const w = buildSendWorkflow(dataset);
    const noon = new Date('2027-05-01T12:00:00Z');
    const told = dataset.children.filter(
      (c) => handoverNotice(factsOf(c, w), noon).youngPersonNotice !== null,
    );
    expect(told.length).toBeGreaterThan(0);
    for (const c of told) {
      expect(decisionHandoverDate(c.dateOfBirth)).toBe('2027-06-26');
      expect(isOverCompulsorySchoolAge(c.dateOfBirth, noon)).toBe(false);
      expect(c.youngPersonSub).not.toBeNull();
    }
  });

  it('is deterministic for a reference date and moves with it', () => {
    const a = buildSyntheticDataset({ referenceDate: '2027-03-10' });
    expect(buildSyntheticDataset({ referenceDate: '2027-03-10' })).toEqual(a);
    expect(buildSendWorkflow(a)).toEqual(
      buildSendWorkflow(buildSyntheticDataset({ referenceDate: '2027-03-10' })),
    );
    const b = buildSyntheticDataset({ referenceDate: '2028-03-10' });
    expect(b.children.map((c) => c.id)).toEqual(a.children.map((c) => c.id));
    expect(b.demoUsers).toEqual(a.demoUsers);
    // Ages are the same on their own reference dates: everyone is a year older in dates.
    expect(b.children[0]!.dateOfBirth.slice(0, 4)).toBe(
      String(Number(a.children[0]!.dateOfBirth.slice(0, 4)) + 1),
    );
    expect(() => buildSyntheticDataset({ referenceDate: '2027-02-30' })).toThrow(RangeError);
  });

  it('defaults to today in England (Europe/London), not UTC', () => {
    expect(buildSyntheticDataset({ children: 3 }).referenceDate).toBe(todayInEngland());
    // 23:30 UTC on a summer evening is already tomorrow in England; in winter it is not.
    expect(todayInEngland(new Date('2027-06-25T23:30:00Z'))).toBe('2027-06-26');
    expect(todayInEngland(new Date('2027-01-25T23:30:00Z'))).toBe('2027-01-25');
  });
});
