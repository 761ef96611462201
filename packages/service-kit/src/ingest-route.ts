import type { SystemScope } from '@hub/auth';
import type { FastifyInstance } from 'fastify';
import { HubError } from './errors.ts';
import { createIngestAudit, IngestRefusal, runXmlIngest, type XmlIngestSpec } from './ingest.ts';
import { requireSystem } from './internal-context-plugin.ts';

/** Largest file one request may carry (a 15,000-pupil CTF is ≈ 30 MB). */
export const INGEST_MAX_BYTES = 512 * 1024 * 1024;

const STATUS: Record<string, number> = {
  INVALID_INPUT: 400,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  NOT_FOUND: 404,
};

/**
 * `POST <path>` taking an XML file (application/xml or text/xml) from an agency system
 * (`Authorization: Bearer <client-credentials token>` with `scope`), streamed record by record
 * through `spec` (see runXmlIngest). Answers the ingest report (200), or `{ error: { code,
 * message } }`: 400 unreadable, 403 another school's or council's file, 422 unsupported
 * version, 503 audit log or identity matching unavailable. The file name is the
 * `x-file-name` header (audited), default `upload.xml`.
 */
export function registerXmlIngestRoute<H, R>(
  app: FastifyInstance,
  options: {
    path: string;
    scope: SystemScope;
    spec: XmlIngestSpec<H, R>;
    config: {
      AUDIT_URL?: string | undefined;
      RECORD_BASE_URL?: string | undefined;
      INTERNAL_CONTEXT_SECRET: string;
    };
  },
): void {
  const { config } = options;
  const audit = config.AUDIT_URL
    ? createIngestAudit({ auditUrl: config.AUDIT_URL, secret: config.INTERNAL_CONTEXT_SECRET })
    : null;
  app.addHook('onClose', async () => {
    await audit?.close();
  });
  app.register(async (scoped) => {
    // The body is not read into memory: the handler streams it record by record.
    scoped.addContentTypeParser(['application/xml', 'text/xml'], (_request, payload, done) =>
      done(null, payload),
    );
    scoped.post(
      options.path,
      { config: { hubAccess: 'system', systemScope: options.scope } },
      async (request, reply) => {
        const system = requireSystem(request);
        if (!audit || !config.RECORD_BASE_URL)
          return reply.code(503).send({
            error: {
              code: 'UNAVAILABLE',
              message: 'This adapter has no audit log or record service configured: it accepts no files.',
            },
          });
        const body = request.body as AsyncIterable<Buffer> | undefined;
        if (
          !body ||
          typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] !== 'function'
        )
          return reply
            .code(415)
            .send({ error: { code: 'INVALID_INPUT', message: 'Send the file as application/xml.' } });
        const nameHeader = request.headers['x-file-name'];
        const file = typeof nameHeader === 'string' && nameHeader !== '' ? nameHeader : 'upload.xml';
        let bytes = 0;
        async function* limited() {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            bytes += chunk.length;
            if (bytes > INGEST_MAX_BYTES)
              throw new HubError('INVALID_INPUT', 'The file is larger than 512 MB.');
            yield chunk;
          }
        }
        try {
          const report = await runXmlIngest(options.spec, {
            source: limited(),
            file,
            system,
            requestId: request.id,
            clientIp: request.ip,
            audit,
            recordBaseUrl: config.RECORD_BASE_URL,
            secret: config.INTERNAL_CONTEXT_SECRET,
          });
          return reply.code(200).send(report);
        } catch (error) {
          if (error instanceof IngestRefusal)
            return reply.code(error.statusCode).send({ error: { code: error.code, message: error.message } });
          if (error instanceof HubError)
            return reply
              .code(STATUS[error.code] ?? 500)
              .send({ error: { code: error.code, message: error.message } });
          request.log.error({ err: error }, 'ingest failed');
          return reply
            .code(500)
            .send({ error: { code: 'INTERNAL', message: 'The file could not be ingested.' } });
        }
      },
    );
  });
}
