import { defineConfig } from 'vitest/config';
import { BrowserTestsFirst } from './packages/testkit/src/sequencer.ts';

// One vitest run for the whole workspace: cheaper on 2 cores than a process per package.
// Unit tests are `*.test.ts`; database tests are `*.int.test.ts` and get a database from
// @hub/testkit (DATABASE_URL → testcontainers when a Docker engine answers → PGlite).
export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'services/*/src/**/*.test.ts',
      'services/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**'],
    // Gives the run an id and cleans up after it: template databases and the built portal are
    // made once per run and shared by its test files (packages/testkit/src/run.ts); so is one
    // Chromium for the portal's browser tests, launched when the first of them asks.
    globalSetup: ['packages/testkit/src/global-setup.ts', 'services/portal/test/browser-server.ts'],
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
  },
});
