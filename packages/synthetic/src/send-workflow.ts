import { decisionHandoverDate, isOverCompulsorySchoolAge } from '@hub/policy/age';
import { fromDay, toDay } from './dates.ts';
import { chance, intBetween, mixSeed, mulberry32, pick, type Rng } from './prng.ts';
import type { SyntheticChild, SyntheticDataset } from './types.ts';

/**
 * The synthetic EHC workflow: needs assessment requests with their advice requests and plan
 * dates, annual reviews, "support while waiting" on health pathways, and what families told us
 * once. Derived deterministically from a data set (each child's own random stream, keyed by the
 * child's number), so it never changes the data set itself: existing types and ids stay put.
 * All dates are on or before the data set's reference date.
 */
export type AdviceAgency = 'health' | 'social_care' | 'educational_psychology' | 'education';

export interface SyntheticAdviceRequest {
  id: string;
  agency: AdviceAgency;
  sentDate: string;
  receivedDate: string | null;
}

export interface SyntheticEhcAssessment {
  id: string;
  childId: string;
  requestDate: string;
  decision: 'assess' | 'not_assess' | null;
  decisionDate: string | null;
  draftPlanSentDate: string | null;
  finalPlanIssuedDate: string | null;
  adviceRequests: SyntheticAdviceRequest[];
  /** Reg 10: the LA decided not to issue a plan (ends the assessment). Absent: no such decision. */
  planDecision?: 'issue' | 'not_issue' | null;
  planDecisionDate?: string | null;
  /** CFA 2014 s.45, reg 31: the plan ceased on this date (absent: it has not). */
  planCeasedDate?: string | null;
  planCeaseReason?: string | null;
}

/** An exception to the time limits (SEND Regulations 2014 regs 5(4), 8(2), 10(4), 13(3)). */
export interface SyntheticEhcException {
  id: string;
  assessmentId: string;
  childId: string;
  kind:
    | 'school_closure'
    | 'early_years_closure'
    | 'personal_circumstances'
    | 'absence_from_area'
    | 'missed_appointment';
  fromDate: string;
  toDate: string | null;
  /** missed_appointment only: the advice request whose body made the appointment (reg 8(2)(c)). */
  adviceRequestId?: string | null;
  evidence: string;
}

/** Mediation after a refusal (regs 32-42), or a tribunal appeal (CFA 2014 s.51). */
export interface SyntheticEhcAppeal {
  id: string;
  assessmentId: string;
  childId: string;
  route: 'mediation' | 'tribunal';
  subject: 'refusal_to_assess' | 'refusal_to_issue' | 'plan_contents';
  lodgedDate: string;
  outcome: string | null;
  outcomeDate: string | null;
  /** A tribunal order's steps (reg 44(2)): first and final step taken. */
  firstStepDate?: string | null;
  finalStepDate?: string | null;
}

/**
 * The council's record that someone acts for a young person who lacks capacity (Mental Capacity
 * Act 2005; CFA 2014 s.80), from the handover at the earliest, with a review date.
 */
export interface SyntheticCapacityRepresentative {
  id: string;
  childId: string;
  representativeSub: string;
  representativeKind: 'parent_carer' | 'other_person';
  basis: 'deputy' | 'parent_acting';
  reason: string;
  /** ISO timestamp. */
  recordedAt: string;
  /** YYYY-MM-DD: it stops counting after this day unless reviewed. */
  reviewBy: string;
}

export interface SyntheticAnnualReview {
  id: string;
  childId: string;
  assessmentId: string;
  meetingDate: string;
  decisionDate: string | null;
  /** Regs 20-22: report, the LA's decision outcome, proposed amendments and the amended plan. */
  reportSentDate?: string | null;
  outcome?: 'no_change' | 'amend' | 'cease' | null;
  amendmentProposedDate?: string | null;
  amendedPlanIssuedDate?: string | null;
}

export interface SyntheticSupportWhileWaiting {
  id: string;
  childId: string;
  pathwayWaitId: string;
  description: string;
  offeredBy: string;
  offeredOn: string;
}

