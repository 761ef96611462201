import type { DbHandle } from '@hub/db';
import {
  addDays,
  compareDates,
  formatIsoDate,
  type IsoDate,
  lastDayOfMonthsPeriod,
  parseIsoDate,
  phaseTransfers,
} from '@hub/ehc-clock';
import { isValidUpn } from '@hub/identifiers';
import { ehcExceptionSource } from '../ehc/index.ts';

/**
 * The DfE's person-level SEN2 return (special educational needs survey), built from the hub's
 * record. Layout followed: the SEN2 person-level XML message as published for the 2023 to 2026
 * collections (technical specification v1.1, October 2022, and later guides) — Message > Header
 * (CollectionDetails, Source) > Persons > Person > Requests (one element per request) >
 * Assessment > NamedPlan, and Requests > ActivePlans. Field names are the specification's.
 *
 * What the hub does not hold is written as the specification's "not known" value where it has
 * one (Ethnicity NOBT, information not yet obtained) and otherwise left out; `notHeld` lists
 * those items so the council completes them from its case-management system before submission.
 * Code values not verified against the published code lists are named in NOT_VERIFIED.
 */
export const SEN2_LAYOUT = 'SEN2 person level, XML message layout of the 2023-2026 specifications';

export const NOT_HELD = [
  'Sex (written U, not known)',
  'Ethnicity (written NOBT, information not yet obtained)',
  'PostCode',
  'UniqueLearnerNumber',
  'RequestSource',
  'PlanDetail / PlacementDetail (URN, UKPRN, SENSetting, PlacementRank)',
  'personal budget items (PlanRes, PlanWPB, PB, OA, DP)',
  'SENneed (SENtype, SENtypeRank)',
  'CeaseReason (the hub records the reason in words; the 2025 guide item 4.6 codes are 1 maximum age, 2 needs met without a plan, 3 higher education, 4 paid employment, 5 transferred to another LA, 6 no longer engaging, 7 moved outside England, 8 deceased, 9 other)',
  'ActivePlans ReviewOutcome (annual review decision code) and TransferLA',
] as const;

export const NOT_VERIFIED = [
  'RequestOutcome codes: A = decided to assess, N = decided not to assess',
  'AssessmentOutcome codes: Y = decided to issue a plan, N = decided not to issue',
  'Mediation and tribunal flags: Request* for appeals against a refusal to assess, Assessment* against a refusal to issue, Other* for plan contents, placement or ceasing',
  'Week20 follows the supplier guidance found (Capita One SEN2 tool, item 3.7 "20-week time limit exceptions apply"; a public SEN2 reader labels it the same): 1 when a recorded exception excuses a time limit of the assessment, else 0',
  'ActivePlans items from spec v1.2/v1.3 as a public SEN2 reader names them (ReviewMeeting, ReviewDraft, PhaseTransferDueDate, PhaseTransferFinalDate, LastReview): names checked, their order inside ActivePlans not',
  'Sex: U for not known',
  'The census (reference) date: the third Thursday of January of the collection year',
  'The validation rule numbers: the hub numbers its own rules (below); the DfE rule numbers could not be checked',
] as const;

export interface Sen2Header {
  collection: 'SEN2';
  year: number;
  referenceDate: IsoDate;
  sourceLevel: 'L';
  lea: string;
  softwareCode: string;
  release: string;
  serialNo: string;
  dateTime: string;
}

export interface Sen2NamedPlan {
  startDate: string;
  /** The plan ceased (s.45) by the reference date. CeaseReason is not written: see NOT_HELD. */
  ceaseDate: string | null;
}
export interface Sen2Assessment {
  assessmentOutcome: 'Y' | 'N' | null;
  assessmentOutcomeDate: string | null;
  assessmentMediation: '0' | '1';
  assessmentTribunal: '0' | '1';
  otherMediation: '0' | '1';
  otherTribunal: '0' | '1';
  week20: '0' | '1';
  namedPlan: Sen2NamedPlan | null;
}
/**
 * Items of an active plan (spec v1.2 and v1.3): the latest annual review meeting, the date of
 * its decision (LastReview) and of the draft amended plan (ReviewDraft), and for a child whose
 * phase transfer is within 12 months, the reg 18(1) deadline (15 February or 31 March) and the
 * date the amended plan was issued for it.
 */
