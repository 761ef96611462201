import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService, registerXmlIngestRoute } from '@hub/service-kit';
// Today in England (dates in a CTF are English dates). One shared formatter: the CTF adapter asks
// for every pupil, and a new Intl.DateTimeFormat each time held ≈ 28 KB of ICU memory outside
// the V8 heap until collected (15,000 pupils: +420 MB RSS).
import { todayInEngland } from '@hub/synthetic';
import { ctfIngestSpec } from './ctf/ingest.ts';
import { loaders, resolvers } from './resolvers.ts';
import { seedEducationIfEmpty, seedEducationLocalIfEmpty } from './seed.ts';

export const service = defineSubgraphService({
  name: 'education',
  pgSchema: 'education',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  loaders,
  resolvers,
  seedIfEmpty: seedEducationIfEmpty,
  seedLocalIfEmpty: seedEducationLocalIfEmpty,
  // POST /ctf: schools' MIS send their pupils as DfE Common Transfer Files (src/ctf/).
  extend(app, { db, config }) {
    registerXmlIngestRoute(app, {
      path: '/ctf',
      scope: 'ingest:ctf',
      spec: ctfIngestSpec(db, () => todayInEngland()),
      config,
    });
  },
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
