import { SERVICE_TOKEN_HEADER, type SystemPrincipal, signServiceToken } from '@hub/auth';
import { SaxesParser } from 'saxes';
import { Pool } from 'undici';
import { HubError, isHubError } from './errors.ts';
import type { IdentityRecord, IdentityResult, RecordAnswer, RecordBody } from './record-api.ts';
import { callRecord } from './record-client.ts';

/**
 * What the agency adapters (CTF, CIN, FHIR) share when a system sends records in: the
 * per-file report, one write-ahead audit trail per ingest, and the record service's identity
 * route (the master child index decides which child a source record belongs to).
 */

/** What happened to one record of a file. */
export type IngestOutcome = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface IngestRecordResult {
  /** The record's id in the source system (UPN, LA child id, FHIR id), or its position when it has none. */
  sourceId: string;
  outcome: IngestOutcome;
  /** How it stands with identity matching: linked (visible), or waiting/refused (hidden). */
  link?: 'linked' | 'review' | 'conflict' | 'rejected';
  /** Plain English: why rejected, why not linked, why unchanged. */
  reason?: string;
}

export interface IngestReport {
  file: string;
  counts: Record<IngestOutcome, number>;
  /** Children whose section this ingest created or changed (linked records only). */
  children: string[];
  /** Records linked to a child / waiting for the council's review / refused by matching. */
  linked: number;
  pending: number;
  records: IngestRecordResult[];
}

