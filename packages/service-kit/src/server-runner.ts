import { join } from 'node:path';
import { loadSubgraphConfig } from '@hub/config';
import { openDatabase } from '@hub/db';
import type { SubgraphService } from './service.ts';

/**
 * The body of every subgraph's `server.ts`: the only place that reads process.env,
 * opens the database, migrates, optionally seeds, listens, and closes on SIGTERM.
 */
export async function runSubgraphServer(service: SubgraphService, env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadSubgraphConfig(env);
  const db = await openDatabase({ url: config.DATABASE_URL, dataDir: join(config.DATA_DIR, service.name) });
  await service.prepareDatabase(db);
  const app = service.buildApp(config, { db });
  if (config.SEED === 'synthetic') {
    const written = await service.seedIfEmpty(db);
    app.log.info({ written }, written ? 'seeded synthetic data' : 'data present, not seeding');
  }
  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    await app.close();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ host: config.HOST, port: config.PORT });
}