export interface SyntheticFamilyInformation {
  childId: string;
  editedBySub: string;
  editedByRole: 'parent_carer' | 'young_person';
  editedAt: string;
  aboutMe: { whatMattersToMe: string; whatHelps: string; communicationNeeds: string };
  contactPreferences: {
    preferredMethod: 'email' | 'phone' | 'letter' | 'text';
    bestTimeToContact: string;
    language: string;
    interpreterNeeded: boolean;
  };
  reportedDiagnoses: Array<{ id: string; description: string; date: string | null }>;
  previousAssessments: Array<{ id: string; description: string; date: string | null }>;
  schoolsAttended: Array<{ id: string; description: string; date: string | null }>;
}

export interface SyntheticSendWorkflow {
  assessments: SyntheticEhcAssessment[];
  annualReviews: SyntheticAnnualReview[];
  supportWhileWaiting: SyntheticSupportWhileWaiting[];
  familyInformation: SyntheticFamilyInformation[];
  exceptions: SyntheticEhcException[];
  appeals: SyntheticEhcAppeal[];
  capacityRepresentatives: SyntheticCapacityRepresentative[];
  adviceReuses: SyntheticAdviceReuse[];
}

/**
 * Existing advice reused instead of asked for again (SEND Regulations 2014 reg 6(4)): the person
 * who gave it, the council and whoever decides for the family agreed it is sufficient.
 */
export interface SyntheticAdviceReuse {
  id: string;
  assessmentId: string;
  childId: string;
  agency: AdviceAgency;
  existingAdvice: string;
  existingAdviceDate: string;
  providerAgreedDate: string;
  familyAgreedDate: string;
  familyAgreedBy: 'parent_carer' | 'young_person' | 'representative';
}

const KIND = {
  assessment: 'f0000001',
  advice: 'f0000002',
  review: 'f0000003',
  exception: 'f0000006',
  appeal: 'f0000007',
  representative: 'f0000008',
  reuse: 'f0000009',
  support: 'd0000004',
  familyItem: 'f0000004',
} as const;

const id = (kind: keyof typeof KIND, child: number, item = 0) =>
  `${KIND[kind]}-0000-4000-8000-${String(child).padStart(8, '0')}${String(item).padStart(4, '0')}`;

const SUPPORT = [
  ['Parent workshop on understanding behaviour (synthetic)', 'Synthetic Community Health Trust 1'],
  ['Sleep advice clinic (synthetic)', 'Synthetic Community Health Trust 1'],
  ['Speech and language drop-in for parents (synthetic)', 'Synthetic Community Health Trust 1'],
  [
    'Visual supports pack and school consultation (synthetic)',
    'Synthetic Local Authority 1 Inclusion Service',
  ],
  ['Peer support group for parent carers (synthetic)', 'Synthetic Parent Carer Forum'],
] as const;

const MATTERS = [
  'Synthetic: seeing my friends at lunchtime.',
  'Synthetic: my dog and drawing.',
  'Synthetic: football on Saturdays.',
];
const HELPS = [
  'Synthetic: warning before changes.',
  'Synthetic: a quiet place to calm down.',
  'Synthetic: pictures as well as words.',
];
const COMMS = [
  'Synthetic: short sentences, time to answer.',
  'Synthetic: uses some Makaton signs.',
  'Synthetic: prefers writing to talking.',
];

const childNumber = (c: SyntheticChild) => Number(c.id.slice(-12, -4));

export function buildSendWorkflow(dataset: SyntheticDataset): SyntheticSendWorkflow {
  const ref = toDay(dataset.referenceDate);
  const out: SyntheticSendWorkflow = {
    assessments: [],
    annualReviews: [],
    supportWhileWaiting: [],
    familyInformation: [],
    exceptions: [],
    appeals: [],
    capacityRepresentatives: [],
    adviceReuses: [],
  };
  for (const child of dataset.children) {
    const n = childNumber(child);
    const rng = mulberry32(mixSeed(0x5e4d, n));
    const earliest = toDay(child.dateOfBirth) + 2 * 365;
    const status = child.education.senStatus;
    if (status === 'EHC_PLAN') planned(out, rng, child, n, ref, earliest);
    else if (status === 'SEN_SUPPORT' && chance(rng, 0.3)) inProgress(out, rng, child, n, ref, earliest);
    for (const [i, wait] of (child.health?.pathwayWaits ?? []).entries()) {
      if (!chance(rng, 0.5)) continue;
      const offered = Math.min(ref, toDay(wait.referralDate) + intBetween(rng, 7, 120));
      const [description, offeredBy] = pick(rng, SUPPORT);
      out.supportWhileWaiting.push({
        id: id('support', n, i + 1),
        childId: child.id,
        pathwayWaitId: wait.id,
        description,
        offeredBy,
        offeredOn: fromDay(offered),
      });
    }
    if (chance(rng, 0.35)) family(out, rng, child, n, ref);
  }
  lifecycle(out, ref);
  everyState(out, dataset, ref);
  representatives(out, dataset, ref);
  reuses(out, dataset, ref);
  return out;
}

