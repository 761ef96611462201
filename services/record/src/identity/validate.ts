import {
  isTemporaryUpn,
  isValidNhsNumber,
  isValidUpn,
  normaliseNhsNumber,
  normaliseUpn,
} from '@hub/identifiers';
import { normalisePostcode, type Sex } from './scoring.ts';

/** Records per resolve call: a secondary school's CTF (≈1,500 pupils) fits in one. */
export const MAX_RECORDS = 2000;
/** Source ids per links call. */
export const MAX_SOURCE_IDS = 2000;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** `<format>:<sending organisation id>`, e.g. ctf:school-1, fhir:trust-1, cin:la-1. */
const SYSTEM = /^([a-z][a-z0-9-]{0,19}):([A-Za-z0-9._-]{1,80})$/;
const SEXES: readonly Sex[] = ['male', 'female', 'other', 'unknown'];

/** A source record after validation: identifiers normalised, strings trimmed. */
export interface SourceRecord {
  system: string;
  sourceId: string;
  nhsNumber: string | null;
  nhsNumberVerified: boolean;
  upn: string | null;
  laChildId: string | null;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  sex: Sex | null;
  postcode: string | null;
}

export type Checked =
  | { ok: true; record: SourceRecord }
  | { ok: false; system: string; sourceId: string; problems: string[] };