export function emptyReport(file: string): IngestReport {
  return {
    file,
    counts: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
    children: [],
    linked: 0,
    pending: 0,
    records: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Audit: one event per ingest, written by the adapter itself, write-ahead.

export interface IngestAuditOptions {
  auditUrl: string;
  secret: string;
  timeoutMs?: number;
}

/** Summary that fits the audit event's operationName (≤ 300 characters). */
function operationName(format: string, file: string, report?: IngestReport, refusal?: string): string {
  const base = `Ingest${format.toUpperCase()}`;
  const tail = report
    ? `created=${report.counts.created},updated=${report.counts.updated},unchanged=${report.counts.unchanged},rejected=${report.counts.rejected},pending=${report.pending}`
    : refusal
      ? `refused=${refusal}`
      : 'started';
  // The file name is the sender's text: keep it printable and short.
  const name = file.replace(/[^\w.-]/g, '_').slice(0, 120) || 'unnamed';
  return `${base}:${tail}:file=${name}`.slice(0, 300);
}

/**
 * Writes ingest audit events to the audit service (`POST /internal/audit-events`, service
 * token of audience `audit-writer`), like the gateway does for GraphQL. The actor is the
 * system: its client id as `sub`, its organisation, no role (a system is not a person).
 *
 * - `attempt` is written BEFORE anything of the file is stored: when it fails the adapter
 *   answers 503 and writes nothing (no audit, no ingest).
 * - `outcome` (ok with counts and the children touched, or error) follows before the answer.
 * - `refused` is the one event of a file refused as a whole (wrong school, wrong council,
 *   unsupported version, unreadable header): nothing was written.
 */
export function createIngestAudit(options: IngestAuditOptions) {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const base = new URL(options.auditUrl);
  const path = `${base.pathname.replace(/\/$/, '')}/internal/audit-events`;
  const pool = new Pool(base.origin, { connections: 4, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });

  async function write(event: Record<string, unknown>, requestId: string): Promise<boolean> {
    try {
      const response = await pool.request({
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SERVICE_TOKEN_HEADER]: await signServiceToken(options.secret, 'audit-writer', requestId),
        },
        body: JSON.stringify(event),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body.dump().catch(() => {});
      return response.statusCode === 201;
    } catch {
      return false;
    }
  }

  const actor = (system: SystemPrincipal) => ({ sub: system.clientId, role: null, orgId: system.orgId });
  const base_ = (requestId: string, system: SystemPrincipal, clientIp: string | null) => ({
    requestId,
    actor: actor(system),
    purpose: null,
    operationType: 'mutation',
    clientIp,
  });

  return {
    attempt(input: {
      requestId: string;
      system: SystemPrincipal;
      format: string;
      file: string;
      clientIp: string | null;
    }) {
      return write(
        {
          ...base_(input.requestId, input.system, input.clientIp),
          operationName: operationName(input.format, input.file),
          outcome: 'attempted',
        },
        input.requestId,
      );
    },
    outcome(input: {
      requestId: string;
      system: SystemPrincipal;
      format: string;
      report: IngestReport;
      clientIp: string | null;
      error?: string;
    }) {
      const { report } = input;
      return write(
        {
          ...base_(input.requestId, input.system, input.clientIp),
          operationName: operationName(input.format, report.file, report),
          outcome: input.error ? 'error' : 'ok',
          errorCodes: input.error ? [input.error] : report.counts.rejected > 0 ? ['INVALID_INPUT'] : [],
          children: report.children.slice(0, 10_000).map((childId) => ({ childId, sections: [] })),
        },
        input.requestId,
      );
    },
    refused(input: {
      requestId: string;
      system: SystemPrincipal;
      format: string;
      file: string;
      code: string;
      clientIp: string | null;
    }) {
      return write(
        {
          ...base_(input.requestId, input.system, input.clientIp),
          operationName: operationName(input.format, input.file, undefined, input.code),
          outcome: 'denied',
          errorCodes: [input.code],
        },
        input.requestId,
      );
    },
    close: () => pool.close(),
  };
}
export type IngestAudit = ReturnType<typeof createIngestAudit>;

// ---------------------------------------------------------------------------------------------
// Identity: the record service's master child index (Q3's contract).

export type { IdentityRecord, IdentityResult };

/** The contract's bound on one resolve call. */
export const IDENTITY_BATCH = 2000;

/**
 * One call to an identity route (RECORD_API.identityResolve / identityLinks) with a service
 * token. For an agency's file, anything but an answer means "not processed, send it again
 * later" (503 to the sending system, nothing stored), so every refusal stays UNAVAILABLE here,
 * with the record's reason when it gave one.
 */
async function callIdentity<N extends 'identityResolve' | 'identityLinks'>(
  recordBaseUrl: string,
  secret: string,
  requestId: string,
  name: N,
  body: RecordBody<N>,
): Promise<RecordAnswer<N>> {
  try {
    return await callRecord(recordBaseUrl, name, body, {
      serviceToken: await signServiceToken(secret, 'identity-resolve', requestId),
      unavailable: 'Identity matching (the record service) is unavailable.',
      // A record service that hangs must not hold an agency's file open for ever.
      timeoutMs: 30_000,
    });
  } catch (error) {
    if (isHubError(error) && error.code !== 'UNAVAILABLE')
      throw new HubError('UNAVAILABLE', `Identity matching refused the records: ${error.message}`);
    throw error;
  }
}

/** Resolves source records to children, in batches of the contract's maximum, answers in order. */
export async function resolveIdentities(
  recordBaseUrl: string,
  secret: string,
  requestId: string,
  orgId: string,
  records: IdentityRecord[],
): Promise<IdentityResult[]> {
  const results: IdentityResult[] = [];
  for (let i = 0; i < records.length; i += IDENTITY_BATCH) {
    const batch = records.slice(i, i + IDENTITY_BATCH);
    const answer = await callIdentity(recordBaseUrl, secret, requestId, 'identityResolve', {
      orgId,
      records: batch,
    });
    if (!Array.isArray(answer.results) || answer.results.length !== batch.length)
      throw new HubError('UNAVAILABLE', 'Identity matching answered with the wrong number of results.');
    results.push(...answer.results);
  }
  return results;
}

/**
 * Current child of each source record (links confirmed or undone by the council since the
 * record arrived). Answer: `{ links: [{ sourceId, childId | null }] }`.
 */
export type CurrentLink = { childId: string | null; status: IdentityResult['status'] | 'unknown' };

export async function currentLinks(
  recordBaseUrl: string,
  secret: string,
  requestId: string,
  system: string,
  sourceIds: string[],
): Promise<Map<string, CurrentLink>> {
  const links = new Map<string, CurrentLink>();
  for (let i = 0; i < sourceIds.length; i += IDENTITY_BATCH) {
    const batch = sourceIds.slice(i, i + IDENTITY_BATCH);
    const answer = await callIdentity(recordBaseUrl, secret, requestId, 'identityLinks', {
      system,
      sourceIds: batch,
    });
    for (const link of answer.links) links.set(link.sourceId, { childId: link.childId, status: link.status });
  }
  return links;
}

// ---------------------------------------------------------------------------------------------
// XML records, one at a time, from a stream.

/** Text and attribute values written back as XML (the five predefined entities only). */
const escapeText = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (t: string) => escapeText(t).replace(/"/g, '&quot;');

/**
 * Splits a streamed XML document into its header (everything before the first `<tag>`) and each
 * complete `<tag>…</tag>` element, with a maintained streaming XML parser (saxes): the document is
 * parsed as it arrives, never held whole, so memory stays at one chunk plus one record whatever
 * the file size. Every record is well-formed XML by construction: it is written back from the
 * parser's events (comments dropped, CDATA as escaped text), so nothing inside a comment or a
 * CDATA section can end a record early. A DOCTYPE is refused (no entity declarations, ever: only
 * XML's five predefined entities and character references are read); malformed XML is refused
 * with the parser's line and column.
 */
export async function* xmlRecords(
  source: AsyncIterable<Buffer | string>,
  tag: string,
): AsyncGenerator<
  | { kind: 'header'; xml: string }
  | { kind: 'record'; xml: string; index: number }
  | { kind: 'tail'; xml: string }
> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  type Part = { kind: 'header'; xml: string } | { kind: 'record'; xml: string; index: number };
  const ready: Part[] = [];
  let problem: HubError | undefined;
  let header: string[] | null = [];
  let headerLength = 0;
  let record: string[] | null = null;
  let recordLength = 0;
  let depth = 0;
  let index = 0;
  const fail = (message: string) => {
    problem ??= new HubError('INVALID_INPUT', message);
  };
  const out = (text: string) => {
    if (record) {
      record.push(text);
      recordLength += text.length;
      if (recordLength > 5_000_000) fail(`A <${tag}> is larger than 5 MB.`);
    } else if (header) {
      header.push(text);
      headerLength += text.length;
      if (headerLength > 1_000_000) fail(`No <${tag}> in the first megabyte.`);
    }
  };
  parser.on('doctype', () =>
    fail('A DOCTYPE (entity declarations) is not accepted in an agency file; send it without one.'),
  );
  parser.on('error', (error) => fail(`Not well-formed XML: ${error.message}`));
  parser.on('opentag', (node) => {
    if (!record && node.name === tag) {
      if (header) {
        ready.push({ kind: 'header', xml: header.join('') });
        header = null;
      }
      record = [];
      recordLength = 0;
      depth = 0;
    }
    if (record) depth++;
    let text = `<${node.name}`;
    for (const [name, value] of Object.entries(node.attributes))
      text += ` ${name}="${escapeAttr(String(value))}"`;
    out(`${text}>`);
  });
  parser.on('text', (text) => out(escapeText(text)));
  parser.on('cdata', (text) => out(escapeText(text)));
  parser.on('closetag', (node) => {
    out(`</${node.name}>`);
    if (record && --depth === 0) {
      ready.push({ kind: 'record', xml: record.join(''), index: index++ });
      record = null;
    }
  });
  const decoder = new TextDecoder('utf-8');
  const drain = function* () {
    if (problem) throw problem;
    yield* ready.splice(0);
  };
  for await (const chunk of source) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text) parser.write(text);
    yield* drain();
  }
  const rest = decoder.decode();
  if (rest) parser.write(rest);
  parser.close();
  yield* drain();
  if (header) yield { kind: 'header', xml: header.join('') };
  yield { kind: 'tail', xml: '' };
}