/**
 * About one assessment in four reuses an educational psychology report written for another
 * purpose (reg 6(4)) instead of asking the educational psychologist again: that advice request
 * is replaced by the record of the reuse, agreed a few days after the decision to assess by the
 * psychologist and by whoever decides for the family that day. At least one, on any date.
 */
function reuses(out: SyntheticSendWorkflow, dataset: SyntheticDataset, ref: number): void {
  const child = new Map(dataset.children.map((c) => [c.id, c]));
  const eligible = out.assessments.filter(
    (a) =>
      a.decision === 'assess' &&
      a.decisionDate !== null &&
      toDay(a.decisionDate) + 5 <= ref &&
      a.adviceRequests.some((r) => r.agency === 'educational_psychology'),
  );
  const chosen = eligible.filter((a) =>
    chance(mulberry32(mixSeed(0x6e04, Number(a.childId.slice(-12, -4)))), 0.25),
  );
  if (chosen.length === 0 && eligible[0]) chosen.push(eligible[0]);
  for (const a of chosen) {
    const n = Number(a.childId.slice(-12, -4));
    const rng = mulberry32(mixSeed(0x6e05, n));
    const c = child.get(a.childId)!;
    const familyDay = toDay(a.decisionDate!) + 3;
    const familyDate = fromDay(familyDay);
    const noon = new Date(`${familyDate}T12:00:00Z`);
    const represented = out.capacityRepresentatives.some(
      (r) => r.childId === c.id && r.recordedAt <= `${familyDate}T12:00:00.000Z` && r.reviewBy >= familyDate,
    );
    a.adviceRequests = a.adviceRequests.filter((r) => r.agency !== 'educational_psychology');
    out.adviceReuses.push({
      id: id('reuse', n, 1),
      assessmentId: a.id,
      childId: a.childId,
      agency: 'educational_psychology',
      existingAdvice:
        'Synthetic: educational psychology report written for the previous school, reused with agreement.',
      existingAdviceDate: fromDay(toDay(a.requestDate) - intBetween(rng, 60, 300)),
      providerAgreedDate: fromDay(familyDay + 2),
      familyAgreedDate: familyDate,
      familyAgreedBy: !isOverCompulsorySchoolAge(c.dateOfBirth, noon)
        ? 'parent_carer'
        : represented
          ? 'representative'
          : 'young_person',
    });
  }
}

const CLOSURE_DAYS = 35;

/**
 * Makes sure the data exercises every state of the EHC lifecycle on any reference date (the
 * random part above leaves some out, or has them only on some dates): one of each exception kind
 * (a closure needs the school or setting to have been asked for advice in its window, a missed
 * appointment names the advice it excuses), a tribunal order with its compliance steps, and a
 * plan ceased after an annual review. Each is added only when missing, to the first suitable
 * assessment in child order, so the data stays deterministic for a reference date.
 */
