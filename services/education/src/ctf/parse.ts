import { createHash } from 'node:crypto';
import { isValidUpn, normaliseUpn } from '@hub/identifiers';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * DfE Common Transfer File (CTF), as school MIS export it. Element names follow the DfE CTF
 * specification (CTF 17 onwards; checked against CTF 23/24 era exports, see /tmp/notes/Q2.md):
 *
 * CTfile
 *   Header: DocumentName, CTFversion, DateTime, DocumentQualifier, SupplierID,
 *           SourceSchool (LEA, Estab, URN, SchoolName, AcademicYear), DestSchool (LEA, Estab, URN)
 *   CTFpupilData / Pupil*:
 *     UPN, Surname, Forename, DOB (YYYY-MM-DD), Sex (M/F), BasicDetails?, …
 *     SENhistory? / SEN* (StartDate, SENprovision N|K|E), SENneeds? / SENneed* (SENtypeRank, SENtype)
 *     Address? (BS7666Address | AddressLines, PostCode, …)
 *     Attendance? / YearData* (Year, LEA, Estab, SchoolName, SessionsPossible,
 *                              SessionsAuthorised, SessionsUnauthorised, AttendanceMarks, …)
 * Elements the hub does not use (assessments, contacts, FSM, school history …) are ignored.
 */

/** Major CTF versions this adapter reads (`CTFversion` "17.0" … "26.0"). */
export const SUPPORTED_CTF_VERSIONS = { min: 17, max: 26 } as const;

/** DfE SEN type codes (CBDS D00041). */
export const SEN_TYPES = [
  'SPLD',
  'MLD',
  'SLD',
  'PMLD',
  'SEMH',
  'SLCN',
  'HI',
  'VI',
  'MSI',
  'PD',
  'ASD',
  'OTH',
  'NSA',
] as const;
/** SEN provision (CBDS D00040): N no SEN, K SEN support, E EHC plan. */
const PROVISION_STATUS = { N: 'NO_SEN', K: 'SEN_SUPPORT', E: 'EHC_PLAN' } as const;

export type SenStatus = (typeof PROVISION_STATUS)[keyof typeof PROVISION_STATUS];

export interface CtfHeader {
  documentName: string | null;
  version: string | null;
  dateTime: string | null;
  source: { lea: string | null; estab: string | null; urn: string | null; name: string | null };
  dest: { lea: string | null; estab: string | null };
}

export interface CtfPupil {
  upn: string;
  surname: string;
  forename: string;
  dob: string;
  sex: 'male' | 'female' | 'unknown';
  postcode: string | null;
  sen: Array<{ startDate: string; provision: keyof typeof PROVISION_STATUS }>;
  needs: Array<{ rank: number; type: (typeof SEN_TYPES)[number] }>;
  attendance: Array<{ year: number; possible: number; authorised: number; unauthorised: number }>;
  /** Derived: the provision of the latest SEN record (NO_SEN when none). */
  senStatus: SenStatus;
  /** Derived: present sessions / possible sessions of the latest year, one decimal place. */
  attendancePercent: number | null;
  /** Hash of everything above: the same pupil sent again changes nothing. */
  contentHash: string;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  // Keep every value a string: "0012" stays "0012", a UPN never becomes a number.
  parseTagValue: false,
  trimValues: true,
  // Only XML's own five entities; documents with a DOCTYPE are refused before parsing.
  processEntities: true,
  isArray: (name) => ['SEN', 'SENneed', 'YearData'].includes(name),
});

type Node = Record<string, unknown>;
const obj = (v: unknown): Node | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined;
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj).filter((x): x is Node => !!x) : []);

/** Refuses what no CTF contains and a parser should never expand (entity bombs, external entities). */
export function assertNoDoctype(xml: string): void {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml))
    throw new CtfError('INVALID_INPUT', 'DOCTYPE and ENTITY declarations are not accepted.');
}

export class CtfError extends Error {
  constructor(
    readonly code: 'INVALID_INPUT' | 'FORBIDDEN' | 'UNSUPPORTED_VERSION',
    message: string,
  ) {
    super(message);
  }
}

/** The header from everything before the first <Pupil> (the document is not closed yet). */
export function parseCtfHeader(prefix: string): CtfHeader {
  assertNoDoctype(prefix);
  const m = /<Header[\s>][\s\S]*<\/Header>/.exec(prefix);
  if (!/<CTfile[\s>]/.test(prefix))
    throw new CtfError('INVALID_INPUT', 'Not a Common Transfer File: no <CTfile> root element.');
  if (!m) throw new CtfError('INVALID_INPUT', 'The CTF has no <Header>.');
  if (XMLValidator.validate(m[0]) !== true)
    throw new CtfError('INVALID_INPUT', 'The CTF <Header> is not well-formed XML.');
  const header = obj(obj(parser.parse(m[0]))?.Header) ?? {};
  const source = obj(header.SourceSchool) ?? {};
  const dest = obj(header.DestSchool) ?? {};
  return {
    documentName: text(header.DocumentName),
    version: text(header.CTFversion),
    dateTime: text(header.DateTime),
    source: {
      lea: text(source.LEA),
      estab: text(source.Estab),
      urn: text(source.URN),
      name: text(source.SchoolName),
    },
    dest: { lea: text(dest.LEA), estab: text(dest.Estab) },
  };
}

