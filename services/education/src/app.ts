import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService } from '@hub/service-kit';
import { loaders, resolvers } from './resolvers.ts';
import { seedEducationIfEmpty } from './seed.ts';

export const service = defineSubgraphService({
  name: 'education',
  pgSchema: 'education',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  loaders,
  resolvers,
  seedIfEmpty: seedEducationIfEmpty,
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