function everyState(out: SyntheticSendWorkflow, dataset: SyntheticDataset, ref: number): void {
  const withException = new Set(out.exceptions.map((e) => e.assessmentId));
  const kinds = new Set(out.exceptions.map((e) => e.kind));
  const num = (a: { childId: string }) => Number(a.childId.slice(-12, -4));
  // Open assessments first (an exception matters most on a running clock), newest first.
  const candidates = out.assessments
    .filter((a) => a.decision === 'assess' && a.planDecision !== 'not_issue')
    .sort(
      (a, b) =>
        Number(a.finalPlanIssuedDate !== null) - Number(b.finalPlanIssuedDate !== null) ||
        b.requestDate.localeCompare(a.requestDate) ||
        a.id.localeCompare(b.id),
    );
  const take = (ok: (a: SyntheticEhcAssessment) => SyntheticAdviceRequest | undefined) => {
    for (const a of candidates) {
      if (withException.has(a.id)) continue;
      const advice = ok(a);
      if (advice) {
        withException.add(a.id);
        return { a, advice };
      }
    }
    return null;
  };
  const closure = (kind: 'school_closure' | 'early_years_closure', item: number, evidence: string) => {
    if (kinds.has(kind)) return;
    // Advice asked of the school or setting two days before it closed for 5 weeks: inside the
    // window of regs 5(4)(a), 10(4)(a)/(b) (a week before closing to a week before re-opening).
    const found = take((a) =>
      a.adviceRequests.find((r) => r.agency === 'education' && toDay(r.sentDate) + 2 + CLOSURE_DAYS <= ref),
    );
    if (!found) return;
    const from = toDay(found.advice.sentDate) + 2;
    out.exceptions.push({
      id: id('exception', num(found.a), item),
      assessmentId: found.a.id,
      childId: found.a.childId,
      kind,
      fromDate: fromDay(from),
      toDate: fromDay(from + CLOSURE_DAYS),
      adviceRequestId: null,
      evidence,
    });
    kinds.add(kind);
  };
  closure(
    'school_closure',
    2,
    'Synthetic: school closed for the summer holiday; advice requested from the head teacher two days before.',
  );
  closure(
    'early_years_closure',
    3,
    'Synthetic: nursery closed for five weeks for building works; advice requested just before it closed.',
  );
  if (!kinds.has('missed_appointment')) {
    const found = take((a) =>
      a.adviceRequests.find((r) => r.agency === 'health' && toDay(r.sentDate) + 10 <= ref),
    );
    if (found) {
      const day = fromDay(toDay(found.advice.sentDate) + 10);
      out.exceptions.push({
        id: id('exception', num(found.a), 4),
        assessmentId: found.a.id,
        childId: found.a.childId,
        kind: 'missed_appointment',
        fromDate: day,
        toDate: day,
        adviceRequestId: found.advice.id,
        evidence: 'Synthetic: the child did not attend the paediatric appointment; clinic letter on file.',
      });
      kinds.add('missed_appointment');
    }
  }
  for (const kind of ['personal_circumstances', 'absence_from_area'] as const) {
    if (kinds.has(kind)) continue;
    const found = take((a) => (toDay(a.requestDate) + 30 + 28 <= ref ? a.adviceRequests[0] : undefined));
    if (!found) continue;
    const from = toDay(found.a.requestDate) + 30;
    out.exceptions.push({
      id: id('exception', num(found.a), kind === 'absence_from_area' ? 6 : 5),
      assessmentId: found.a.id,
      childId: found.a.childId,
      kind,
      fromDate: fromDay(from),
      toDate: fromDay(from + 28),
      adviceRequestId: null,
      evidence:
        kind === 'absence_from_area'
          ? 'Synthetic: family abroad caring for a relative; letter from parent on file.'
          : 'Synthetic: bereavement in the family; note from the family support worker on file.',
    });
    kinds.add(kind);
  }

  const plans = out.assessments
    .filter((a) => a.finalPlanIssuedDate !== null && !a.planCeasedDate)
    .sort((a, b) => (a.finalPlanIssuedDate as string).localeCompare(b.finalPlanIssuedDate as string));
  // A tribunal appeal against the contents of a plan, ordered amended (reg 44(2): within 5 weeks).
  const ordered = out.appeals.some((p) => p.route === 'tribunal' && p.outcome !== null);
  const appealed = new Set(out.appeals.map((p) => p.assessmentId));
  const forAppeal = plans.find(
    (a) => !appealed.has(a.id) && toDay(a.finalPlanIssuedDate as string) + 200 <= ref,
  );
  if (!ordered && forAppeal) {
    const lodged = toDay(forAppeal.finalPlanIssuedDate as string) + 45;
    const order = lodged + 120;
    out.appeals.push({
      id: id('appeal', num(forAppeal), 3),
      assessmentId: forAppeal.id,
      childId: forAppeal.childId,
      route: 'tribunal',
      subject: 'plan_contents',
      lodgedDate: fromDay(lodged),
      outcome: 'amend_plan',
      outcomeDate: fromDay(order),
      firstStepDate: order + 30 <= ref ? fromDay(order + 30) : null,
      finalStepDate: null,
    });
  }
  // A plan ceased after an annual review decided to cease it (CFA 2014 s.45; reg 31): the oldest
  // young person with a reviewed plan (their plan no longer needed, e.g. in work).
  if (!out.assessments.some((a) => a.planCeasedDate)) {
    const dob = new Map(dataset.children.map((c) => [c.id, c.dateOfBirth]));
    const byAge = plans
      .filter((a) => a.id !== forAppeal?.id)
      .sort((a, b) => (dob.get(a.childId) ?? '').localeCompare(dob.get(b.childId) ?? ''));
    for (const a of byAge) {
      const last = out.annualReviews.filter((r) => r.assessmentId === a.id && r.decisionDate !== null).at(-1);
      if (!last?.decisionDate || toDay(last.decisionDate) + 28 > ref) continue;
      const later = out.annualReviews.some(
        (r) => r.assessmentId === a.id && r.meetingDate > last.meetingDate,
      );
      if (later) continue;
      last.outcome = 'cease';
      last.amendmentProposedDate = null;
      last.amendedPlanIssuedDate = null;
      a.planCeasedDate = fromDay(toDay(last.decisionDate) + 28);
      a.planCeaseReason =
        'Synthetic: the young person has started an apprenticeship and no longer needs the plan.';
      break;
    }
  }
}

