import type { Purpose, Role } from '@hub/policy';
import {
  type AuditEventInput,
  type AuditOutcome,
  buildAuditEvent,
  canonicalEvent,
  normaliseAuditEventInput,
  type OperationType,
  type StoredAuditEvent,
} from './event.ts';

/**
 * How the verifier reads the chain (verify.ts): each event as ONE text, the columns written by
 * their types' own output functions (what the driver would receive) and separated by U+001F.
 * Text columns follow a `=`, so SQL NULL (which concat writes as nothing) stays apart from ''.
 * Measured on PostgreSQL 15, per event: writing these plain texts costs the server ~3 µs where
 * building a JSON array per row (json_build_array, array_to_json, to_char) cost ~8 µs, and one
 * text column per row costs the driver a fraction of decoding 23 typed columns.
 *
 * Two readings of a text, each exact or declining:
 * - canonicalRow: the event's chain columns and the canonical text fastChainHash hashes, built
 *   straight from the fields (the usual row, formats 1 and 2);
 * - decodePageText: the row's values exactly as the JSON form (PAGE_JSON_SQL) gives them.
 * A row both decline is read in the JSON form, the form the verifier used for every row before.
 */
export const PAGE_TEXT_SQL = `
  select concat(e.seq, ~, e.event_id, ~, e.format, ~, e.occurred_at at time zone 'UTC', ~,
      '=' || e.request_id, ~, '=' || e.actor_sub, ~, '=' || e.actor_role, ~, '=' || e.actor_org, ~,
      '=' || e.purpose, ~, '=' || e.operation_name, ~, '=' || e.operation_type, ~, '=' || e.outcome, ~,
      e.error_codes, ~, e.fields_returned, ~, e.fields_denied, ~, e.break_glass, ~,
      '=' || e.break_glass_reason, ~, '=' || e.client_ip, ~, e.child_ids, ~,
      '=' || e.prev_hash, ~, '=' || e.hash, ~, e.councils, ~, e.child_sections) as r
    from audit.event e where e.seq > $1 and e.seq <= $2 order by e.seq`.replaceAll('~', "E'\\x1f'");

export const SEPARATOR = '\u001f';

/** Field positions in a page text (child_sections last: its JSON is the one field with quotes). */
const F = {
  seq: 0,
  eventId: 1,
  format: 2,
  occurredAt: 3,
  requestId: 4,
  actorSub: 5,
  actorRole: 6,
  actorOrg: 7,
  purpose: 8,
  operationName: 9,
  operationType: 10,
  outcome: 11,
  errorCodes: 12,
  fieldsReturned: 13,
  fieldsDenied: 14,
  breakGlass: 15,
  breakGlassReason: 16,
  clientIp: 17,
  childIds: 18,
  prevHash: 19,
  hash: 20,
  councils: 21,
  childSections: 22,
} as const;
const FIELDS = 23;

/**
 * The same columns as one JSON document, an array of rows each in PageRow order: how the verifier
 * read every row before; now only the rows the text readings decline.
 */
export const PAGE_JSON_SQL = `
  select json_agg(json_build_array(e.seq::text, e.event_id, e.format,
      to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      e.request_id, e.actor_sub, e.actor_role, e.actor_org, e.purpose, e.operation_name, e.operation_type,
      e.outcome, e.error_codes, e.fields_returned, e.fields_denied, e.break_glass, e.break_glass_reason,
      e.client_ip, e.child_ids, e.child_sections, e.prev_hash, e.hash, e.councils) order by e.seq)::text as rows
    from audit.event e where e.seq = any($1::bigint[])`;

export type PageRow = [
  string,
  string,
  number,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string,
  string,
  string[],
  string[],
  string[],
  boolean,
  string | null,
  string | null,
  string[],
  Record<string, string[]>,
  string,
  string,
  string[] | null,
];

/** A page row as the stored event it records (like rowToEvent, without the intermediate row object). */
export function pageRowToEvent(r: PageRow): StoredAuditEvent {
  const sections = r[19] ?? {};
  return {
    format: Number(r[2]),
    seq: Number(r[0]),
    eventId: r[1],
    occurredAt: r[3],
    requestId: r[4],
    actor: { sub: r[5], role: r[6] as Role | null, orgId: r[7] },
    purpose: r[8] as Purpose | null,
    operationName: r[9],
    operationType: r[10] as OperationType,
    outcome: r[11] as AuditOutcome,
    errorCodes: r[12],
    fieldsReturned: r[13],
    fieldsDenied: r[14],
    breakGlass: r[15],
    breakGlassReason: r[16],
    clientIp: r[17],
    children: r[18].map((childId) => ({ childId, sections: sections[childId] ?? [] })),
    ...(Number(r[2]) >= 2 ? { councils: r[22] } : {}),
    childIds: r[18],
    prevHash: r[20],
    hash: r[21],
  };
}

