import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SystemPrincipal } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { requireSystem } from '@hub/service-kit';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ingestEvent, writeAudit } from './audit.ts';
import { loadFhirDefinitions } from './definitions.ts';
import { currentLinks, IdentityUnavailableError } from './identity.ts';
import { checkBundle, ingestBatch, ingestBundle } from './ingest.ts';
import { issue, outcome } from './outcome.ts';
import { allLinks, rederive } from './store.ts';
import {
  BundleNotJson,
  BundleTooLarge,
  bundleEntries,
  bundleHead,
  entryIsNotAList,
  type SpooledBundle,
  spoolBody,
} from './stream.ts';

export interface FhirRouteOptions {
  db: DbHandle;
  secret: string;
  /** Audit service base URL: no audit store, no ingest (503). */
  auditUrl: string | undefined;
  /** Record service base URL: patients are matched to children there. */
  recordBaseUrl: string | undefined;
  /** Largest bundle accepted, in bytes (default 64 MiB) and entries (default 20,000). */
  maxBytes?: number;
  maxEntries?: number;
}

const FHIR_JSON = 'application/fhir+json';

function send(reply: FastifyReply, statusCode: number, body: unknown) {
  return reply.code(statusCode).type(`${FHIR_JSON}; charset=utf-8`).send(body);
}

/**
 * POST /fhir: an NHS trust's system sends a FHIR R4 batch or transaction bundle (UK Core
 * profiles); the answer is a batch-response / transaction-response bundle with an
 * OperationOutcome per entry (or one OperationOutcome when the whole request is refused).
 *
 * Only systems may call it (`hubAccess: 'system'`, scope ingest:fhir): the organisation in the
 * token is the sender, and every resource is kept under it. One audit event is recorded as the
 * attempt BEFORE anything is written and one with the outcome before answering; when the audit
 * store cannot record the attempt, nothing is written (503).
 */
export async function fhirRoutes(app: FastifyInstance, options: FhirRouteOptions): Promise<void> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 20_000;
  // The body is not parsed here: the handler spools it to a temporary file and streams it entry
  // by entry (stream.ts), so memory does not grow with the bundle (within this plugin only).
  app.addContentTypeParser([FHIR_JSON, 'application/json'], (_request, payload, done) => done(null, payload));
  // The validator's definitions are indexed once, when the service starts.
  // (Only when the ingest is configured: a service that cannot ingest needs no validator.)
  if (options.auditUrl && options.recordBaseUrl)
    app.addHook('onReady', async () => {
      const { ms } = loadFhirDefinitions();
      app.log.info({ ms }, 'FHIR R4 definitions indexed');
    });

  app.post(
    '/fhir',
    { config: { hubAccess: 'system', systemScope: 'ingest:fhir' }, bodyLimit: maxBytes },
    async (request, reply) => {
      const system = requireSystem(request);
      if (system.orgType !== 'health')
        return send(
          reply,
          403,
          outcome([
            issue('error', 'forbidden', 'Only a health organisation’s system may send FHIR records.'),
          ]),
        );
      let spooled: SpooledBundle;
      try {
        spooled = await spoolBody(request.body as AsyncIterable<Buffer>, maxBytes);
      } catch (error) {
        if (!(error instanceof BundleTooLarge)) throw error;
        return send(reply, 413, outcome([issue('error', 'too-costly', error.message, 'Bundle')]));
      }
      try {
        return await ingestSpooled(request, reply, system, spooled.file);
      } finally {
        spooled.remove();
      }
    },
  );

  async function ingestSpooled(
    request: FastifyRequest,
    reply: FastifyReply,
    system: SystemPrincipal,
    file: string,
  ) {
    {
      let head: Record<string, unknown> | null;
      let entries = 0;
      try {
        head = await bundleHead(file);
        if (head && (await entryIsNotAList(file))) head = { ...head, entry: 'not a list' };
        else for await (const _ of bundleEntries(file)) entries++;
      } catch (error) {
        if (!(error instanceof BundleNotJson)) throw error;
        return send(reply, 400, outcome([issue('error', 'structure', error.message, 'Bundle')]));
      }
      const checked = checkBundle(head);
      if (!checked.bundle) return send(reply, 400, checked.problem);
      const bundle = checked.bundle;
      if (entries > maxEntries)
        return send(
          reply,
          413,
          outcome([
            issue(
              'error',
              'too-costly',
              `At most ${maxEntries} entries per bundle; split it.`,
              'Bundle.entry',
            ),
          ]),
        );
      if (!options.auditUrl || !options.recordBaseUrl)
        return send(
          reply,
          503,
          outcome([
            issue(
              'error',
              'transient',
              'The hub is not configured to take records (no audit store or record service); nothing was written.',
            ),
          ]),
        );

      const requestId = randomUUID();
      const audit = { auditUrl: options.auditUrl, secret: options.secret, log: request.log };
      const base = { requestId, system, bundleType: bundle.type, bundleId: bundle.id };
      // Write-ahead: no attempt on record, nothing written.
      if (!(await writeAudit(audit, ingestEvent({ ...base, outcome: 'attempted' }))))
        return send(
          reply,
          503,
          outcome([
            issue(
              'error',
              'transient',
              'The audit store is unavailable: nothing was written. Send the bundle again later.',
            ),
          ]),
        );

      let result: Awaited<ReturnType<typeof ingestBundle>>;
      try {
        const deps = {
          db: options.db,
          system,
          requestId,
          recordBaseUrl: options.recordBaseUrl,
          secret: options.secret,
          log: request.log,
        };
        // A batch is streamed entry by entry; a transaction (all or nothing, one database
        // transaction) is read whole, within the size and entry limits.
        result =
          bundle.type === 'batch'
            ? await ingestBatch(deps, () => bundleEntries(file))
            : await ingestBundle(deps, JSON.parse(await readFile(file, 'utf8')));
      } catch (error) {
        const unavailable = error instanceof IdentityUnavailableError;
        if (!unavailable) request.log.error({ err: error }, 'FHIR ingest failed');
        await writeAudit(audit, ingestEvent({ ...base, outcome: 'error', errorCodes: ['UNAVAILABLE'] }));
        return send(
          reply,
          unavailable ? 503 : 500,
          outcome([
            issue(
              'error',
              unavailable ? 'transient' : 'exception',
              unavailable
                ? (error as Error).message
                : 'The bundle could not be stored. A batch may be partly applied (each entry’s own transaction); send it again: re-sent resources are unchanged.',
            ),
          ]),
        );
      }
      const auditStarted = performance.now();
      const recorded = await writeAudit(
        audit,
        ingestEvent({
          ...base,
          outcome: result.statusCode === 200 ? 'ok' : 'error',
          counts: result.counts,
          errorCodes: result.errorCodes,
          childIds: result.childIds,
        }),
      );
      if (!recorded)
        return send(
          reply,
          503,
          outcome([
            issue(
              'error',
              'transient',
              'The bundle was processed but its outcome could not be audited (the attempt is on record). Send it again: re-sent resources are reported unchanged.',
            ),
          ]),
        );
      reply.header('x-request-id', requestId);
      result.timings.audit = Math.round(performance.now() - auditStarted);
      reply.header(
        'server-timing',
        Object.entries(result.timings)
          .map(([name, ms]) => `${name};dur=${ms}`)
          .join(', '),
      );
      return send(reply, result.statusCode, result.body);
    }
  }
}

