/**
 * Where vitest.config.ts puts each test file. Most files run in the `hub` project, whose workers
 * keep one module registry from file to file (`isolate: false`: the hub's modules are loaded once
 * per worker, not once per file). A file that replaces a module with `vi.mock` needs a fresh
 * registry, so it is listed here and runs in the `module-mocks` project with vitest's default
 * isolation; projects.test.ts fails if one is missing.
 */

/** The folders holding test files (`*` is one folder name). */
export const TEST_ROOTS = ['packages/*/src', 'services/*/src', 'services/*/test', 'scripts'];
export const TEST_FILES = TEST_ROOTS.map((root) => `${root}/**/*.test.ts`);

export const MODULE_MOCKS = ['services/gateway/test/write-ability.int.test.ts'];
