import { createHash } from 'node:crypto';
import { isValidUpn, normaliseUpn } from '@hub/identifiers';
import { IngestRefusal } from '@hub/service-kit';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * DfE Children in Need census XML, as a council's case system returns it to the DfE (element
 * names from the CIN census specification, 2023-24 to 2025-26; see /tmp/notes/Q2.md):
 *
 * Message
 *   Header: CollectionDetails (Collection "CIN", Year, ReferenceDate),
 *           Source (SourceLevel, LEA, SoftwareCode, Release, SerialNo, DateTime), Content?
 *   Children / Child*:
 *     ChildIdentifiers: LAchildID, UPN?, FormerUPN?, UPNunknown?, PersonBirthDate?,
 *                       ExpectedPersonBirthDate?, GenderCurrent (to 2023-24) | Sex (2024-25 on), PersonDeathDate?
 *     ChildCharacteristics: Ethnicity, Disabilities / Disability*
 *     CINdetails*: CINreferralDate, ReferralSource, PrimaryNeedCode, CINclosureDate?, ReasonForClosure?,
 *                  DateOfInitialCPC?, ReferralNFA, Assessments*, CINPlanDates*, Section47*,
 *                  ChildProtectionPlans* (CPPstartDate, CPPendDate?, InitialCategoryOfAbuse,
 *                  LatestCategoryOfAbuse, NumberOfPreviousCPP, Reviews / CPPreviewDate*)
 * The census carries no names. It does not say whether a child is looked after (that is the
 * SSDA903 return), so the adapter derives only CHILD_IN_NEED / CHILD_PROTECTION / NONE.
 */

/** Census years read (CollectionDetails/Year). */
export const SUPPORTED_CIN_YEARS = { min: 2020, max: 2027 } as const;

export interface CinHeader {
  collection: string | null;
  year: string | null;
  referenceDate: string | null;
  sourceLevel: string | null;
  lea: string | null;
  dateTime: string | null;
}

export type CinStatus = 'CHILD_IN_NEED' | 'CHILD_PROTECTION' | 'NONE';

export interface CinChild {
  laChildId: string;
  upn: string | null;
  dob: string;
  sex: 'male' | 'female' | 'unknown';
  episodes: Array<{
    referralDate: string;
    closureDate: string | null;
    primaryNeed: string | null;
    plans: Array<{ startDate: string; endDate: string | null }>;
  }>;
  status: CinStatus;
  contentHash: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: (name) =>
    ['CINdetails', 'ChildProtectionPlans', 'ChildProtectionPlan', 'Disability'].includes(name),
});

type Node = Record<string, unknown>;
const obj = (v: unknown): Node | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined;
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Node => !!x) : []);