export interface Sen2ActivePlan {
  reviewMeeting: string | null;
  reviewDraft: string | null;
  phaseTransferDueDate: string | null;
  phaseTransferFinalDate: string | null;
  lastReview: string | null;
}
export interface Sen2Request {
  /** The hub's assessment id (for the validation report; not written to the XML). */
  sourceId: string;
  receivedDate: string;
  rya: '0' | '1';
  requestOutcomeDate: string | null;
  requestOutcome: 'A' | 'N' | null;
  requestMediation: '0' | '1';
  requestTribunal: '0' | '1';
  exported: '0' | '1';
  assessment: Sen2Assessment | null;
  /** Only for a plan active at the reference date. */
  activePlan: Sen2ActivePlan | null;
}
export interface Sen2Person {
  /** The hub's child id (for the validation report; not written to the XML). */
  childId: string;
  surname: string;
  forename: string;
  personBirthDate: string;
  sex: 'M' | 'F' | 'U';
  ethnicity: string;
  postCode: string | null;
  upn: string | null;
  uniqueLearnerNumber: string | null;
  upnUnknown: string | null;
  requests: Sen2Request[];
}
export interface Sen2Return {
  header: Sen2Header;
  persons: Sen2Person[];
}

/** The census date of the SEN2 collection for `year`: the third Thursday of January. */
export function sen2ReferenceDate(year: number): IsoDate {
  const first = formatIsoDate({ year, month: 1, day: 1 });
  // 1970-01-01 was a Thursday: day index 0 = Thursday.
  const epochDay = Math.round(Date.parse(`${first}T00:00:00Z`) / 86_400_000);
  const toThursday = (7 - (((epochDay % 7) + 7) % 7)) % 7;
  return addDays(first, toThursday + 14);
}

export interface Sen2Options {
  year: number;
  /** The council (responsible local authority org id) whose return this is. */
  councilId: string;
  /** The council's 3-digit DfE LA number (999 is the synthetic, non-existent one). */
  lea: string;
  now?: Date;
}

interface AssessmentRow {
  id: string;
  child_id: string;
  request_date: string;
  decision: 'assess' | 'not_assess' | null;
  decision_date: string | null;
  final_plan_issued_date: string | null;
  /** Reg 10: a decision not to issue a plan after the assessment. */
  plan_decision: 'issue' | 'not_issue' | null;
  plan_decision_date: string | null;
  plan_ceased_date: string | null;
  last_meeting: string | null;
  /** Of the latest review meeting by the reference date: its decision, draft amended plan and amended plan (each by then). */
  last_decision: string | null;
  last_draft: string | null;
  last_amended: string | null;
  /** Appeals lodged by the reference date: "route:subject" (mediation|tribunal, ehc_appeal.subject). */
  appeals: string[];
}
interface ChildRow {
  id: string;
  given_name: string;
  family_name: string;
  date_of_birth: string;
  upn: string | null;
}

const onOrBefore = (d: string | null, limit: IsoDate) => d !== null && compareDates(d as IsoDate, limit) <= 0;
const between = (d: string | null, from: IsoDate, to: IsoDate) =>
  d !== null && compareDates(d as IsoDate, from) >= 0 && compareDates(d as IsoDate, to) <= 0;

/**
 * Which requests a return includes (specification 1.3): plans active at the reference date,
 * work completed in the calendar year before it (a decision not to assess, or a plan or
 * decision not to issue), and work still ongoing at the reference date (request, assessment or
 * issuing stage). Only facts dated on or before the reference date are used.
 */