/**
 * The council's record of who acts for each young person who lacks capacity (see the data set's
 * capacityRepresentative): recorded from the handover (or up to ten months back), reviewed within
 * 2 to 18 months of the reference date, so within the next two years some lapse and the young
 * person's own login decides, as the policy says.
 */
function representatives(out: SyntheticSendWorkflow, dataset: SyntheticDataset, ref: number): void {
  const refIso = fromDay(ref);
  for (const child of dataset.children) {
    const rep = child.capacityRepresentative;
    if (!rep || !isOverCompulsorySchoolAge(child.dateOfBirth, new Date(`${refIso}T12:00:00Z`))) continue;
    const n = childNumber(child);
    const rng = mulberry32(mixSeed(0xca9a, n));
    const recorded = Math.max(toDay(decisionHandoverDate(child.dateOfBirth)), ref - 300);
    out.capacityRepresentatives.push({
      id: id('representative', n, 1),
      childId: child.id,
      representativeSub: rep.sub,
      representativeKind: rep.basis === 'deputy' ? 'other_person' : 'parent_carer',
      basis: rep.basis,
      reason:
        rep.basis === 'deputy'
          ? 'Synthetic: Court of Protection deputyship order for property and affairs and personal welfare on file.'
          : 'Synthetic: capacity assessment (Mental Capacity Act 2005) found the young person cannot make these decisions; parent acts for them.',
      recordedAt: `${fromDay(Math.min(recorded, ref))}T10:00:00.000Z`,
      reviewBy: fromDay(ref + intBetween(rng, 60, 540)),
    });
  }
}

/**
 * The rest of the EHC lifecycle on top of the assessments and reviews above, from a random stream
 * of its own per child (so the values above never change): decisions not to issue a plan (some
 * after the 16 weeks of reg 10(1)), exceptions with evidence, mediation after refusals, and the
 * steps after review meetings (regs 20-22). Everything on or before the reference date.
 */
