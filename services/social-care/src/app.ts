import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService } from '@hub/service-kit';
import { loaders, resolvers } from './resolvers.ts';
import { seedSocialCareIfEmpty } from './seed.ts';

export const service = defineSubgraphService({
  name: 'social-care',
  pgSchema: 'social_care',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  loaders,
  resolvers,
  seedIfEmpty: seedSocialCareIfEmpty,
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
