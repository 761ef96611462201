import { createHash } from 'node:crypto';
import type { SystemPrincipal } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import type {
  Bundle,
  BundleEntry,
  OperationOutcome,
  OperationOutcomeIssue,
  Organization,
  Resource,
} from '@medplum/fhirtypes';
import { validateR4 } from './definitions.ts';
import { type IdentityResult, resolvePatients } from './identity.ts';
import { inEntry, issue, outcome, withDiagnostics } from './outcome.ts';
import {
  deleteResources,
  type ResourceWrite,
  rederive,
  storedVersions,
  upsertLinks,
  upsertResources,
} from './store.ts';
import { isSender, type PatientFacts, patientFacts, providersOf, subjectOf } from './uk-core.ts';

/** Resource types the health section is built from; anything else is refused per entry. */
export const SUPPORTED_TYPES = new Set([
  'Patient',
  'Condition',
  'ServiceRequest',
  'EpisodeOfCare',
  'Encounter',
  'CareTeam',
  'Organization',
]);

/** Entries per database round of the batch (one statement per table per chunk). */
const CHUNK = 500;

type Kind = 'created' | 'updated' | 'unchanged' | 'deleted' | 'rejected';

interface Entry {
  index: number;
  method: 'PUT' | 'POST' | 'DELETE';
  type: string;
  id: string;
  resource?: Resource;
  patientId?: string;
  facts?: PatientFacts;
  hash?: string;
  /** Warnings and information returned with a success. */
  notes: OperationOutcomeIssue[];
  kind?: Kind;
  status?: string;
  errors?: OperationOutcomeIssue[];
}

export interface IngestDeps {
  db: DbHandle;
  system: SystemPrincipal;
  requestId: string;
  recordBaseUrl: string;
  secret: string;
  log: { error(obj: unknown, msg?: string): void };
}

export interface IngestResult {
  /** HTTP status of the whole answer. */
  statusCode: number;
  body: Bundle | OperationOutcome;
  counts: Record<Exclude<Kind, never>, number>;
  childIds: string[];
  errorCodes: string[];
  /** Milliseconds per phase (answered as a Server-Timing header). */
  timings: Record<string, number>;
}

/** The bundle's shape before any entry is looked at: a refusal here is one OperationOutcome (400). */
export function checkBundle(body: unknown): {
  bundle?: Bundle & { type: 'batch' | 'transaction' };
  problem?: OperationOutcome;
} {
  const bundle = body as Bundle | null;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle')
    return {
      problem: outcome([
        issue('error', 'structure', 'The body must be a FHIR R4 Bundle (resourceType "Bundle").', 'Bundle'),
      ]),
    };
  if (bundle.type !== 'batch' && bundle.type !== 'transaction')
    return {
      problem: outcome([
        issue(
          'error',
          'not-supported',
          'Only batch and transaction bundles can be sent to POST /fhir.',
          'Bundle.type',
        ),
      ]),
    };
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
    return {
      problem: outcome([issue('error', 'structure', 'Bundle.entry must be a list.', 'Bundle.entry')]),
    };
  return { bundle: bundle as Bundle & { type: 'batch' | 'transaction' } };
}