// ---------------------------------------------------------------------------------------------
// The shared ingest run: header check, write-ahead audit, records in batches, report.

/** A whole file refused (nothing written): its HTTP status and code. */
export class IngestRefusal extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 422,
    readonly code: 'INVALID_INPUT' | 'FORBIDDEN' | 'UNSUPPORTED_VERSION',
    message: string,
  ) {
    super(message);
    this.name = 'IngestRefusal';
  }
}

export type ParsedRecord<R> =
  | { ok: true; record: R; sourceId: string }
  | { ok: false; sourceId: string; reason: string };

export interface StoredResult {
  sourceId: string;
  outcome: IngestOutcome;
  link: IdentityResult['status'];
  childId?: string | undefined;
  reason?: string | undefined;
}

export interface XmlIngestSpec<H, R> {
  format: 'ctf' | 'cin';
  recordTag: string;
  /** Header from the text before the first record; throws IngestRefusal. */
  parseHeader(prefix: string): H;
  /** Checks the header against the sending system; returns the source system name (e.g. `ctf:school-1`). Throws IngestRefusal. */
  checkHeader(header: H, system: SystemPrincipal): Promise<string>;
  /** One record; the checked header (e.g. the census reference date) bounds its dates. */
  parseRecord(xml: string, index: number, header: H): ParsedRecord<R>;
  identity(record: R, sourceSystem: string): IdentityRecord;
  /**
   * Applies link decisions made since the last file (the council confirmed, rejected or undid a
   * match): `links` is the current child of each held source record of `sourceSystem`. Returns
   * the children whose section appeared or went. Runs after the attempt is audited.
   */
  relink?(
    sourceSystem: string,
    current: (sourceIds: string[]) => Promise<Map<string, CurrentLink>>,
  ): Promise<string[]>;
  /** Stores one batch (its own transaction); answers per record in order. */
  store(
    batch: Array<{ record: R; sourceId: string; identity: IdentityResult }>,
    header: H,
    sourceSystem: string,
  ): Promise<StoredResult[]>;
}

