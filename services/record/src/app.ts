import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService } from '@hub/service-kit';
import { sendLoaders } from './ehc/index.ts';
import { registerIdentityRoutes } from './identity/index.ts';
import { registerInternalRoutes } from './internal-routes.ts';
import { loadAccessFacts } from './repository.ts';
import { resolvers } from './resolvers.ts';
import { seedRecordIfEmpty } from './seed.ts';
import { childViewerLoader } from './viewer.ts';

export const service = defineSubgraphService({
  name: 'record',
  pgSchema: 'record',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  resolvers,
  loaders: { ...sendLoaders, Child: { ...sendLoaders.Child, viewer: childViewerLoader } } as never,
  // The access door reads the record's own tables (one statement, access-facts-query.ts).
  accessFacts: (db) => (childIds) => loadAccessFacts(db, childIds),
  seedIfEmpty: seedRecordIfEmpty,
  extend: (app, { db, config }) => {
    registerInternalRoutes(app, db);
    registerIdentityRoutes(app, { db, secret: config.INTERNAL_CONTEXT_SECRET });
  },
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
