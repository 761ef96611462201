import { AUDIT_MIGRATIONS_DIR, AUDIT_SCHEMA } from '@hub/audit';
import { DB_ROLES } from '@hub/db';
import { defineSubgraphService } from '@hub/service-kit';
import { type CheckpointSettings, registerCheckpoints } from './checkpoints.ts';
import { resolvers } from './resolvers.ts';
import { registerAuditRoutes } from './routes.ts';

/**
 * The audit subgraph: serves the auditor and family queries over the log, the gateway's
 * append endpoint and the export. The schema and migrations belong to @hub/audit (the
 * library that writes and verifies the chain); this service only exposes them.
 * `checkpoints`: publish signed heads of the chain outside the database (server.ts passes
 * the configured key and file; tests pass their own or none).
 */
export function createAuditService(options: { checkpoints?: CheckpointSettings } = {}) {
  return defineSubgraphService({
    name: 'audit',
    pgSchema: AUDIT_SCHEMA,
    // Appends and reads only: no UPDATE, DELETE or TRUNCATE on the log (migrations/0004_db_roles.sql).
    dbRole: DB_ROLES.audit_writer,
    migrationsDir: AUDIT_MIGRATIONS_DIR,
    resolvers,
    // The log is never seeded: every event must come from a real request.
    seedIfEmpty: async () => 0,
    extend(app, { db, config }) {
      registerAuditRoutes(app, { db, secret: config.INTERNAL_CONTEXT_SECRET });
      registerCheckpoints(app, db, options.checkpoints);
    },
  });
}

export const service = createAuditService();

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