/** The whole request was unusable (400); per-record problems are answered per record instead. */
export class ResolveRequestError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid request: ${problems.join('; ')}.`);
    this.name = 'ResolveRequestError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}

function text(
  value: unknown,
  name: string,
  problems: string[],
  { required, max }: { required: boolean; max: number },
): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) problems.push(`${name} is required`);
    return null;
  }
  if (typeof value !== 'string') {
    problems.push(`${name} must be a string`);
    return null;
  }
  const trimmed = value.trim();
  if (required && trimmed.length === 0) problems.push(`${name} is required`);
  else if (trimmed.length > max) problems.push(`${name} must be at most ${max} characters`);
  return trimmed || null;
}

/**
 * Validates the resolve request. Whole-request problems (no orgId, records not an array, more
 * than MAX_RECORDS) throw ResolveRequestError; a bad record is reported on its own (every
 * problem at once) and never stops the good ones.
 */
export function validateResolveRequest(body: unknown, today: string): { orgId: string; checked: Checked[] } {
  if (!isObject(body)) throw new ResolveRequestError(['the body must be a JSON object {orgId, records}']);
  const problems: string[] = [];
  const orgId = typeof body.orgId === 'string' ? body.orgId.trim() : '';
  if (!/^[A-Za-z0-9._-]{1,80}$/.test(orgId))
    problems.push('orgId must be the sending organisation id (1 to 80 letters, digits, . _ -)');
  if (!Array.isArray(body.records)) problems.push('records must be an array');
  else if (body.records.length > MAX_RECORDS)
    problems.push(
      `records may hold at most ${MAX_RECORDS} records (got ${body.records.length}); send several requests`,
    );
  if (problems.length > 0) throw new ResolveRequestError(problems);
  const seen = new Set<string>();
  const checked = (body.records as unknown[]).map((raw, index) => {
    const result = checkRecord(raw, index, orgId, today);
    if (result.ok) {
      const key = `${result.record.system}\u0000${result.record.sourceId}`;
      if (seen.has(key)) {
        return {
          ok: false as const,
          system: result.record.system,
          sourceId: result.record.sourceId,
          problems: [`records[${index}] repeats (system, sourceId) of an earlier record in this request`],
        };
      }
      seen.add(key);
    }
    return result;
  });
  return { orgId, checked };
}

function checkRecord(raw: unknown, index: number, orgId: string, today: string): Checked {
  const at = `records[${index}]`;
  if (!isObject(raw)) return { ok: false, system: '', sourceId: '', problems: [`${at} must be an object`] };
  const problems: string[] = [];
  const system = text(raw.system, `${at}.system`, problems, { required: true, max: 100 }) ?? '';
  const sourceId = text(raw.sourceId, `${at}.sourceId`, problems, { required: true, max: 200 }) ?? '';
  const systemMatch = SYSTEM.exec(system);
  if (system && !systemMatch) {
    problems.push(`${at}.system must be "<format>:<organisation id>", e.g. ctf:${orgId}`);
  } else if (systemMatch && systemMatch[2] !== orgId) {
    // A sender writes only into its own namespace: another organisation's source ids are not its to claim.
    problems.push(`${at}.system names organisation ${systemMatch[2]}, but the request comes from ${orgId}`);
  }

  const ids = raw.identifiers === undefined ? {} : raw.identifiers;
  let nhsNumber: string | null = null;
  let upn: string | null = null;
  let laChildId: string | null = null;
  let nhsNumberVerified = false;
  if (!isObject(ids)) problems.push(`${at}.identifiers must be an object`);
  else {
    const nhs = text(ids.nhsNumber, `${at}.identifiers.nhsNumber`, problems, { required: false, max: 20 });
    if (nhs !== null) {
      if (isValidNhsNumber(nhs)) nhsNumber = normaliseNhsNumber(nhs);
      else
        problems.push(
          `${at}.identifiers.nhsNumber is not a valid NHS number (10 digits with a correct Modulus 11 check digit)`,
        );
    }
    if (ids.nhsNumberVerified !== undefined && typeof ids.nhsNumberVerified !== 'boolean') {
      problems.push(`${at}.identifiers.nhsNumberVerified must be true or false`);
    }
    nhsNumberVerified = ids.nhsNumberVerified === true;
    const u = text(ids.upn, `${at}.identifiers.upn`, problems, { required: false, max: 20 });
    if (u !== null) {
      if (isValidUpn(u)) upn = normaliseUpn(u);
      else
        problems.push(
          `${at}.identifiers.upn is not a valid Unique Pupil Number (13 characters with a correct check letter)`,
        );
    }
    laChildId = text(ids.laChildId, `${at}.identifiers.laChildId`, problems, { required: false, max: 50 });
  }

  const demo = raw.demographics;
  let givenName = '';
  let familyName = '';
  let dateOfBirth = '';
  let sex: Sex | null = null;
  let postcode: string | null = null;
  if (!isObject(demo))
    problems.push(
      `${at}.demographics must be an object {givenName, familyName, dateOfBirth, sex?, postcode?}`,
    );
  else {
    givenName =
      text(demo.givenName, `${at}.demographics.givenName`, problems, { required: true, max: 100 }) ?? '';
    familyName =
      text(demo.familyName, `${at}.demographics.familyName`, problems, { required: true, max: 100 }) ?? '';
    const dob = text(demo.dateOfBirth, `${at}.demographics.dateOfBirth`, problems, {
      required: true,
      max: 10,
    });
    if (dob !== null) {
      if (!isIsoDate(dob)) problems.push(`${at}.demographics.dateOfBirth must be a real date, YYYY-MM-DD`);
      else if (dob > today) problems.push(`${at}.demographics.dateOfBirth is in the future`);
      else dateOfBirth = dob;
    }
    if (demo.sex !== undefined && demo.sex !== null) {
      if (typeof demo.sex === 'string' && (SEXES as readonly string[]).includes(demo.sex))
        sex = demo.sex as Sex;
      else problems.push(`${at}.demographics.sex must be one of ${SEXES.join(', ')}`);
    }
    const pc = text(demo.postcode, `${at}.demographics.postcode`, problems, { required: false, max: 10 });
    if (pc !== null) {
      postcode = normalisePostcode(pc);
      if (!postcode || !/^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(postcode)) {
        problems.push(`${at}.demographics.postcode is not a UK postcode`);
        postcode = null;
      }
    }
  }
  if (problems.length > 0) return { ok: false, system, sourceId, problems };
  return {
    ok: true,
    record: {
      system,
      sourceId,
      nhsNumber,
      nhsNumberVerified,
      upn,
      laChildId,
      givenName,
      familyName,
      dateOfBirth,
      sex,
      postcode,
    },
  };
}

/** A UPN the hub links on: valid and permanent (a temporary UPN, ending in a letter, is replaced later). */
export function isLinkableUpn(upn: string | null): upn is string {
  return upn !== null && !isTemporaryUpn(upn);
}

/** Validates the links request {system, sourceIds[]}. */
export function validateLinksRequest(body: unknown): { system: string; sourceIds: string[] } {
  if (!isObject(body)) throw new ResolveRequestError(['the body must be a JSON object {system, sourceIds}']);
  const problems: string[] = [];
  const system = typeof body.system === 'string' ? body.system.trim() : '';
  if (!SYSTEM.test(system)) problems.push('system must be "<format>:<organisation id>", e.g. ctf:school-1');
  const ids = body.sourceIds;
  if (!Array.isArray(ids)) problems.push('sourceIds must be an array of strings');
  else {
    if (ids.length > MAX_SOURCE_IDS) problems.push(`sourceIds may hold at most ${MAX_SOURCE_IDS} ids`);
    const bad = ids.findIndex((id) => typeof id !== 'string' || id.trim().length === 0 || id.length > 200);
    if (bad >= 0) problems.push(`sourceIds[${bad}] must be a non-empty string of at most 200 characters`);
  }
  if (problems.length > 0) throw new ResolveRequestError(problems);
  return { system, sourceIds: (ids as string[]).map((id) => id.trim()) };
}