export interface XmlIngestRun {
  source: AsyncIterable<Buffer | string>;
  file: string;
  system: SystemPrincipal;
  requestId: string;
  clientIp: string | null;
  audit: IngestAudit;
  recordBaseUrl: string;
  secret: string;
  /** Records per identity call and database transaction. */
  batchSize?: number;
  onProgress?: (records: number) => void;
}

/**
 * Runs one file through an adapter: the header is checked first (a file for another school or
 * council, or of an unsupported version, is refused whole and audited as denied); the attempt
 * is audited before anything is written (audit down: UNAVAILABLE, nothing written); then each
 * batch of records is parsed one by one (a bad record is rejected with its reason, the others
 * go on), matched to children by the record service and stored; the outcome event with the
 * counts and the children touched is written before the report is returned.
 */
export async function runXmlIngest<H, R>(
  spec: XmlIngestSpec<H, R>,
  run: XmlIngestRun,
): Promise<IngestReport> {
  const report = emptyReport(run.file);
  const batchSize = run.batchSize ?? 500;
  const seen = new Set<string>();
  const touched = new Set<string>();
  let header: H | undefined;
  let sourceSystem = '';
  let batch: Array<{ record: R; sourceId: string }> = [];
  let processed = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const current = batch;
    batch = [];
    const identities = await resolveIdentities(
      run.recordBaseUrl,
      run.secret,
      run.requestId,
      run.system.orgId,
      current.map((b) => spec.identity(b.record, sourceSystem)),
    );
    const stored = await spec.store(
      current.map((b, i) => ({ ...b, identity: identities[i]! })),
      header as H,
      sourceSystem,
    );
    for (const s of stored) {
      report.counts[s.outcome]++;
      if (s.link === 'linked') report.linked++;
      else report.pending++;
      if (s.childId && (s.outcome === 'created' || s.outcome === 'updated')) touched.add(s.childId);
      if (s.link !== 'linked' || s.reason)
        report.records.push({
          sourceId: s.sourceId,
          outcome: s.outcome,
          link: s.link,
          ...(s.reason ? { reason: s.reason } : {}),
        });
    }
    processed += current.length;
    run.onProgress?.(processed);
  };

  let attempted = false;
  try {
    for await (const part of xmlRecords(run.source, spec.recordTag)) {
      if (part.kind === 'header') {
        try {
          header = spec.parseHeader(part.xml);
          sourceSystem = await spec.checkHeader(header, run.system);
        } catch (error) {
          if (!(error instanceof IngestRefusal)) throw error;
          const ok = await run.audit.refused({
            requestId: run.requestId,
            system: run.system,
            format: spec.format,
            file: run.file,
            code: error.code,
            clientIp: run.clientIp,
          });
          if (!ok) throw new HubError('UNAVAILABLE', 'The audit log is unavailable: nothing was stored.');
          throw error;
        }
        attempted = await run.audit.attempt({
          requestId: run.requestId,
          system: run.system,
          format: spec.format,
          file: run.file,
          clientIp: run.clientIp,
        });
        if (!attempted)
          throw new HubError('UNAVAILABLE', 'The audit log is unavailable: nothing was stored.');
        if (spec.relink) {
          const changed = await spec.relink(sourceSystem, (ids) =>
            currentLinks(run.recordBaseUrl, run.secret, run.requestId, sourceSystem, ids),
          );
          for (const id of changed) touched.add(id);
        }
        continue;
      }
      if (part.kind === 'tail') continue;
      const parsed = spec.parseRecord(part.xml, part.index, header as H);
      if (!parsed.ok) {
        report.counts.rejected++;
        report.records.push({ sourceId: parsed.sourceId, outcome: 'rejected', reason: parsed.reason });
        continue;
      }
      if (seen.has(parsed.sourceId)) {
        report.counts.rejected++;
        report.records.push({
          sourceId: parsed.sourceId,
          outcome: 'rejected',
          reason: `${parsed.sourceId} appears more than once in the file; only the first was read.`,
        });
        continue;
      }
      seen.add(parsed.sourceId);
      batch.push({ record: parsed.record, sourceId: parsed.sourceId });
      if (batch.length >= batchSize) await flush();
    }
    await flush();
  } catch (error) {
    if (attempted) {
      report.children = [...touched];
      await run.audit.outcome({
        requestId: run.requestId,
        system: run.system,
        format: spec.format,
        report,
        clientIp: run.clientIp,
        error:
          error instanceof HubError ? error.code : error instanceof IngestRefusal ? error.code : 'INTERNAL',
      });
    }
    throw error;
  }
  report.children = [...touched];
  const ok = await run.audit.outcome({
    requestId: run.requestId,
    system: run.system,
    format: spec.format,
    report,
    clientIp: run.clientIp,
  });
  if (!ok)
    throw new HubError(
      'UNAVAILABLE',
      'The records were stored but the audit log could not record the outcome (the attempt is recorded); send the file again to confirm.',
    );
  return report;
}

