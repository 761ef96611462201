import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { dropTemplates } from './database.ts';
import { newTestRunId, RUN_ID_ENV, runDir } from './run.ts';

/** Template databases of runs that started this long ago are leftovers of killed runs. */
const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * vitest's global set-up (vitest.config.ts), in the main process before any worker starts: gives
 * the run its id (inherited by the workers through the environment; see run.ts) and returns the
 * teardown, which drops the run's template databases and removes its shared builds. In watch
 * mode every rerun is a new run (new id, the last one's templates and builds removed), so a
 * changed seed or portal source is never tested against what an earlier run built.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) await dropTemplates(serverUrl, { startedBefore: Date.now() - STALE_AFTER_MS });
  let runId = newTestRunId();
  process.env[RUN_ID_ENV] = runId;
  const cleanUp = async (id: string) => {
    if (serverUrl) await dropTemplates(serverUrl, { runId: id });
    rmSync(runDir(id), { recursive: true, force: true });
  };
  project.onTestsRerun(async () => {
    const previous = runId;
    runId = newTestRunId();
    process.env[RUN_ID_ENV] = runId;
    await cleanUp(previous);
  });
  return () => cleanUp(runId);
}