/** `occurred_at at time zone 'UTC'` as DateStyle ISO writes it; a fraction loses trailing zeros. */
const TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;
const MILLISECONDS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/;

/** to_char(…, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') of the same instant: MS truncates, never rounds. */
function isoTime(field: string): string | undefined {
  // The usual case, milliseconds with a last digit that is not 0: only the T and Z differ.
  if (field.length === 23 && field.charCodeAt(22) !== 48 /* 0 */ && MILLISECONDS.test(field))
    return `${field.slice(0, 10)}T${field.slice(11)}Z`;
  const time = TIMESTAMP.exec(field);
  return time ? `${time[1]}T${time[2]}.${(time[3] ?? '').padEnd(3, '0').slice(0, 3)}Z` : undefined;
}

/** A text column: '' was NULL, `=…` a text. undefined: not a text PAGE_TEXT_SQL writes. */
function decodeText(field: string): string | null | undefined {
  if (field === '') return null;
  return field.charCodeAt(0) === 61 /* = */ ? field.slice(1) : undefined;
}

/** White space as array_out's isspace() knows it, and the characters it always quotes. */
const QUOTED_BY_ARRAY_OUT = /["\\{} \t\n\v\f\r]/;
/** Between the braces of an array without quotes: what array_out never writes unquoted. */
const NOT_UNQUOTED = /[\\{} \t\n\v\f\r]|^,|,,|,$/;

/**
 * A one-dimensional array as array_out writes it (`{a,"b c",NULL}`), as the strings and nulls
 * array_to_json gives; '' was NULL. undefined for anything else (more dimensions, explicit
 * bounds).
 */
export function decodeArray(field: string): (string | null)[] | null | undefined {
  if (field === '') return null;
  const end = field.length - 1;
  if (field.charCodeAt(0) !== 123 /* { */ || field.charCodeAt(end) !== 125 /* } */) return undefined;
  if (end === 1) return [];
  // array_out quotes every element that is empty, "NULL" (any case) or holds a quote, backslash,
  // brace, comma or white space. Without a quote, commas split the elements and a brace is nesting.
  if (!field.includes('"', 1)) {
    const inner = field.slice(1, end);
    if (NOT_UNQUOTED.test(inner)) return undefined;
    const values: (string | null)[] = inner.split(',');
    if (inner.includes('NULL'))
      for (let i = 0; i < values.length; i++) if (values[i] === 'NULL') values[i] = null;
    return values;
  }
  const values: (string | null)[] = [];
  let i = 1;
  for (;;) {
    if (field.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = ++i;
      for (;;) {
        if (i >= end) return undefined;
        const c = field.charCodeAt(i);
        if (c === 34) break;
        if (c === 92 /* \ */) {
          // array_out escapes a quote or backslash inside quotes; the next character is itself.
          value += field.slice(from, i);
          from = ++i;
        }
        i++;
      }
      values.push(value + field.slice(from, i));
      i++;
    } else {
      let to = i;
      while (to < end && field.charCodeAt(to) !== 44 /* , */) to++;
      const value = field.slice(i, to);
      if (value === '' || QUOTED_BY_ARRAY_OUT.test(value)) return undefined;
      values.push(value === 'NULL' ? null : value);
      i = to;
    }
    if (i === end) return values;
    if (field.charCodeAt(i) !== 44) return undefined;
    i++;
  }
}

/**
 * A page text as the row the JSON form gives for the same event (every value equal), or null
 * when it is not one of the texts PAGE_TEXT_SQL writes for an ordinary row: a value holding
 * U+001F, a NULL where the JSON form's value would not be null, an odd array or timestamp.
 */
export function decodePageText(text: string): PageRow | null {
  const f = text.split(SEPARATOR);
  if (f.length !== FIELDS) return null;
  const [seq, eventId, format, breakGlass] = [f[F.seq]!, f[F.eventId]!, f[F.format]!, f[F.breakGlass]!];
  const occurredAt = isoTime(f[F.occurredAt]!);
  if (
    seq === '' ||
    eventId === '' ||
    format === '' ||
    (breakGlass !== 't' && breakGlass !== 'f') ||
    occurredAt === undefined
  )
    return null;
  let sections: unknown;
  try {
    sections = f[F.childSections] === '' ? null : JSON.parse(f[F.childSections]!);
  } catch {
    return null;
  }
  const row: unknown[] = new Array(FIELDS);
  row[0] = seq;
  row[1] = eventId;
  row[2] = Number(format);
  row[3] = occurredAt;
  row[15] = breakGlass === 't';
  row[19] = sections;
  for (let i = 0; i < TEXTS.length; i++) {
    const value = decodeText(f[TEXTS[i]!]!);
    if (value === undefined) return null;
    row[TEXT_AT[i]!] = value;
  }
  for (let i = 0; i < ARRAYS.length; i++) {
    const value = decodeArray(f[ARRAYS[i]!]!);
    if (value === undefined) return null;
    row[ARRAY_AT[i]!] = value;
  }
  return row as PageRow;
}

// Text and array fields of a page text, and where each goes in a PageRow.
// biome-ignore format: pairs
const TEXTS = [F.requestId, F.actorSub, F.actorRole, F.actorOrg, F.purpose, F.operationName, F.operationType, F.outcome, F.breakGlassReason, F.clientIp, F.prevHash, F.hash];
const TEXT_AT = [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 20, 21];
const ARRAYS = [F.errorCodes, F.fieldsReturned, F.fieldsDenied, F.childIds, F.councils];
const ARRAY_AT = [12, 13, 14, 18, 22];

/** An event's chain columns and canonical text, as canonicalRow reads them from a page text. */
export interface CanonicalRow {
  seq: number;
  eventId: string;
  prevHash: string;
  hash: string;
  /** Exactly fastChainHash's text for the event the JSON form gives (canonicalEvent's, for a true event). */
  canonical: string;
}

/**
 * The canonical text of a format-1 or format-2 event straight from its page text: the values
 * decodePageText gives, put into fastChainHash's object (the same keys in the same order) and
 * written by JSON.stringify, without the PageRow, the stored event and their copies in between.
 * null for anything else (another format, a row decodePageText declines, no hash): the verifier
 * then reads that row exactly. A text equal to the stored event's canonical text means the
 * values are the stored event's values: JSON.stringify writes different values differently.
 */
export function canonicalRow(text: string): CanonicalRow | null {
  if (!FAST_CANONICAL_ROW) return null;
  const f = text.split(SEPARATOR);
  if (f.length !== FIELDS) return null;
  const [seq, eventId, format, breakGlass] = [f[F.seq]!, f[F.eventId]!, f[F.format]!, f[F.breakGlass]!];
  const occurredAt = isoTime(f[F.occurredAt]!);
  const [prevHash, hash] = [decodeText(f[F.prevHash]!), decodeText(f[F.hash]!)];
  if (
    seq === '' ||
    eventId === '' ||
    (format !== '1' && format !== '2') ||
    (breakGlass !== 't' && breakGlass !== 'f') ||
    occurredAt === undefined ||
    typeof prevHash !== 'string' ||
    typeof hash !== 'string'
  )
    return null;
  const requestId = decodeText(f[F.requestId]!);
  const sub = decodeText(f[F.actorSub]!);
  const role = decodeText(f[F.actorRole]!);
  const orgId = decodeText(f[F.actorOrg]!);
  const purpose = decodeText(f[F.purpose]!);
  const operationName = decodeText(f[F.operationName]!);
  const operationType = decodeText(f[F.operationType]!);
  const outcome = decodeText(f[F.outcome]!);
  const breakGlassReason = decodeText(f[F.breakGlassReason]!);
  const clientIp = decodeText(f[F.clientIp]!);
  const errorCodes = decodeArray(f[F.errorCodes]!);
  const fieldsReturned = decodeArray(f[F.fieldsReturned]!);
  const fieldsDenied = decodeArray(f[F.fieldsDenied]!);
  const childIds = decodeArray(f[F.childIds]!);
  const councils = decodeArray(f[F.councils]!);
  if (
    requestId === undefined ||
    sub === undefined ||
    role === undefined ||
    orgId === undefined ||
    purpose === undefined ||
    operationName === undefined ||
    operationType === undefined ||
    outcome === undefined ||
    breakGlassReason === undefined ||
    clientIp === undefined ||
    errorCodes === undefined ||
    fieldsReturned === undefined ||
    fieldsDenied === undefined ||
    !childIds ||
    councils === undefined
  )
    return null;
  let sections: Record<string, unknown>;
  try {
    sections = f[F.childSections] === '' ? {} : (JSON.parse(f[F.childSections]!) ?? {});
  } catch {
    return null;
  }
  const children = childIds.map((childId) => ({
    childId,
    sections: sections[childId as string] ?? [],
  }));
  const actor = { orgId, role, sub };
  const canonical =
    format === '1'
      ? JSON.stringify({
          actor,
          breakGlass: breakGlass === 't',
          breakGlassReason,
          children,
          clientIp,
          errorCodes,
          eventId,
          fieldsDenied,
          fieldsReturned,
          format: 1,
          occurredAt,
          operationName,
          operationType,
          outcome,
          purpose,
          requestId,
          seq: Number(seq),
        })
      : JSON.stringify({
          actor,
          breakGlass: breakGlass === 't',
          breakGlassReason,
          children,
          clientIp,
          councils,
          errorCodes,
          eventId,
          fieldsDenied,
          fieldsReturned,
          format: 2,
          occurredAt,
          operationName,
          operationType,
          outcome,
          purpose,
          requestId,
          seq: Number(seq),
        });
  return { seq: Number(seq), eventId, prevHash, hash, canonical };
}

/**
 * The text PAGE_TEXT_SQL writes for a stored event whose values need no quoting in arrays (for
 * the self-check below and tests). PostgreSQL drops a fraction's trailing zeros; so does this.
 */
export function pageTextOf(event: StoredAuditEvent): string {
  const text = (value: string | null) => (value === null ? '' : `=${value}`);
  const array = (values: readonly string[] | null | undefined) =>
    values == null ? '' : `{${values.join(',')}}`;
  const sections: Record<string, string[]> = {};
  for (const child of event.children) sections[child.childId] = child.sections;
  const fields: string[] = [];
  fields[F.seq] = String(event.seq);
  fields[F.eventId] = event.eventId;
  fields[F.format] = String(event.format);
  fields[F.occurredAt] = event.occurredAt.replace('T', ' ').replace(/\.?0*Z$/, '');
  fields[F.requestId] = text(event.requestId);
  fields[F.actorSub] = text(event.actor.sub);
  fields[F.actorRole] = text(event.actor.role);
  fields[F.actorOrg] = text(event.actor.orgId);
  fields[F.purpose] = text(event.purpose);
  fields[F.operationName] = text(event.operationName);
  fields[F.operationType] = text(event.operationType);
  fields[F.outcome] = text(event.outcome);
  fields[F.errorCodes] = array(event.errorCodes);
  fields[F.fieldsReturned] = array(event.fieldsReturned);
  fields[F.fieldsDenied] = array(event.fieldsDenied);
  fields[F.breakGlass] = event.breakGlass ? 't' : 'f';
  fields[F.breakGlassReason] = text(event.breakGlassReason);
  fields[F.clientIp] = text(event.clientIp);
  fields[F.childIds] = array(event.childIds);
  fields[F.prevHash] = text(event.prevHash);
  fields[F.hash] = text(event.hash);
  fields[F.councils] = array(event.format >= 2 ? event.councils : null);
  fields[F.childSections] = JSON.stringify(sections);
  return fields.join(SEPARATOR);
}

// Ids used only by the self-check below (no child has them).
const SAMPLE_CHILD_A = '6f1c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60';
const SAMPLE_CHILD_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

/**
 * At load: canonicalRow gives exactly canonicalEvent's text for varied events of both formats,
 * so a change to the event model switches it off (every row then read exactly) instead of
 * making every event look changed.
 */
function selfCheck(): boolean {
  try {
    const base: AuditEventInput = {
      requestId: 'req-1 "quoted" \\ é 😀',
      actor: { sub: 'sample-user', role: 'senco', orgId: 'school-1' },
      purpose: 'ehc_assessment',
      operationName: 'ChildRecord:child,children',
      operationType: 'query',
      outcome: 'ok',
      fieldsReturned: ['Child.givenName', 'EducationSection.senStatus'],
      children: [{ childId: SAMPLE_CHILD_A, sections: ['Child'] }],
    };
    const inputs: AuditEventInput[] = [
      base,
      {
        ...base,
        actor: { sub: null, role: null, orgId: null },
        purpose: null,
        operationName: null,
        operationType: 'unknown',
        outcome: 'denied',
        errorCodes: ['FORBIDDEN', 'A'],
        fieldsDenied: ['Child.nhsNumber:NOT_PERMITTED'],
        breakGlass: true,
        breakGlassReason: 'Synthetic reason\nwith a line break',
        clientIp: '127.0.0.1',
        children: [
          { childId: SAMPLE_CHILD_B, sections: ['HealthSection', 'Child'] },
          { childId: SAMPLE_CHILD_A, sections: [] },
        ],
      },
      { ...base, children: [], fieldsReturned: [] },
      { ...base, councils: ['la-2', 'la-1'] },
      { ...base, councils: [] },
    ];
    return inputs.every((input, i) => {
      const built = buildAuditEvent(normaliseAuditEventInput(input), {
        seq: 41 + i,
        occurredAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, [678, 0, 600, 60, 6][i]!)),
      });
      const hash = 'f'.repeat(64);
      const event: StoredAuditEvent = {
        ...built,
        childIds: built.children.map((c) => c.childId),
        prevHash: hash,
        hash,
      };
      return canonicalRow(pageTextOf(event))?.canonical === canonicalEvent(event);
    });
  } catch {
    return false;
  }
}

let FAST_CANONICAL_ROW = true;
/** Whether canonicalRow is in use (false: the event model changed; every row is read exactly). */
export const CANONICAL_ROW = selfCheck();
FAST_CANONICAL_ROW = CANONICAL_ROW;
