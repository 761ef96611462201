import { defineConfig } from 'vitest/config';
import { MODULE_MOCKS, TEST_FILES } from './packages/testkit/src/projects.ts';
import { BrowserTestsFirst } from './packages/testkit/src/sequencer.ts';

// One vitest run for the whole workspace: cheaper on 2 cores than a process per package.
// Unit tests are `*.test.ts`; database tests are `*.int.test.ts` and get a database from
// @hub/testkit (DATABASE_URL → testcontainers when a Docker engine answers → PGlite).
/** Gives the run its id, so every file shares the run's template databases (testkit run.ts). */
const RUN_SETUP = 'packages/testkit/src/global-setup.ts';

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    maxWorkers: 2,
    // The longest files (the portal's browser tests) start first, so that neither worker is left
    // running a long file alone at the end of the run (packages/testkit/src/sequencer.ts).
    sequence: { sequencer: BrowserTestsFirst },
    // Generous bounds, not tight ones: integration tests start whole hubs and child processes, and
    // on a shared 2-core machine a start-up that takes 5 s alone took over 30 s in review.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // expect.poll waits for a condition (a page that is still loading, a row that is written
    // next): 1 s by default, which a loaded machine misses (a record page took over 1 s to load
    // under a load average of 27). A bound on waiting, not a time asserted.
    expect: { poll: { timeout: 15_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'hub',
          include: TEST_FILES,
          exclude: MODULE_MOCKS,
          // A worker runs file after file in one module registry: the hub's modules are loaded
          // once per worker, not once per file (packages/testkit/src/projects.ts). Every
          // test starts what it uses (its own database, hub, browser context) and closes it, so
          // nothing a file leaves behind is what the next one tests.
          isolate: false,
          // The run's id and its shared builds; the run's one Chromium for the portal's browser
          // tests, launched when the first of them asks.
          globalSetup: [RUN_SETUP, 'services/portal/test/browser-server.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'module-mocks', include: MODULE_MOCKS, globalSetup: [RUN_SETUP] },
      },
    ],
  },
});