/**
 * The file's date and time from its header (`element` names it in the refusal, e.g. "Header
 * DateTime"), as an ISO instant; a file without a readable one is refused whole.
 */
export function headerInstant(value: string | null, element: string): string {
  const at = englishDateTime(value);
  if (!at)
    throw new IngestRefusal(
      400,
      'INVALID_INPUT',
      `${element} ${value ?? '(missing)'} is not a date and time.`,
    );
  return at.toISOString();
}

/**
 * Created once: each Intl.DateTimeFormat holds ICU memory outside the V8 heap (≈ 28 KB with a
 * time zone) that only a garbage collection returns, and V8 does not see it as pressure.
 */
const LONDON_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/**
 * A header date and time as an instant. CTF and CIN files carry local English time without an
 * offset (`2026-09-01T09:00:00`): read it as Europe/London (BST or GMT on that date).
 */
export function englishDateTime(value: string | null): Date | null {
  if (!value) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(
    value.trim(),
  );
  if (!m) return null;
  if (m[8]) {
    const d = new Date(value.trim().replace(' ', 'T'));
    return Number.isNaN(d.getTime()) ? null : d;
  }
  const asUtc = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
  );
  if (Number.isNaN(asUtc)) return null;
  // London's offset at that moment: format the UTC instant in London and compare.
  const parts = LONDON_TIME.formatToParts(new Date(asUtc));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const londonAsUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  const d = new Date(asUtc - (londonAsUtc - asUtc));
  return Number.isNaN(d.getTime()) ? null : d;
}
