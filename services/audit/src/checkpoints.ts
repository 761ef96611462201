import { existsSync, readFileSync } from 'node:fs';
import { auditWriterFor, CheckpointPublisher, loadCheckpointSigningKey } from '@hub/audit';
import type { DbHandle } from '@hub/db';
import type { FastifyInstance } from 'fastify';

/** Where and how often the service publishes signed checkpoints (see @hub/audit checkpoint.ts). */
export interface CheckpointSettings {
  /** Ed25519 private key (PKCS#8 PEM): given by configuration, never stored in PostgreSQL. */
  keyFile: string;
  /** Append-only NDJSON file outside the database. */
  file: string;
  everyEvents?: number;
  everySeconds?: number;
}

/**
 * Publishes signed checkpoints of the chain head this service commits (after a committed batch
 * once enough events or time have passed, and on shutdown), and serves the log read-only at
 * `GET /audit/checkpoints` (NDJSON). The checkpoints hold no personal data (seq, hash, time, key
 * id, signature) and are meant to be public, like Certificate Transparency's signed tree heads:
 * their integrity comes from the signature, so the route needs no credential. The file itself,
 * not this route, is the copy to trust: ship it off this host (write-once storage) so that
 * whoever controls the database and this service cannot retract what was published.
 */
export function registerCheckpoints(
  app: FastifyInstance,
  db: DbHandle,
  settings: CheckpointSettings | undefined,
): void {
  if (!settings) {
    app.log.warn(
      'audit checkpoints are OFF (AUDIT_CHECKPOINT_KEY_FILE / AUDIT_CHECKPOINTS_FILE unset): a database superuser could rewrite or cut the chain undetected',
    );
  } else {
    // Read now: a missing or wrong key stops the service at start, not at the first checkpoint.
    const privateKey = loadCheckpointSigningKey(settings.keyFile);
    const publisher = new CheckpointPublisher({
      writer: auditWriterFor(db),
      privateKey,
      file: settings.file,
      ...(settings.everyEvents ? { everyEvents: settings.everyEvents } : {}),
      ...(settings.everySeconds ? { everySeconds: settings.everySeconds } : {}),
      onError: (error) => app.log.error({ err: error }, 'could not publish an audit checkpoint'),
    });
    // Fastify runs onClose after in-flight requests finished: the final head gets its checkpoint.
    app.addHook('onClose', async () => {
      await publisher.close();
    });
  }

  // Public on purpose (route-bound, see @hub/service-kit RouteAccess): signed statements without
  // personal data, which auditors and anyone checking the log must be able to fetch.
  app.get('/audit/checkpoints', { config: { hubAccess: 'public' } }, async (_request, reply) => {
    if (!settings) {
      return reply.code(404).send({
        error: {
          code: 'NOT_FOUND',
          message: 'This audit service publishes no checkpoints (not configured).',
        },
      });
    }
    const text = existsSync(settings.file) ? readFileSync(settings.file, 'utf8') : '';
    return reply.type('application/x-ndjson; charset=utf-8').header('cache-control', 'no-store').send(text);
  });
}
