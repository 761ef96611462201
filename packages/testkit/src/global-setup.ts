import { rmSync } from 'node:fs';
import { dropTemplates } from './database.ts';
import { newTestRunId, RUN_ID_ENV, runDir } from './run.ts';

/** Template databases of runs that started this long ago are leftovers of killed runs. */
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * vitest's global set-up (vitest.config.ts), in the main process before any worker starts: gives
 * the run its id (inherited by the workers through the environment; see run.ts) and returns the
 * teardown, which drops the run's template databases and removes its shared builds.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const runId = newTestRunId();
  process.env[RUN_ID_ENV] = runId;
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) await dropTemplates(serverUrl, { startedBefore: Date.now() - STALE_AFTER_MS });
  return async () => {
    if (serverUrl) await dropTemplates(serverUrl, { runId });
    rmSync(runDir(runId), { recursive: true, force: true });
  };
}
