import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The portal's browser tests: each drives Chromium through a whole hub for one to three minutes. */
const BROWSER_TEST = /\.e2e\.test\.ts$/;

/**
 * vitest's order (vitest.config.ts `sequence.sequencer`) with the browser test files first. On a
 * fresh clone vitest knows no durations and runs the largest files first, so a long browser file
 * could start last and run alone on one of the two workers while the other sits idle. Longest
 * first keeps both busy to the end. Within each group, vitest's own order: the durations of the
 * last run when it has them (the slowest first), or file size.
 */
export class BrowserTestsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const browser = sorted.filter((f) => BROWSER_TEST.test(f.moduleId));
    return [...browser, ...sorted.filter((f) => !BROWSER_TEST.test(f.moduleId))];
  }
}