/** Major version number of `CTFversion` ("24.0" → 24), null when absent or not a version. */
export function ctfMajorVersion(version: string | null): number | null {
  const m = /^(\d{1,2})(\.\d+)?$/.exec(version ?? '');
  return m ? Number(m[1]) : null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
export function isIsoDate(value: string | null): value is string {
  if (!value || !ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

const UK_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/;
const COUNT = /^\d{1,5}$/;

export type PupilParse = { ok: true; pupil: CtfPupil } | { ok: false; sourceId: string; reason: string };

/**
 * One <Pupil> element: well-formedness, then every field the hub uses, each with its own
 * plain-English reason. `today` bounds dates of birth and SEN start dates.
 */
export function parseCtfPupil(xml: string, index: number, today: string): PupilParse {
  const fallbackId = `pupil#${index + 1}`;
  const rawUpn = /<UPN>\s*([^<]*?)\s*<\/UPN>/.exec(xml)?.[1] ?? '';
  const sourceId = rawUpn ? normaliseUpn(rawUpn) : fallbackId;
  const fail = (reason: string): PupilParse => ({ ok: false, sourceId, reason });
  if (XMLValidator.validate(xml) !== true) return fail('The <Pupil> element is not well-formed XML.');
  const p = obj(obj(parser.parse(xml))?.Pupil);
  if (!p) return fail('The <Pupil> element is empty.');

  const upn = text(p.UPN);
  if (!upn) return fail('UPN is missing.');
  if (!isValidUpn(upn)) return fail(`UPN ${upn} is not a valid Unique Pupil Number (shape or check letter).`);
  const surname = text(p.Surname);
  const forename = text(p.Forename);
  if (!surname) return fail('Surname is missing.');
  if (!forename) return fail('Forename is missing.');
  if (surname.length > 100 || forename.length > 100)
    return fail('Surname or Forename is longer than 100 characters.');
  const dob = text(p.DOB);
  if (!isIsoDate(dob)) return fail(`DOB ${dob ?? '(missing)'} is not a date (YYYY-MM-DD).`);
  if (dob > today) return fail(`DOB ${dob} is in the future.`);
  const sexCode = text(p.Sex) ?? text(p.Gender);
  const sex: CtfPupil['sex'] | null =
    sexCode === 'M'
      ? 'male'
      : sexCode === 'F'
        ? 'female'
        : sexCode === 'U' || sexCode === null
          ? 'unknown'
          : null;
  if (!sex) return fail(`Sex ${sexCode} is not a CTF code (M or F).`);

  const address = obj(p.Address);
  const rawPostcode = text(address?.PostCode) ?? text(address?.Postcode);
  const postcode = rawPostcode ? rawPostcode.toUpperCase().replace(/\s+/g, ' ') : null;
  if (postcode && !UK_POSTCODE.test(postcode)) return fail(`PostCode ${rawPostcode} is not a UK postcode.`);

  const history = obj(p.SENhistory);
  const sen: CtfPupil['sen'] = [];
  for (const s of list(history?.SEN)) {
    const startDate = text(s.StartDate);
    const provision = text(s.SENprovision);
    if (!isIsoDate(startDate))
      return fail(`SEN StartDate ${startDate ?? '(missing)'} is not a date (YYYY-MM-DD).`);
    if (startDate > today) return fail(`SEN StartDate ${startDate} is in the future.`);
    if (provision !== 'N' && provision !== 'K' && provision !== 'E')
      return fail(`SENprovision ${provision ?? '(missing)'} is not a CTF code (N, K or E).`);
    sen.push({ startDate, provision });
  }
  const needs: CtfPupil['needs'] = [];
  for (const n of list(obj(history?.SENneeds)?.SENneed)) {
    const type = text(n.SENtype);
    const rank = text(n.SENtypeRank);
    if (!type || !(SEN_TYPES as readonly string[]).includes(type))
      return fail(`SENtype ${type ?? '(missing)'} is not a DfE SEN type code.`);
    if (!rank || !/^\d{1,2}$/.test(rank) || Number(rank) < 1)
      return fail(`SENtypeRank ${rank ?? '(missing)'} is not a rank (1-99).`);
    needs.push({ rank: Number(rank), type: type as CtfPupil['needs'][number]['type'] });
  }
  const attendance: CtfPupil['attendance'] = [];
  for (const y of list(obj(p.Attendance)?.YearData)) {
    const year = text(y.Year);
    const possible = text(y.SessionsPossible);
    const authorised = text(y.SessionsAuthorised) ?? '0';
    const unauthorised = text(y.SessionsUnauthorised) ?? '0';
    if (!year || !/^\d{4}$/.test(year)) return fail(`Attendance Year ${year ?? '(missing)'} is not a year.`);
    if (!possible || !COUNT.test(possible) || !COUNT.test(authorised) || !COUNT.test(unauthorised))
      return fail(`Attendance ${year}: sessions must be whole numbers.`);
    if (Number(authorised) + Number(unauthorised) > Number(possible))
      return fail(`Attendance ${year}: more sessions missed than possible.`);
    attendance.push({
      year: Number(year),
      possible: Number(possible),
      authorised: Number(authorised),
      unauthorised: Number(unauthorised),
    });
  }
  sen.sort((a, b) => a.startDate.localeCompare(b.startDate));
  needs.sort((a, b) => a.rank - b.rank);
  attendance.sort((a, b) => a.year - b.year);
  const latestSen = sen.at(-1);
  const latestYear = attendance.at(-1);
  const attendancePercent =
    latestYear && latestYear.possible > 0
      ? Math.round(
          ((latestYear.possible - latestYear.authorised - latestYear.unauthorised) / latestYear.possible) *
            1000,
        ) / 10
      : null;
  const core: Omit<CtfPupil, 'contentHash'> = {
    upn: normaliseUpn(upn),
    surname,
    forename,
    dob,
    sex,
    postcode,
    sen,
    needs,
    attendance,
    senStatus: latestSen ? PROVISION_STATUS[latestSen.provision] : 'NO_SEN',
    attendancePercent,
  };
  const contentHash = createHash('sha256').update(JSON.stringify(core)).digest('hex');
  return { ok: true, pupil: { ...core, contentHash } };
}
