import { defineConfig } from 'vitest/config';

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
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
