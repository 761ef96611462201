import { join } from 'node:path';
import { loadSubgraphConfig, type SubgraphConfig } from '@hub/config';
import { type DbHandle, openDatabase } from '@hub/db';
import { loadTelemetryConfig, startTelemetry } from '@hub/telemetry';
import type { SubgraphService } from './service.ts';

/**
 * The body of every subgraph's `server.ts`: the only place that reads process.env,
 * opens the database, migrates, optionally seeds, listens, and closes on SIGTERM.
 *
 * On PostgreSQL, migrations and the synthetic seed run as the schema owner
 * (DATABASE_MIGRATION_URL, else DATABASE_URL) on a short-lived connection; the service then
 * serves on DATABASE_URL as its least-privilege role (DATABASE_ROLE, default the context's
 * role), so a request can only do what the context's grants allow. Embedded PGlite is one
 * single-user database per service: no role there.
 */
export async function runSubgraphServer(service: SubgraphService, env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadSubgraphConfig(env);
  const telemetryConfig = loadTelemetryConfig(env);
  // Before the database opens and the app is built: both look once whether tracing is on.
  const telemetry = startTelemetry(service.name, telemetryConfig);
  const { db, written } = await openPreparedDatabase(service, config);
  const app = service.buildApp({ ...config, METRICS_TOKEN: telemetryConfig.metricsToken }, { db });
  if (written !== undefined) {
    app.log.info({ written }, written ? 'seeded synthetic data' : 'data present, not seeding');
  }
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    // Sends the spans still buffered.
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ host: config.HOST, port: config.PORT });
}

/** Migrates (and seeds when asked) as the owner, then opens the connection the service runs on. */
async function openPreparedDatabase(
  service: SubgraphService,
  config: SubgraphConfig,
): Promise<{ db: DbHandle; written: number | undefined }> {
  const seed = (db: DbHandle) =>
    config.SEED === 'synthetic'
      ? service.seedIfEmpty(db)
      : config.SEED === 'synthetic-local'
        ? service.seedLocalIfEmpty(db)
        : undefined;
  const role = config.DATABASE_ROLE === 'none' ? undefined : (config.DATABASE_ROLE ?? service.dbRole);
  if (config.DATABASE_URL && config.DATABASE_MIGRATIONS === 'skip') {
    // A migration job has run with the owner's credentials; this process never holds them.
    return { db: await openDatabase({ url: config.DATABASE_URL, role }), written: undefined };
  }
  if (!config.DATABASE_URL) {
    const db = await openDatabase({ dataDir: join(config.DATA_DIR, service.name) });
    await service.prepareDatabase(db);
    return { db, written: await seed(db) };
  }
  const owner = await openDatabase({
    url: config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL,
    maxConnections: 2,
  });
  let written: number | undefined;
  try {
    await service.prepareDatabase(owner);
    written = await seed(owner);
  } catch (error) {
    // The usual production mistake: DATABASE_URL is the service's own login, which may not
    // change the schema. Say what to set instead of a bare "permission denied".
    if (!config.DATABASE_MIGRATION_URL && (error as { code?: unknown }).code === '42501') {
      throw new Error(
        `${service.name}: migrations must run as the schema owner, and the DATABASE_URL user may not (${(error as Error).message}); set DATABASE_MIGRATION_URL to the owner's URL`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await owner.close();
  }
  return { db: await openDatabase({ url: config.DATABASE_URL, role }), written };
}