function lifecycle(out: SyntheticSendWorkflow, ref: number): void {
  for (const a of out.assessments) {
    const n = Number(a.childId.slice(-12, -4));
    const rng = mulberry32(mixSeed(0x11fe, n));
    const request = toDay(a.requestDate);
    if (a.decision === 'not_assess' && a.decisionDate && chance(rng, 0.5)) {
      const lodged = toDay(a.decisionDate) + intBetween(rng, 14, 60);
      if (lodged <= ref) {
        const decided = lodged + intBetween(rng, 20, 60);
        out.appeals.push({
          id: id('appeal', n, 1),
          assessmentId: a.id,
          childId: a.childId,
          route: 'mediation',
          subject: 'refusal_to_assess',
          lodgedDate: fromDay(lodged),
          outcome: decided <= ref ? pick(rng, ['agreed', 'not_agreed'] as const) : null,
          outcomeDate: decided <= ref ? fromDay(decided) : null,
        });
      }
    }
    const open = a.decision === 'assess' && a.finalPlanIssuedDate === null;
    if (open && request + 90 <= ref && chance(rng, 0.35)) {
      // Reg 10(1): notice within 16 weeks (112 days) of the request; some are late.
      const decided = Math.min(ref, request + intBetween(rng, 84, 130));
      a.planDecision = 'not_issue';
      a.planDecisionDate = fromDay(decided);
      if (decided + 30 <= ref && chance(rng, 0.5)) {
        out.appeals.push({
          id: id('appeal', n, 2),
          assessmentId: a.id,
          childId: a.childId,
          route: 'tribunal',
          subject: 'refusal_to_issue',
          lodgedDate: fromDay(decided + intBetween(rng, 14, 30)),
          outcome: null,
          outcomeDate: null,
        });
      }
    } else if (open && request + 60 <= ref && chance(rng, 0.3)) {
      const from = request + intBetween(rng, 20, 60);
      const absence = chance(rng, 0.5);
      const length = intBetween(rng, absence ? 28 : 10, 60);
      out.exceptions.push({
        id: id('exception', n, 1),
        assessmentId: a.id,
        childId: a.childId,
        kind: absence ? 'absence_from_area' : 'personal_circumstances',
        fromDate: fromDay(from),
        toDate: from + length <= ref ? fromDay(from + length) : null,
        evidence: absence
          ? 'Synthetic: family abroad caring for a relative; letter from parent on file.'
          : 'Synthetic: bereavement in the family; note from the family support worker on file.',
      });
    }
  }
  for (const r of out.annualReviews) {
    const n = Number(r.childId.slice(-12, -4));
    const rng = mulberry32(mixSeed(0x12ee, n * 8 + Number(r.id.slice(-4))));
    const meeting = toDay(r.meetingDate);
    // Reg 20: the report within 2 weeks of the meeting (some later).
    const report = meeting + intBetween(rng, 3, 20);
    r.reportSentDate = report <= ref ? fromDay(report) : null;
    if (r.decisionDate === null) continue;
    r.outcome = chance(rng, 0.4) ? 'amend' : 'no_change';
    if (r.outcome === 'amend') {
      // Reg 22: proposals sent with the decision; the amended plan within 8 weeks (some later).
      r.amendmentProposedDate = r.decisionDate;
      const amended = toDay(r.decisionDate) + intBetween(rng, 25, 70);
      r.amendedPlanIssuedDate = amended <= ref ? fromDay(amended) : null;
    }
  }
}

function adviceFor(
  rng: Rng,
  child: SyntheticChild,
  n: number,
  sent: number,
  ref: number,
  complete: boolean,
): SyntheticAdviceRequest[] {
  const agencies: AdviceAgency[] = ['educational_psychology', 'education', 'health'];
  if (child.socialCare) agencies.push('social_care');
  return agencies.map((agency, i) => {
    const sentDay = Math.min(ref, sent + intBetween(rng, 0, 5));
    // Health and social care advice are the ones that run late in practice.
    const slow = agency === 'health' || agency === 'social_care';
    const received = sentDay + intBetween(rng, 14, slow ? 80 : 50);
    return {
      id: id('advice', n, i + 1),
      agency,
      sentDate: fromDay(sentDay),
      receivedDate: complete || received <= ref ? fromDay(Math.min(received, ref)) : null,
    };
  });
}

