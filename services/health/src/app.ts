import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineSubgraphService } from '@hub/service-kit';
import { fhirRoutes, relinkSweep } from './fhir/route.ts';
import { loaders, resolvers } from './resolvers.ts';
import { seedHealthIfEmpty, seedHealthLocalIfEmpty } from './seed.ts';

/** Patients held for the council's review are re-checked with the record service this often. */
const RELINK_INTERVAL_MS = 60_000;

export const service = defineSubgraphService({
  name: 'health',
  pgSchema: 'health',
  migrationsDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations'),
  loaders,
  resolvers,
  seedIfEmpty: seedHealthIfEmpty,
  seedLocalIfEmpty: seedHealthLocalIfEmpty,
  extend(app, { db, config }) {
    // FHIR ingest from NHS trusts' systems (fhir/): POST /fhir, and the relink sweep.
    const options = {
      db,
      secret: config.INTERNAL_CONTEXT_SECRET,
      auditUrl: config.AUDIT_URL,
      recordBaseUrl: config.RECORD_BASE_URL,
    };
    const sweep = relinkSweep(options, app.log);
    app.decorate('fhirRelink', sweep);
    app.register(fhirRoutes, options);
    if (config.AUDIT_URL && config.RECORD_BASE_URL) {
      let running = false;
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        sweep()
          .catch((error) => app.log.warn({ err: error }, 'FHIR relink sweep failed; retried next time'))
          .finally(() => {
            running = false;
          });
      }, RELINK_INTERVAL_MS);
      timer.unref();
      app.addHook('onClose', async () => clearInterval(timer));
    }
  },
});

/** A Fastify app serving this subgraph; not listening (server.ts listens, tests inject). */
export const buildApp = service.buildApp;