/** Content hash of a resource without its meta, keys sorted: the same content always hashes the same. */
export function contentHash(resource: Resource): string {
  const { meta: _meta, ...content } = resource as Resource & { meta?: unknown };
  return createHash('sha256').update(stableJson(content)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

/** True when `incoming` is older than what is stored (by versionId when both are numbers, else lastUpdated). */
function isOlder(
  incoming: { versionId?: string | undefined; lastUpdated?: string | undefined },
  stored: { versionId: string | null; lastUpdated: string | null },
) {
  const a = Number(incoming.versionId);
  const b = Number(stored.versionId);
  if (incoming.versionId && stored.versionId && Number.isInteger(a) && Number.isInteger(b) && a !== b)
    return a < b;
  if (incoming.lastUpdated && stored.lastUpdated)
    return new Date(incoming.lastUpdated) < new Date(stored.lastUpdated);
  return false;
}

/** Reads one entry (request, resource, R4 validation, UK Core rules, sender checks); errors are kept on it. */
function prepareEntry(
  raw: BundleEntry,
  index: number,
  orgId: string,
  fullUrls: Map<string, string>,
  organisations: Map<string, string[]>,
): Entry {
  const method = raw?.request?.method;
  const url = raw?.request?.url ?? '';
  const fail = (
    code: OperationOutcomeIssue['code'],
    status: string,
    message: string,
    expression = `Bundle.entry[${index}]`,
  ) => ({
    index,
    method: (method ?? 'PUT') as Entry['method'],
    type: '',
    id: '',
    notes: [],
    status,
    errors: [issue('error', code, message, expression)],
  });
  if (method !== 'PUT' && method !== 'POST' && method !== 'DELETE')
    return fail(
      'not-supported',
      '400 Bad Request',
      'Each entry needs request.method PUT, POST or DELETE (GET and PATCH are not supported).',
      `Bundle.entry[${index}].request.method`,
    );
  if (method === 'DELETE') {
    const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(url);
    if (!match)
      return fail(
        'invalid',
        '400 Bad Request',
        'A DELETE entry names one resource: request.url "Type/id".',
        `Bundle.entry[${index}].request.url`,
      );
    const [, type, id] = match as unknown as [string, string, string];
    if (!SUPPORTED_TYPES.has(type))
      return fail(
        'not-supported',
        '400 Bad Request',
        `${type} resources are not kept by the hub.`,
        `Bundle.entry[${index}].request.url`,
      );
    return { index, method, type, id, notes: [] };
  }
  const resource = raw.resource as Resource | undefined;
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string')
    return fail(
      'required',
      '400 Bad Request',
      'A PUT or POST entry carries a resource.',
      `Bundle.entry[${index}].resource`,
    );
  const type = resource.resourceType;
  if (!SUPPORTED_TYPES.has(type))
    return fail(
      'not-supported',
      '422 Unprocessable Entity',
      `${type} resources are not part of the health section; send Patient, Condition, ServiceRequest, EpisodeOfCare, Encounter, CareTeam or Organization.`,
      `Bundle.entry[${index}].resource`,
    );
  const id = resource.id;
  if (!id)
    return fail(
      'required',
      '400 Bad Request',
      'The hub keeps the sender’s ids: each resource needs an id (send PUT Type/id).',
      `Bundle.entry[${index}].resource.id`,
    );
  if (method === 'PUT' && url.replace(/\?.*$/, '') !== `${type}/${id}`)
    return fail(
      'invalid',
      '400 Bad Request',
      `request.url must be ${type}/${id} for this resource.`,
      `Bundle.entry[${index}].request.url`,
    );
  const entry: Entry = { index, method, type, id, resource, notes: [] };
  // R4 validation (the costly part) runs later, only for content the hub does not hold yet.
  const errors: OperationOutcomeIssue[] = [];
  if (resource.resourceType === 'Patient') {
    const { facts, issues } = patientFacts(resource);
    errors.push(...issues.filter((i) => i.severity === 'error'));
    if (facts) entry.facts = facts;
  } else if (type !== 'Organization') {
    const patientId = subjectOf(resource, fullUrls);
    if (!patientId)
      errors.push(
        issue(
          'error',
          'required',
          `${type} must reference the Patient it is about (Patient/<id>).`,
          type === 'EpisodeOfCare' ? 'EpisodeOfCare.patient' : `${type}.subject`,
        ),
      );
    else entry.patientId = patientId;
    if (
      type === 'Condition' &&
      !resource.code?.coding?.some((c) => c.system === 'http://snomed.info/sct' && c.code)
    )
      errors.push(
        issue(
          'error',
          'code-invalid',
          'UK Core: a diagnosis is coded in SNOMED CT (system http://snomed.info/sct).',
          'Condition.code',
        ),
      );
    if (type === 'ServiceRequest' && !resource.authoredOn)
      errors.push(
        issue(
          'error',
          'required',
          'A referral needs its date (ServiceRequest.authoredOn) to count the weeks waited.',
          'ServiceRequest.authoredOn',
        ),
      );
    for (const provider of providersOf(resource))
      if (!isSender(provider.reference, orgId, organisations, fullUrls)) {
        entry.status = '403 Forbidden';
        errors.push(
          issue(
            'error',
            'forbidden',
            `A trust may send only its own patients' care: ${provider.expression} names another organisation.`,
            provider.expression,
          ),
        );
      }
  }
  if (resource.resourceType === 'Patient') entry.patientId = id;
  if (errors.length > 0) {
    entry.errors = errors;
    entry.status ??= '422 Unprocessable Entity';
    return entry;
  }
  entry.hash = contentHash(resource);
  return entry;
}

function emptyCounts() {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, rejected: 0 };
}

/**
 * Ingests one batch or transaction bundle for the sending system. Batch: every entry stands alone
 * (a bad one is refused with its OperationOutcome and never blocks or half-writes the others; the
 * good ones are written in chunks, each chunk one database transaction, an entry that breaks its
 * chunk retried alone). Transaction: all or nothing, one OperationOutcome when anything fails.
 * The caller has recorded the attempt in the audit store first.
 */
export async function ingestBundle(
  deps: IngestDeps,
  bundle: Bundle & { type: 'batch' | 'transaction' },
): Promise<IngestResult> {
  const raw = bundle.entry ?? [];
  if (bundle.type === 'batch') {
    async function* entries() {
      yield* raw;
    }
    return ingestBatch(deps, entries);
  }
  const timings: Record<string, number> = {};
  const lap = lapper(timings);
  const index = new BundleIndex();
  for (const e of raw) index.add(e);
  const entries = index.prepare(raw, 0, deps.system.orgId);
  lap('read');
  await compareAndValidate(deps, entries);
  lap('validate');
  // All or nothing: patients are matched only when every entry is good.
  const resolved = entries.every((e) => !e.errors) ? await match(deps, entries) : new Map();
  lap('match');
  return { ...(await transaction(deps, entries, resolved, lap)), timings };
}

function lapper(timings: Record<string, number>) {
  let mark = performance.now();
  return (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + Math.round(now - mark);
    mark = now;
  };
}

/**
 * What an entry may need to know about the others: each entry's fullUrl (references may use it)
 * and the Organizations with their identifiers (a trust may name itself by one). Collected in a
 * first read of the bundle; no resource is kept.
 */
class BundleIndex {
  readonly fullUrls = new Map<string, string>();
  readonly organisations = new Map<string, string[]>();
  /** The same resource twice in one bundle is ambiguous: the later ones are refused. */
  private readonly seen = new Set<string>();

  add(e: BundleEntry | undefined) {
    const r = e?.resource as Resource | undefined;
    if (!r?.resourceType || !r.id) return;
    if (e?.fullUrl) this.fullUrls.set(e.fullUrl, `${r.resourceType}/${r.id}`);
    if (r.resourceType === 'Organization')
      this.organisations.set(
        r.id,
        ((r as Organization).identifier ?? []).map((i) => i.value ?? ''),
      );
  }

  prepare(raw: BundleEntry[], from: number, orgId: string): Entry[] {
    return raw.map((e, i) => {
      const entry = prepareEntry(e, from + i, orgId, this.fullUrls, this.organisations);
      if (entry.errors || !entry.type) return entry;
      const key = `${entry.type}/${entry.id}`;
      if (this.seen.has(key)) {
        entry.errors = [
          issue(
            'error',
            'duplicate',
            `${key} appears more than once in this bundle.`,
            `Bundle.entry[${entry.index}]`,
          ),
        ];
        entry.status = '400 Bad Request';
      }
      this.seen.add(key);
      return entry;
    });
  }
}

/**
 * A batch bundle's entries, streamed: `entries()` gives them in order and may be called twice
 * (the first read indexes fullUrls and Organizations, the second ingests). A pipeline of chunks
 * (read, compare, validate, match, write), so what stays in memory for an entry once its chunk
 * is done is its answer alone, whatever the bundle's size.
 */
export async function ingestBatch(
  deps: IngestDeps,
  entries: () => AsyncIterable<unknown>,
): Promise<IngestResult> {
  const orgId = deps.system.orgId;
  const timings: Record<string, number> = {};
  const lap = lapper(timings);
  const index = new BundleIndex();
  for await (const e of entries()) index.add(e as BundleEntry);
  lap('index');
  const counts = emptyCounts();
  const codes = new Set<string>();
  const affected = new Set<string>();
  const answers: BundleEntry[] = [];
  let from = 0;
  let chunk: BundleEntry[] = [];
  const run = async () => {
    const prepared = index.prepare(chunk, from, orgId);
    from += chunk.length;
    chunk = [];
    lap('read');
    await compareAndValidate(deps, prepared);
    lap('validate');
    const resolved = await match(deps, prepared);
    lap('match');
    const deleted = await writeChunk(deps, prepared, resolved);
    lap('write');
    for (const p of affectedPatients(prepared, deleted)) affected.add(p);
    for (const e of prepared) {
      counts[e.errors ? 'rejected' : (e.kind ?? 'rejected')] += 1;
      answers.push({ response: responseOf(e) });
    }
    for (const code of errorCodesOf(prepared)) codes.add(code);
  };
  for await (const e of entries()) {
    chunk.push(e as BundleEntry);
    if (chunk.length >= CHUNK) await run();
  }
  if (chunk.length) await run();
  const children = await rederive(deps.db, orgId, affected);
  lap('derive');
  return {
    statusCode: 200,
    counts,
    childIds: [...children],
    errorCodes: [...codes],
    body: { resourceType: 'Bundle', type: 'batch-response', entry: answers },
    timings,
  };
}

/** What is stored already decides created / updated / unchanged; older versions are ignored; new content is validated. */
async function compareAndValidate(deps: IngestDeps, entries: Entry[]): Promise<void> {
  const live = entries.filter((e) => !e.errors);
  for (let i = 0; i < live.length; i += CHUNK) {
    const slice = live.slice(i, i + CHUNK);
    const stored = await storedVersions(
      deps.db,
      deps.system.orgId,
      slice.map((e) => ({ type: e.type, id: e.id })),
    );
    for (const entry of slice) {
      const current = stored.get(`${entry.type}/${entry.id}`);
      if (entry.method === 'DELETE') {
        entry.kind = current ? 'deleted' : 'unchanged';
        entry.status = '204 No Content';
        continue;
      }
      const meta = entry.resource?.meta;
      if (current && current.contentHash === entry.hash) {
        entry.kind = 'unchanged';
        entry.status = '200 OK';
        entry.notes.push(
          issue('information', 'informational', 'Unchanged: the hub already holds this content.'),
        );
      } else if (
        current &&
        isOlder({ versionId: meta?.versionId, lastUpdated: meta?.lastUpdated }, current)
      ) {
        entry.kind = 'unchanged';
        entry.status = '200 OK';
        entry.notes.push(
          issue(
            'information',
            'informational',
            `Not applied: older than the version the hub holds (${current.versionId ?? current.lastUpdated}).`,
          ),
        );
      } else {
        // R4 validation, the costly part, only for content the hub does not hold yet.
        const found = validateR4(entry.resource as Resource).map(withDiagnostics);
        const errors = found.filter((i) => i.severity === 'error' || i.severity === 'fatal');
        entry.notes.push(...found.filter((i) => i.severity === 'warning'));
        if (errors.length > 0) {
          entry.errors = errors;
          entry.status = '422 Unprocessable Entity';
        } else {
          entry.kind = current ? 'updated' : 'created';
          entry.status = current ? '200 OK' : '201 Created';
        }
      }
    }
  }
}

/** Patients new or changed: the record service says which child each is (or holds it for review). */
async function match(deps: IngestDeps, entries: Entry[]): Promise<Map<string, IdentityResult>> {
  const toResolve = entries.filter(
    (e) => !e.errors && e.type === 'Patient' && e.facts && (e.kind === 'created' || e.kind === 'updated'),
  );
  if (toResolve.length === 0) return new Map();
  const resolved = await resolvePatients(
    { recordBaseUrl: deps.recordBaseUrl, secret: deps.secret, requestId: deps.requestId },
    deps.system.orgId,
    toResolve.map((e) => ({ id: e.id, facts: e.facts as PatientFacts })),
  );
  for (const entry of toResolve) {
    const answer = resolved.get(entry.id);
    if (!answer) continue;
    if (answer.status === 'rejected') {
      entry.errors = [
        issue(
          'error',
          'processing',
          `The record service refused this patient: ${answer.reason ?? 'no reason given'}.`,
          'Patient',
        ),
      ];
      entry.status = '422 Unprocessable Entity';
    } else if (answer.status === 'review')
      entry.notes.push(
        issue(
          'information',
          'informational',
          `Held for the council's review (${answer.reason ?? 'possible match'}): not visible until a match is confirmed.`,
          'Patient',
        ),
      );
    else if (answer.status === 'conflict')
      entry.notes.push(
        issue(
          'warning',
          'conflict',
          `Not linked: ${answer.reason ?? 'the NHS number belongs to a child with another date of birth'}. The council has been asked to check.`,
          'Patient',
        ),
      );
  }
  return resolved;
}

function writesOf(entries: Entry[]): ResourceWrite[] {
  return entries
    .filter((e) => e.method !== 'DELETE' && (e.kind === 'created' || e.kind === 'updated'))
    .map((e) => ({
      type: e.type,
      id: e.id,
      versionId: e.resource?.meta?.versionId,
      lastUpdated: e.resource?.meta?.lastUpdated,
      contentHash: e.hash as string,
      patientId: e.patientId,
      resource: e.resource as Resource,
    }));
}

async function writeEntries(
  sql: Pick<DbHandle, 'query'>,
  orgId: string,
  entries: Entry[],
  resolved: Map<string, IdentityResult>,
) {
  await upsertResources(sql, orgId, writesOf(entries));
  const deletes = entries.filter((e) => e.method === 'DELETE' && e.kind === 'deleted');
  const deletedPatients = await deleteResources(
    sql,
    orgId,
    deletes.map((e) => ({ type: e.type, id: e.id })),
  );
  const links = entries.flatMap((e) => {
    const result = e.type === 'Patient' && e.method !== 'DELETE' ? resolved.get(e.id) : undefined;
    return result ? [{ patientId: e.id, result }] : [];
  });
  await upsertLinks(sql, orgId, links);
  return deletedPatients;
}

function affectedPatients(entries: Entry[], deletedPatients: string[]): Set<string> {
  const patients = new Set(deletedPatients);
  for (const e of entries)
    if ((e.kind === 'created' || e.kind === 'updated' || e.kind === 'deleted') && !e.errors) {
      if (e.patientId) patients.add(e.patientId);
      if (e.type === 'Patient') patients.add(e.id);
    }
  return patients;
}

type Lap = (name: string) => void;
/**
 * Writes one chunk of a batch in one database transaction; when it fails, each entry is retried
 * alone so only the broken one fails (500 for that entry) and nothing of it is half-written.
 */
async function writeChunk(
  deps: IngestDeps,
  entries: Entry[],
  resolved: Map<string, IdentityResult>,
): Promise<string[]> {
  const orgId = deps.system.orgId;
  const good = entries.filter((e) => !e.errors && e.kind !== 'unchanged');
  if (good.length === 0) return [];
  try {
    return await deps.db.transaction((tx) => writeEntries(tx, orgId, good, resolved));
  } catch (chunkError) {
    deps.log.error({ err: chunkError }, 'FHIR chunk failed; retrying its entries one by one');
    const deleted: string[] = [];
    for (const entry of good) {
      try {
        deleted.push(...(await deps.db.transaction((tx) => writeEntries(tx, orgId, [entry], resolved))));
      } catch (error) {
        deps.log.error({ err: error, entry: entry.index }, 'FHIR entry could not be written');
        entry.errors = [
          issue('error', 'exception', 'The hub could not store this resource; nothing of it was written.'),
        ];
        entry.status = '500 Internal Server Error';
      }
    }
    return deleted;
  }
}

async function transaction(
  deps: IngestDeps,
  entries: Entry[],
  resolved: Map<string, IdentityResult>,
  lap: Lap,
): Promise<Omit<IngestResult, 'timings'>> {
  const orgId = deps.system.orgId;
  const failed = entries.filter((e) => e.errors);
  const counts = emptyCounts();
  if (failed.length > 0) {
    counts.rejected = entries.length;
    const forbidden = failed.some((e) => e.status === '403 Forbidden');
    return {
      statusCode: forbidden ? 403 : failed.some((e) => e.status?.startsWith('422')) ? 422 : 400,
      counts,
      childIds: [],
      errorCodes: errorCodesOf(entries),
      body: outcome([
        issue(
          'error',
          'processing',
          `The transaction was not applied: ${failed.length} of ${entries.length} entries failed. Nothing was written.`,
        ),
        ...failed.flatMap((e) => (e.errors ?? []).map((i) => inEntry(i, e.index))),
      ]),
    };
  }
  let children = new Set<string>();
  await deps.db.transaction(async (tx) => {
    const good = entries.filter((e) => e.kind !== 'unchanged');
    const deletedPatients: string[] = [];
    for (let i = 0; i < good.length; i += CHUNK)
      deletedPatients.push(...(await writeEntries(tx, orgId, good.slice(i, i + CHUNK), resolved)));
    children = await rederive(deps.db, orgId, affectedPatients(entries, deletedPatients), tx);
  });
  lap('write');
  for (const e of entries) counts[e.kind ?? 'rejected'] += 1;
  return {
    statusCode: 200,
    counts,
    childIds: [...children],
    errorCodes: [],
    body: {
      resourceType: 'Bundle',
      type: 'transaction-response',
      entry: entries.map((e) => ({ response: responseOf(e) })),
    },
  };
}

function responseOf(e: Entry): NonNullable<BundleEntry['response']> {
  if (e.errors)
    return {
      status: e.status ?? '400 Bad Request',
      outcome: outcome(e.errors.map((i) => withDiagnostics(i))),
    };
  const meta = e.resource?.meta;
  return {
    status: e.status ?? '200 OK',
    ...(e.method !== 'DELETE'
      ? { location: `${e.type}/${e.id}${meta?.versionId ? `/_history/${meta.versionId}` : ''}` }
      : {}),
    ...(meta?.versionId ? { etag: `W/"${meta.versionId}"` } : {}),
    ...(meta?.lastUpdated ? { lastModified: meta.lastUpdated } : {}),
    outcome: outcome(
      e.notes.length > 0
        ? e.notes
        : [
            issue(
              'information',
              'informational',
              `${e.kind === 'deleted' ? 'Deleted' : e.kind === 'created' ? 'Created' : e.kind === 'updated' ? 'Updated' : 'Unchanged'}.`,
            ),
          ],
    ),
  };
}

function errorCodesOf(entries: Entry[]): string[] {
  const codes = new Set<string>();
  for (const e of entries)
    if (e.errors)
      codes.add(
        e.status === '403 Forbidden'
          ? 'FORBIDDEN'
          : e.status?.startsWith('5')
            ? 'UNAVAILABLE'
            : 'INVALID_INPUT',
      );
  return [...codes];
}