export function sen2Request(
  a: AssessmentRow,
  year: number,
  referenceDate: IsoDate,
  exceptionApplies = false,
): Sen2Request | null {
  const start = `${year - 1}-01-01` as IsoDate;
  const end = `${year - 1}-12-31` as IsoDate;
  if (!onOrBefore(a.request_date, referenceDate)) return null;
  const decided = onOrBefore(a.decision_date, referenceDate) ? a.decision : null;
  const decisionDate = decided ? a.decision_date : null;
  const issued = decided === 'assess' && onOrBefore(a.final_plan_issued_date, referenceDate);
  const notIssued =
    decided === 'assess' &&
    !issued &&
    a.plan_decision === 'not_issue' &&
    onOrBefore(a.plan_decision_date, referenceDate);
  const ceased = issued && onOrBefore(a.plan_ceased_date, referenceDate) ? a.plan_ceased_date : null;
  const assessmentOutcomeDate = issued ? a.final_plan_issued_date : notIssued ? a.plan_decision_date : null;
  const outcomeDate = decided === 'not_assess' ? decisionDate : assessmentOutcomeDate;
  const active = issued && ceased === null;
  const ongoing = outcomeDate === null;
  const completedInYear = between(outcomeDate, start, end) || between(ceased, start, end);
  const receivedInYear = between(a.request_date, start, end);
  if (!active && !ongoing && !completedInYear && !receivedInYear) return null;
  const appeal = (route: 'mediation' | 'tribunal', subjects: string[]) =>
    a.appeals.some((x) => subjects.some((s) => x === `${route}:${s}`)) ? '1' : '0';
  const other = ['plan_contents', 'placement', 'cease'];
  const assessment: Sen2Assessment | null =
    decided === 'assess'
      ? {
          assessmentOutcome: issued ? 'Y' : notIssued ? 'N' : null,
          assessmentOutcomeDate,
          assessmentMediation: appeal('mediation', ['refusal_to_issue']),
          assessmentTribunal: appeal('tribunal', ['refusal_to_issue']),
          otherMediation: appeal('mediation', other),
          otherTribunal: appeal('tribunal', other),
          // Item 3.7: do exceptions to the 20-week time limit apply (not: was it within 20 weeks).
          week20: exceptionApplies ? '1' : '0',
          namedPlan: issued ? { startDate: a.final_plan_issued_date!, ceaseDate: ceased } : null,
        }
      : null;
  return {
    sourceId: a.id,
    receivedDate: a.request_date,
    rya: '0',
    requestOutcomeDate: decisionDate,
    requestOutcome: decided === 'assess' ? 'A' : decided === 'not_assess' ? 'N' : null,
    requestMediation: appeal('mediation', ['refusal_to_assess']),
    requestTribunal: appeal('tribunal', ['refusal_to_assess']),
    exported: '0',
    assessment,
    activePlan: active
      ? {
          reviewMeeting: a.last_meeting,
          reviewDraft: a.last_draft,
          phaseTransferDueDate: null,
          phaseTransferFinalDate: null,
          lastReview: a.last_decision,
        }
      : null,
  };
}

/**
 * Phase transfer items of an active plan: for a child whose next transfer (1 September) is within
 * 12 months of the reference date, the reg 18(1) deadline, and the date the amended plan was
 * issued after a review held in the 12 months before the transfer (null if not yet).
 */
export function phaseTransferItems(
  dateOfBirth: string,
  a: Pick<AssessmentRow, 'last_meeting' | 'last_amended'>,
  referenceDate: IsoDate,
): Pick<Sen2ActivePlan, 'phaseTransferDueDate' | 'phaseTransferFinalDate'> {
  const horizon = addDays(lastDayOfMonthsPeriod(referenceDate, 12), 1);
  const transfer = phaseTransfers(dateOfBirth as IsoDate).find(
    (t) => compareDates(t.transferDate, referenceDate) > 0 && compareDates(t.transferDate, horizon) <= 0,
  );
  if (!transfer) return { phaseTransferDueDate: null, phaseTransferFinalDate: null };
  const windowStart = `${Number(transfer.transferDate.slice(0, 4)) - 1}-09-01` as IsoDate;
  const inWindow = a.last_meeting !== null && compareDates(a.last_meeting as IsoDate, windowStart) >= 0;
  return { phaseTransferDueDate: transfer.amendBy, phaseTransferFinalDate: inWindow ? a.last_amended : null };
}