/**
 * Re-checks every FHIR patient's link with the record service (the council may have confirmed,
 * rejected or unlinked a match since) and re-derives the section rows of those that changed.
 */
export function relinkSweep(
  options: Pick<FhirRouteOptions, 'db' | 'secret' | 'recordBaseUrl'>,
  log: FastifyBaseLogger,
) {
  return async (): Promise<void> => {
    if (!options.recordBaseUrl) return;
    const links = await allLinks(options.db);
    const byOrg = new Map<string, { patient_id: string; child_id: string | null }[]>();
    for (const l of links) {
      const list = byOrg.get(l.org_id) ?? [];
      list.push(l);
      byOrg.set(l.org_id, list);
    }
    for (const [orgId, rows] of byOrg) {
      const now = await currentLinks(
        { recordBaseUrl: options.recordBaseUrl, secret: options.secret, requestId: `relink-${randomUUID()}` },
        orgId,
        rows.map((r) => r.patient_id),
      );
      const changed = rows.filter(
        (r) => now.has(r.patient_id) && (now.get(r.patient_id) ?? null) !== r.child_id,
      );
      if (changed.length === 0) continue;
      await options.db.query(
        `update health.fhir_patient_link l
            set child_id = c.child_id, status = case when c.child_id is null then 'review' else 'linked' end,
                reason = case when c.child_id is null then 'not linked by the record service' else null end,
                checked_at = now()
           from jsonb_to_recordset($2::jsonb) as c(patient_id text, child_id uuid)
          where l.org_id = $1 and l.patient_id = c.patient_id`,
        [
          orgId,
          JSON.stringify(
            changed.map((r) => ({ patient_id: r.patient_id, child_id: now.get(r.patient_id) ?? null })),
          ),
        ],
      );
      const children = await rederive(
        options.db,
        orgId,
        changed.map((r) => r.patient_id),
      );
      log.info({ orgId, patients: changed.length, children: children.size }, 'FHIR patients relinked');
    }
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Re-checks every FHIR patient's link with the record service and re-derives the changed ones. */
    fhirRelink: () => Promise<void>;
  }
}