/** A child with an EHC plan: a finished assessment, and annual reviews once a year has passed. */
function planned(
  out: SyntheticSendWorkflow,
  rng: Rng,
  child: SyntheticChild,
  n: number,
  ref: number,
  earliest: number,
): void {
  // Some plans recent (so the 12-month KPI has data), the rest up to four years old.
  const issuedDay = Math.max(
    earliest + 150,
    ref - (chance(rng, 0.45) ? intBetween(rng, 0, 365) : intBetween(rng, 366, 4 * 365)),
  );
  if (issuedDay > ref) return;
  const requestDay = issuedDay - intBetween(rng, 105, 190);
  const decisionDay = requestDay + intBetween(rng, 25, 50);
  const assessmentId = id('assessment', n, 1);
  out.assessments.push({
    id: assessmentId,
    childId: child.id,
    requestDate: fromDay(requestDay),
    decision: 'assess',
    decisionDate: fromDay(decisionDay),
    draftPlanSentDate: fromDay(issuedDay - intBetween(rng, 16, 40)),
    finalPlanIssuedDate: fromDay(issuedDay),
    adviceRequests: adviceFor(rng, child, n, decisionDay, ref, true),
  });
  // Reviews: each meeting roughly a year after the last; some run late, some decisions pending.
  let cycleStart = issuedDay;
  for (let r = 1; r <= 5; r++) {
    const meeting = cycleStart + intBetween(rng, 300, 400);
    // Some reviews are simply not held: the dashboard's "annual reviews overdue".
    if (meeting > ref || chance(rng, 0.12)) break;
    // Some recent decisions are still awaited, a few of them past the 4 weeks.
    const pending = meeting > ref - 120 && chance(rng, 0.3);
    const decision = pending ? ref + 1 : meeting + intBetween(rng, 10, 45);
    out.annualReviews.push({
      id: id('review', n, r),
      childId: child.id,
      assessmentId,
      meetingDate: fromDay(meeting),
      decisionDate: decision <= ref ? fromDay(decision) : null,
    });
    cycleStart = meeting;
  }
}

/** An assessment under way at the reference date (or refused). */
function inProgress(
  out: SyntheticSendWorkflow,
  rng: Rng,
  child: SyntheticChild,
  n: number,
  ref: number,
  earliest: number,
): void {
  const requestDay = Math.max(earliest, ref - intBetween(rng, 0, 170));
  if (requestDay > ref) return;
  const decisionDay = requestDay + intBetween(rng, 28, 49);
  const decided = decisionDay <= ref;
  const refused = decided && chance(rng, 0.15);
  out.assessments.push({
    id: id('assessment', n, 1),
    childId: child.id,
    requestDate: fromDay(requestDay),
    decision: decided ? (refused ? 'not_assess' : 'assess') : null,
    decisionDate: decided ? fromDay(decisionDay) : null,
    draftPlanSentDate: null,
    finalPlanIssuedDate: null,
    // Advice is requested once the LA decides to assess.
    adviceRequests: decided && !refused ? adviceFor(rng, child, n, decisionDay, ref, false) : [],
  });
}

function family(out: SyntheticSendWorkflow, rng: Rng, child: SyntheticChild, n: number, ref: number): void {
  // Written by whoever decides at the reference date: the young person only after the end of
  // compulsory school age (every synthetic child has a login, so the login alone says nothing).
  const youngPersonDecides =
    child.youngPersonSub !== null &&
    isOverCompulsorySchoolAge(child.dateOfBirth, new Date(`${fromDay(ref)}T12:00:00Z`));
  const editedBySub = youngPersonDecides ? child.youngPersonSub : child.parentCarerSubs[0];
  if (!editedBySub) return;
  out.familyInformation.push({
    childId: child.id,
    editedBySub,
    editedByRole: youngPersonDecides ? 'young_person' : 'parent_carer',
    editedAt: `${fromDay(ref - intBetween(rng, 1, 200))}T10:00:00.000Z`,
    aboutMe: {
      whatMattersToMe: pick(rng, MATTERS),
      whatHelps: pick(rng, HELPS),
      communicationNeeds: pick(rng, COMMS),
    },
    contactPreferences: {
      preferredMethod: pick(rng, ['email', 'phone', 'letter', 'text'] as const),
      bestTimeToContact: pick(rng, ['Weekday mornings', 'After 3pm', 'Any time']),
      language: 'English',
      interpreterNeeded: false,
    },
    reportedDiagnoses: (child.health?.diagnoses ?? []).map((d, i) => ({
      id: id('familyItem', n, i + 1),
      description: d.description,
      date: d.diagnosedOn,
    })),
    previousAssessments: chance(rng, 0.5)
      ? [
          {
            id: id('familyItem', n, 101),
            description: 'Synthetic: educational psychology assessment at previous school',
            date: null,
          },
        ]
      : [],
    schoolsAttended: [
      {
        id: id('familyItem', n, 201),
        description: `Synthetic school attended: ${child.schoolId}`,
        date: null,
      },
    ],
  });
}