/** Reads the council's children and EHC work from the record and builds the return. */
export async function buildSen2Return(db: DbHandle, options: Sen2Options): Promise<Sen2Return> {
  const referenceDate = sen2ReferenceDate(options.year);
  const children = await db.query<ChildRow>(
    `select c.id, c.given_name, c.family_name, to_char(c.date_of_birth, 'YYYY-MM-DD') as date_of_birth, c.upn
       from record.child c
      where exists (select 1 from record.child_relationship r
                     where r.child_id = c.id and r.kind = 'la_responsible' and r.active and r.org_id = $1)
      order by c.family_name, c.given_name, c.id`,
    [options.councilId],
  );
  const ids = children.map((c) => c.id);
  const assessments =
    ids.length === 0
      ? []
      : await db.query<AssessmentRow>(
          `select a.id, a.child_id, to_char(a.request_date, 'YYYY-MM-DD') as request_date, a.decision,
                  to_char(a.decision_date, 'YYYY-MM-DD') as decision_date,
                  to_char(a.final_plan_issued_date, 'YYYY-MM-DD') as final_plan_issued_date,
                  a.plan_decision, to_char(a.plan_decision_date, 'YYYY-MM-DD') as plan_decision_date,
                  to_char(a.plan_ceased_date, 'YYYY-MM-DD') as plan_ceased_date,
                  to_char(lr.meeting_date, 'YYYY-MM-DD') as last_meeting,
                  case when lr.decision_date <= $2::date then to_char(lr.decision_date, 'YYYY-MM-DD') end as last_decision,
                  case when lr.amendment_proposed_date <= $2::date
                       then to_char(lr.amendment_proposed_date, 'YYYY-MM-DD') end as last_draft,
                  case when lr.amended_plan_issued_date <= $2::date
                       then to_char(lr.amended_plan_issued_date, 'YYYY-MM-DD') end as last_amended,
                  array(select p.route || ':' || p.subject from record.ehc_appeal p
                         where p.assessment_id = a.id and p.lodged_date <= $2::date order by 1) as appeals
             from record.ehc_assessment a
             left join lateral (select r.meeting_date, r.decision_date, r.amendment_proposed_date, r.amended_plan_issued_date
                                  from record.annual_review r
                                 where r.assessment_id = a.id and r.meeting_date <= $2::date
                                 order by r.meeting_date desc, r.id desc limit 1) lr on true
            where a.child_id = any($1::uuid[])
            order by a.request_date, a.id`,
          [ids, referenceDate],
        );
  // Exceptions recorded by the reference date that excuse a time limit (the clock's own rule).
  const excused = await ehcExceptionSource(referenceDate)(
    db,
    assessments.map((a) => a.id),
  );
  const persons: Sen2Person[] = [];
  for (const c of children) {
    const requests = assessments
      .filter((a) => a.child_id === c.id)
      .map((a) => {
        const r = sen2Request(a, options.year, referenceDate, (excused.get(a.id) ?? []).length > 0);
        if (r?.activePlan) Object.assign(r.activePlan, phaseTransferItems(c.date_of_birth, a, referenceDate));
        return r;
      })
      .filter((r): r is Sen2Request => r !== null);
    if (requests.length === 0) continue;
    const upn = c.upn?.trim() || null;
    persons.push({
      childId: c.id,
      surname: c.family_name,
      forename: c.given_name,
      personBirthDate: c.date_of_birth,
      sex: 'U',
      ethnicity: 'NOBT',
      postCode: null,
      upn,
      uniqueLearnerNumber: null,
      // UN1: under 6 and not yet given a UPN; UN2: otherwise never attended a state-funded school in England (as far as the hub knows).
      upnUnknown: upn
        ? null
        : compareDates(addDays(c.date_of_birth as IsoDate, 6 * 365), referenceDate) > 0
          ? 'UN1'
          : 'UN2',
      requests,
    });
  }
  const now = options.now ?? new Date();
  return {
    header: {
      collection: 'SEN2',
      year: options.year,
      referenceDate,
      sourceLevel: 'L',
      lea: options.lea,
      softwareCode: 'TELL-IT-ONCE-HUB',
      release: '1',
      serialNo: '001',
      dateTime: now.toISOString().slice(0, 19),
    },
    persons,
  };
}

