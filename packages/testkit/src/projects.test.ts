import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODULE_MOCKS, TEST_ROOTS } from './projects.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Every `*.test.ts` under the folders vitest.config.ts includes. */
function testFiles(): string[] {
  const dirs = TEST_ROOTS.flatMap((root) => {
    const [top, , below] = root.split('/');
    if (!below) return [root];
    return readdirSync(join(ROOT, top!)).map((name) => `${top}/${name}/${below}`);
  });
  return dirs.filter((dir) => existsSync(join(ROOT, dir))).flatMap((dir) => walk(dir));
}

/**
 * The `*.test.ts` files below `dir`, never entering `node_modules` (readdir's own `recursive`
 * lists all of scripts/node_modules first: 9 s of this test's 9 s, measured).
 */
function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(`${dir}/${entry.name}`);
    return entry.name.endsWith('.test.ts') ? [`${dir}/${entry.name}`] : [];
  });
}

describe('vitest projects', () => {
  it('every test file that mocks a module runs in the isolated project, and only those', () => {
    const files = testFiles();
    expect(files.length).toBeGreaterThan(100);
    // vi.mock and vi.doMock replace a module in the file's registry: in a shared registry a
    // module that the code under test already loaded is not replaced.
    const mocking = files.filter((f) => /\bvi\.(do)?[mM]ock\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(mocking.sort()).toEqual([...MODULE_MOCKS].sort());
  });
});