function isIsoDate(value: string | null): value is string {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export function parseCinHeader(prefix: string): CinHeader {
  if (/<!DOCTYPE|<!ENTITY/i.test(prefix))
    throw new IngestRefusal(400, 'INVALID_INPUT', 'DOCTYPE and ENTITY declarations are not accepted.');
  if (!/<Message[\s>]/.test(prefix))
    throw new IngestRefusal(400, 'INVALID_INPUT', 'Not a CIN census file: no <Message> root element.');
  const m = /<Header[\s>][\s\S]*<\/Header>/.exec(prefix);
  if (!m) throw new IngestRefusal(400, 'INVALID_INPUT', 'The CIN census file has no <Header>.');
  if (XMLValidator.validate(m[0]) !== true)
    throw new IngestRefusal(400, 'INVALID_INPUT', 'The CIN census <Header> is not well-formed XML.');
  const header = obj(obj(parser.parse(m[0]))?.Header) ?? {};
  const details = obj(header.CollectionDetails) ?? {};
  const source = obj(header.Source) ?? {};
  return {
    collection: text(details.Collection),
    year: text(details.Year),
    referenceDate: text(details.ReferenceDate),
    sourceLevel: text(source.SourceLevel),
    lea: text(source.LEA),
    dateTime: text(source.DateTime),
  };
}

export type ChildParse = { ok: true; child: CinChild } | { ok: false; sourceId: string; reason: string };

const GENDER_CURRENT: Record<string, CinChild['sex']> = {
  '0': 'unknown',
  '1': 'male',
  '2': 'female',
  '9': 'unknown',
};
const SEX: Record<string, CinChild['sex']> = { M: 'male', F: 'female', U: 'unknown' };

/** One <Child>: each field the hub uses, each with its own reason. `referenceDate` is the census date. */
export function parseCinChild(xml: string, index: number, referenceDate: string): ChildParse {
  const rawId = /<LAchildID>\s*([^<]*?)\s*<\/LAchildID>/.exec(xml)?.[1] ?? '';
  const sourceId = rawId || `child#${index + 1}`;
  const fail = (reason: string): ChildParse => ({ ok: false, sourceId, reason });
  if (XMLValidator.validate(xml) !== true) return fail('The <Child> element is not well-formed XML.');
  const c = obj(obj(parser.parse(xml))?.Child);
  const ids = obj(c?.ChildIdentifiers);
  if (!c || !ids) return fail('ChildIdentifiers is missing.');
  const laChildId = text(ids.LAchildID);
  if (!laChildId) return fail('LAchildID is missing.');
  if (laChildId.length > 50) return fail('LAchildID is longer than 50 characters.');
  const rawUpn = text(ids.UPN);
  if (rawUpn && !isValidUpn(rawUpn))
    return fail(`UPN ${rawUpn} is not a valid Unique Pupil Number (shape or check letter).`);
  const dob = text(ids.PersonBirthDate);
  if (!dob && text(ids.ExpectedPersonBirthDate))
    return fail('An unborn child (ExpectedPersonBirthDate only) cannot be matched to a record until born.');
  if (!isIsoDate(dob)) return fail(`PersonBirthDate ${dob ?? '(missing)'} is not a date (YYYY-MM-DD).`);
  if (dob > referenceDate)
    return fail(`PersonBirthDate ${dob} is after the census ReferenceDate ${referenceDate}.`);
  const sexCode = text(ids.Sex);
  const genderCode = text(ids.GenderCurrent);
  const sex = sexCode !== null ? SEX[sexCode] : genderCode !== null ? GENDER_CURRENT[genderCode] : 'unknown';
  if (!sex)
    return fail(
      `${sexCode !== null ? `Sex ${sexCode}` : `GenderCurrent ${genderCode}`} is not a CIN census code.`,
    );

  const episodes: CinChild['episodes'] = [];
  for (const d of list(c.CINdetails)) {
    const referralDate = text(d.CINreferralDate);
    if (!isIsoDate(referralDate))
      return fail(`CINreferralDate ${referralDate ?? '(missing)'} is not a date (YYYY-MM-DD).`);
    if (referralDate > referenceDate)
      return fail(`CINreferralDate ${referralDate} is after the census ReferenceDate.`);
    const closureDate = text(d.CINclosureDate);
    if (closureDate !== null) {
      if (!isIsoDate(closureDate)) return fail(`CINclosureDate ${closureDate} is not a date (YYYY-MM-DD).`);
      if (closureDate < referralDate)
        return fail(`CINclosureDate ${closureDate} is before the CINreferralDate.`);
    }
    const primaryNeed = text(d.PrimaryNeedCode);
    if (primaryNeed !== null && !/^N[0-9]$/.test(primaryNeed))
      return fail(`PrimaryNeedCode ${primaryNeed} is not a CIN code (N0-N9).`);
    // Each <ChildProtectionPlans> is one plan (the census repeats the group); tolerate a
    // <ChildProtectionPlan> wrapper some extracts add.
    const planNodes = list(d.ChildProtectionPlans).flatMap((p) =>
      p.ChildProtectionPlan ? list(p.ChildProtectionPlan) : [p],
    );
    const plans: CinChild['episodes'][number]['plans'] = [];
    for (const p of planNodes) {
      const startDate = text(p.CPPstartDate);
      const endDate = text(p.CPPendDate);
      if (!isIsoDate(startDate))
        return fail(`CPPstartDate ${startDate ?? '(missing)'} is not a date (YYYY-MM-DD).`);
      if (endDate !== null && (!isIsoDate(endDate) || endDate < startDate))
        return fail(`CPPendDate ${endDate} is not a date on or after the CPPstartDate.`);
      plans.push({ startDate, endDate });
    }
    plans.sort((a, b) => a.startDate.localeCompare(b.startDate));
    episodes.push({ referralDate, closureDate, primaryNeed, plans });
  }
  if (episodes.length === 0)
    return fail('CINdetails is missing: every child in the census has at least one referral.');
  episodes.sort((a, b) => a.referralDate.localeCompare(b.referralDate));
  const open = (end: string | null) => end === null || end > referenceDate;
  const openEpisodes = episodes.filter((e) => open(e.closureDate));
  const status: CinStatus = openEpisodes.some((e) => e.plans.some((p) => open(p.endDate)))
    ? 'CHILD_PROTECTION'
    : openEpisodes.length > 0
      ? 'CHILD_IN_NEED'
      : 'NONE';
  const core: Omit<CinChild, 'contentHash'> = {
    laChildId,
    upn: rawUpn ? normaliseUpn(rawUpn) : null,
    dob,
    sex,
    episodes,
    status,
  };
  return {
    ok: true,
    child: { ...core, contentHash: createHash('sha256').update(JSON.stringify(core)).digest('hex') },
  };
}