// ---- validation ----

export interface Sen2Issue {
  rule: string;
  message: string;
  /** Which record: the hub's child id and, for a request, the assessment id. */
  childId: string | null;
  sourceId: string | null;
  field: string;
}

/**
 * The hub's SEN2 validation rules (numbered by the hub: the DfE's own rule numbers could not be
 * verified). Each is a check the specification's field definitions imply.
 */
export const SEN2_RULES = {
  '1000': 'LEA must be the 3-digit DfE local authority number',
  '1010': 'ReferenceDate must fall in January of the collection year',
  '2000': 'Surname and Forename must be present',
  '2010': 'PersonBirthDate must be a real date, not after the ReferenceDate',
  '2020': 'A person with an EHC plan or request must be under 26 at the ReferenceDate',
  '2030': 'Sex must be M, F or U',
  '2040': 'Ethnicity must be a valid ethnicity code',
  '2050': 'UPN must be 13 characters with a valid check letter',
  '2060': 'One of UPN, UniqueLearnerNumber or UPNunknown must be given, and UPNunknown only without UPN',
  '2070': 'UPNunknown must be UN1 to UN10',
  '2080': 'The same UPN must not appear for two persons',
  '3000': 'ReceivedDate must be a real date, not after the ReferenceDate and not before birth',
  '3010': 'RequestOutcome and RequestOutcomeDate go together; RequestOutcome must be A or N',
  '3020': 'RequestOutcomeDate must not be before ReceivedDate or after the ReferenceDate',
  '3030': 'An Assessment module is present exactly when RequestOutcome is A',
  '4000': 'AssessmentOutcome and AssessmentOutcomeDate go together; AssessmentOutcome must be Y or N',
  '4010': 'AssessmentOutcomeDate must not be before RequestOutcomeDate or after the ReferenceDate',
  '4020': 'A NamedPlan is present exactly when AssessmentOutcome is Y',
  '4030': 'Week20 (20-week time limit exceptions apply) must be 1 or 0',
  '5000': 'NamedPlan StartDate must equal the AssessmentOutcomeDate',
  '5010':
    'ActivePlans only for a plan issued by the ReferenceDate; ReviewMeeting between StartDate and ReferenceDate',
  '5020':
    'CeaseDate must not be before StartDate or after the ReferenceDate; a ceased plan has no ActivePlans',
  '5030':
    'LastReview and ReviewDraft need a ReviewMeeting and must fall between it and the ReferenceDate; PhaseTransferFinalDate must not be after the ReferenceDate, and needs a PhaseTransferDueDate',
} as const;
export type Sen2Rule = keyof typeof SEN2_RULES;

/** Ethnicity codes (DfE extended and main codes, with NOBT not yet obtained and REFU refused). */
export const ETHNICITY_CODES: ReadonlySet<string> = new Set(
  (
    'WBRI WCOR WENG WNIR WSCO WWEL WOWB WIRI WIRT WOTH WALB WBOS WCRO WGRE WGRK WGRC WITA WKOS WPOR WSER ' +
    'WTUR WTUK WTUC WEUR WEEU WWEU WOTW WROM WROG WROR WROO MWBC MWBA MWAS MWAP MWAI MWAO MOTH MAOE MABL MACH ' +
    'MBOE MBCH MCOE MWOE MWCH MOTM AIND APKN AMPK AKPA AOPK ABAN AOTH AAFR AKAO ANEP ASNL ASLT ASRO AOTA ABRI ' +
    'AWEL BCRB BAFR BANN BCON BGHA BNGN BSLN BSOM BSUD BAOF BOTH BEUR BNAM BOTB BBRI BWEL CHNE CHKC CMAL CSNG ' +
    'CTWN COCH OOTH OAFG OARA OEGY OFIL OIRN OIRQ OJPN OKOR OKRD OLAM OLEB OLIB OMAL OMRC OPOL OTHA OVIE OYEM ' +
    'OOEG ORAB NOBT REFU'
  ).split(' '),
);

