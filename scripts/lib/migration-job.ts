import { openDatabase } from '@hub/db';
import type { SubgraphService } from '@hub/service-kit';

/**
 * The body of each subgraph's `dist/migrate.mjs` (bundled by scripts/lib/build-services.ts):
 * applies the context's pending migrations — which also create its least-privilege role and
 * grants — as the schema owner (DATABASE_MIGRATION_URL, else DATABASE_URL), seeds the synthetic
 * data when SEED=synthetic, and exits. A Kubernetes Job (infra/k8s/base/migrate-jobs.yaml) runs
 * it with the owner's secret, so the service's pods run with DATABASE_MIGRATIONS=skip and only
 * their own login. Safe to run repeatedly and concurrently (migrations take an advisory lock).
 */
export async function runMigrationJob(service: SubgraphService, env: NodeJS.ProcessEnv): Promise<void> {
  // Only the database settings: the job serves nothing, so it needs no secret or port.
  const url = env.DATABASE_MIGRATION_URL || env.DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`${service.name}: set DATABASE_MIGRATION_URL to the schema owner's postgres:// URL`);
  }
  const seed = env.SEED ?? 'none';
  if (seed !== 'none' && seed !== 'synthetic') {
    throw new Error(`${service.name}: SEED must be none or synthetic (got ${seed})`);
  }
  const owner = await openDatabase({ url, maxConnections: 1 });
  try {
    const applied = await service.prepareDatabase(owner);
    const seeded = seed === 'synthetic' ? await service.seedIfEmpty(owner) : undefined;
    console.log(
      JSON.stringify({
        service: service.name,
        msg: 'migrations done',
        applied,
        ...(seeded !== undefined ? { seeded } : {}),
      }),
    );
  } finally {
    await owner.close();
  }
}
