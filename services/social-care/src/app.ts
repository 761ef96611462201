import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService, registerXmlIngestRoute } from '@hub/service-kit';
import { cinIngestSpec } from './cin/ingest.ts';
import { loaders, resolvers } from './resolvers.ts';
import { seedSocialCareIfEmpty, seedSocialCareLocalIfEmpty } from './seed.ts';

export const service = defineSubgraphService({
  name: 'social-care',
  pgSchema: 'social_care',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  loaders,
  resolvers,
  seedIfEmpty: seedSocialCareIfEmpty,
  seedLocalIfEmpty: seedSocialCareLocalIfEmpty,
  // POST /cin: a council's case system sends its DfE Children in Need census file (src/cin/).
  extend(app, { db, config }) {
    registerXmlIngestRoute(app, { path: '/cin', scope: 'ingest:cin', spec: cinIngestSpec(db), config });
  },
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