const isDate = (v: string | null): v is string => {
  if (v === null || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return false;
  try {
    parseIsoDate(v);
    return true;
  } catch {
    return false;
  }
};

export function validateSen2(ret: Sen2Return): Sen2Issue[] {
  const issues: Sen2Issue[] = [];
  const add = (rule: Sen2Rule, field: string, p: Sen2Person | null, r: Sen2Request | null, detail?: string) =>
    issues.push({
      rule,
      message: detail ? `${SEN2_RULES[rule]} (${detail})` : SEN2_RULES[rule],
      childId: p?.childId ?? null,
      sourceId: r?.sourceId ?? null,
      field,
    });
  const h = ret.header;
  const ref = h.referenceDate;
  if (!/^\d{3}$/.test(h.lea)) add('1000', 'Header.Source.LEA', null, null, `got ${JSON.stringify(h.lea)}`);
  if (!isDate(ref) || !ref.startsWith(`${h.year}-01-`))
    add('1010', 'Header.CollectionDetails.ReferenceDate', null, null, `got ${ref}`);
  const upns = new Map<string, string>();
  for (const p of ret.persons) {
    if (!p.surname.trim() || !p.forename.trim()) add('2000', 'Person.Surname/Forename', p, null);
    if (!isDate(p.personBirthDate) || compareDates(p.personBirthDate as IsoDate, ref) > 0)
      add('2010', 'Person.PersonBirthDate', p, null, `got ${p.personBirthDate}`);
    else {
      const { year, month, day } = parseIsoDate(p.personBirthDate);
      const { year: ry, month: rm, day: rd } = parseIsoDate(ref);
      const age = ry - year - (rm < month || (rm === month && rd < day) ? 1 : 0);
      if (age >= 26) add('2020', 'Person.PersonBirthDate', p, null, `aged ${age}`);
    }
    if (!['M', 'F', 'U'].includes(p.sex)) add('2030', 'Person.Sex', p, null, `got ${p.sex}`);
    if (!ETHNICITY_CODES.has(p.ethnicity)) add('2040', 'Person.Ethnicity', p, null, `got ${p.ethnicity}`);
    if (p.upn !== null && !isValidUpn(p.upn)) add('2050', 'Person.UPN', p, null, `got ${p.upn}`);
    if (
      (p.upn === null && p.uniqueLearnerNumber === null && p.upnUnknown === null) ||
      (p.upn !== null && p.upnUnknown !== null)
    )
      add('2060', 'Person.UPNunknown', p, null);
    if (p.upnUnknown !== null && !/^UN([1-9]|10)$/.test(p.upnUnknown))
      add('2070', 'Person.UPNunknown', p, null, `got ${p.upnUnknown}`);
    if (p.upn !== null) {
      const seen = upns.get(p.upn);
      if (seen !== undefined && seen !== p.childId) add('2080', 'Person.UPN', p, null, `also child ${seen}`);
      else upns.set(p.upn, p.childId);
    }
    for (const r of p.requests) {
      const receivedOk =
        isDate(r.receivedDate) &&
        compareDates(r.receivedDate as IsoDate, ref) <= 0 &&
        (!isDate(p.personBirthDate) ||
          compareDates(r.receivedDate as IsoDate, p.personBirthDate as IsoDate) >= 0);
      if (!receivedOk) add('3000', 'Requests.ReceivedDate', p, r, `got ${r.receivedDate}`);
      if (
        (r.requestOutcome === null) !== (r.requestOutcomeDate === null) ||
        (r.requestOutcome !== null && !['A', 'N'].includes(r.requestOutcome))
      )
        add('3010', 'Requests.RequestOutcome', p, r);
      if (
        r.requestOutcomeDate !== null &&
        (!isDate(r.requestOutcomeDate) ||
          (receivedOk && compareDates(r.requestOutcomeDate as IsoDate, r.receivedDate as IsoDate) < 0) ||
          compareDates(r.requestOutcomeDate as IsoDate, ref) > 0)
      )
        add('3020', 'Requests.RequestOutcomeDate', p, r, `got ${r.requestOutcomeDate}`);
      if ((r.assessment !== null) !== (r.requestOutcome === 'A')) add('3030', 'Requests.Assessment', p, r);
      const a = r.assessment;
      if (a) {
        if (
          (a.assessmentOutcome === null) !== (a.assessmentOutcomeDate === null) ||
          (a.assessmentOutcome !== null && !['Y', 'N'].includes(a.assessmentOutcome))
        )
          add('4000', 'Assessment.AssessmentOutcome', p, r);
        if (
          a.assessmentOutcomeDate !== null &&
          (!isDate(a.assessmentOutcomeDate) ||
            (r.requestOutcomeDate !== null &&
              isDate(r.requestOutcomeDate) &&
              compareDates(a.assessmentOutcomeDate as IsoDate, r.requestOutcomeDate as IsoDate) < 0) ||
            compareDates(a.assessmentOutcomeDate as IsoDate, ref) > 0)
        )
          add('4010', 'Assessment.AssessmentOutcomeDate', p, r, `got ${a.assessmentOutcomeDate}`);
        if ((a.namedPlan !== null) !== (a.assessmentOutcome === 'Y'))
          add('4020', 'Assessment.NamedPlan', p, r);
        if (a.week20 !== '0' && a.week20 !== '1') add('4030', 'Assessment.Week20', p, r, `got ${a.week20}`);
        if (a.namedPlan && a.namedPlan.startDate !== a.assessmentOutcomeDate)
          add('5000', 'NamedPlan.StartDate', p, r, `got ${a.namedPlan.startDate}`);
        const cease = a.namedPlan?.ceaseDate ?? null;
        if (
          cease !== null &&
          (!isDate(cease) ||
            compareDates(cease as IsoDate, a.namedPlan!.startDate as IsoDate) < 0 ||
            compareDates(cease as IsoDate, ref) > 0 ||
            r.activePlan !== null)
        )
          add('5020', 'NamedPlan.CeaseDate', p, r, `got ${cease}`);
      }
      if (r.activePlan) {
        const start = a?.namedPlan?.startDate ?? null;
        const meeting = r.activePlan.reviewMeeting;
        if (
          start === null ||
          !isDate(start) ||
          compareDates(start as IsoDate, ref) > 0 ||
          (meeting !== null &&
            (!isDate(meeting) ||
              compareDates(meeting as IsoDate, start as IsoDate) < 0 ||
              compareDates(meeting as IsoDate, ref) > 0))
        )
          add('5010', 'ActivePlans.ReviewMeeting', p, r);
        const { lastReview, reviewDraft, phaseTransferDueDate, phaseTransferFinalDate } = r.activePlan;
        for (const [field, d] of [
          ['ActivePlans.LastReview', lastReview],
          ['ActivePlans.ReviewDraft', reviewDraft],
        ] as const) {
          if (
            d !== null &&
            (meeting === null ||
              !isDate(d) ||
              compareDates(d as IsoDate, meeting as IsoDate) < 0 ||
              compareDates(d as IsoDate, ref) > 0)
          )
            add('5030', field, p, r, `got ${d}`);
        }
        if (
          phaseTransferFinalDate !== null &&
          (phaseTransferDueDate === null ||
            !isDate(phaseTransferFinalDate) ||
            compareDates(phaseTransferFinalDate as IsoDate, ref) > 0)
        )
          add('5030', 'ActivePlans.PhaseTransferFinalDate', p, r, `got ${phaseTransferFinalDate}`);
      }
    }
  }
  return issues;
}

// ---- XML ----

const escapeXml = (v: string) =>
  v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** Writes the return as the SEN2 XML message. Elements with no value are left out. */
export function sen2Xml(ret: Sen2Return): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>', '<Message>'];
  let depth = 1;
  const open = (tag: string) => {
    out.push(`${'  '.repeat(depth)}<${tag}>`);
    depth++;
  };
  const close = (tag: string) => {
    depth--;
    out.push(`${'  '.repeat(depth)}</${tag}>`);
  };
  const el = (tag: string, value: string | number | null) => {
    if (value !== null && value !== '')
      out.push(`${'  '.repeat(depth)}<${tag}>${escapeXml(String(value))}</${tag}>`);
  };
  const h = ret.header;
  open('Header');
  open('CollectionDetails');
  el('Collection', h.collection);
  el('Year', h.year);
  el('ReferenceDate', h.referenceDate);
  close('CollectionDetails');
  open('Source');
  el('SourceLevel', h.sourceLevel);
  el('LEA', h.lea);
  el('SoftwareCode', h.softwareCode);
  el('Release', h.release);
  el('SerialNo', h.serialNo);
  el('DateTime', h.dateTime);
  close('Source');
  close('Header');
  open('Persons');
  for (const p of ret.persons) {
    open('Person');
    el('Surname', p.surname);
    el('Forename', p.forename);
    el('PersonBirthDate', p.personBirthDate);
    el('Sex', p.sex);
    el('Ethnicity', p.ethnicity);
    el('PostCode', p.postCode);
    el('UPN', p.upn);
    el('UniqueLearnerNumber', p.uniqueLearnerNumber);
    el('UPNunknown', p.upnUnknown);
    for (const r of p.requests) {
      open('Requests');
      el('ReceivedDate', r.receivedDate);
      el('RYA', r.rya);
      el('RequestOutcomeDate', r.requestOutcomeDate);
      el('RequestOutcome', r.requestOutcome);
      el('RequestMediation', r.requestMediation);
      el('RequestTribunal', r.requestTribunal);
      el('Exported', r.exported);
      if (r.assessment) {
        const a = r.assessment;
        open('Assessment');
        el('AssessmentOutcome', a.assessmentOutcome);
        el('AssessmentOutcomeDate', a.assessmentOutcomeDate);
        el('AssessmentMediation', a.assessmentMediation);
        el('AssessmentTribunal', a.assessmentTribunal);
        el('OtherMediation', a.otherMediation);
        el('OtherTribunal', a.otherTribunal);
        el('Week20', a.week20);
        if (a.namedPlan) {
          open('NamedPlan');
          el('StartDate', a.namedPlan.startDate);
          el('CeaseDate', a.namedPlan.ceaseDate);
          close('NamedPlan');
        }
        close('Assessment');
      }
      if (r.activePlan) {
        open('ActivePlans');
        el('ReviewMeeting', r.activePlan.reviewMeeting);
        el('ReviewDraft', r.activePlan.reviewDraft);
        el('PhaseTransferDueDate', r.activePlan.phaseTransferDueDate);
        el('PhaseTransferFinalDate', r.activePlan.phaseTransferFinalDate);
        el('LastReview', r.activePlan.lastReview);
        close('ActivePlans');
      }
      close('Requests');
    }
    close('Person');
  }
  close('Persons');
  out.push('</Message>', '');
  return out.join('\n');
}

/** The councils (responsible local authorities) in this record, for choosing whose return to make. */
export async function sen2Councils(db: DbHandle): Promise<string[]> {
  const rows = await db.query<{ org_id: string }>(
    `select distinct org_id from record.child_relationship where kind = 'la_responsible' and active order by org_id`,
  );
  return rows.map((r) => r.org_id);
}
