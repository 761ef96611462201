// `pnpm bench [--full]`: every benchmark under scripts/bench, one after the other (never in
// parallel: they would measure each other), then their one-line summaries together.
//
// By default the audit-query benchmark runs at a small size (100k events, about a minute);
// `--full` runs it at its own default (10M events, many minutes), as `pnpm bench:audit` does.
// Each benchmark is a root package.json script; a `bench:*` script that is not there yet is
// skipped with a note, so the list below can name benchmarks other work adds.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { full: { type: 'boolean', default: false } } });
const root = resolve(import.meta.dirname, '../..');
const scripts = (
  JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
).scripts;

const BENCHMARKS: Array<{ script: string; args: string[] }> = [
  { script: 'bench:record', args: [] },
  {
    script: 'bench:audit',
    args: values.full ? [] : ['--events', '100000', '--iterations', '50', '--chain-events', '2000'],
  },
  { script: 'bench:audit-chain', args: [] },
  // This checkout only, 3 runs (a few minutes); `pnpm bench:portal --baseline DIR` compares two.
  { script: 'bench:portal', args: ['--runs', '3'] },
];

const summaries: string[] = [];
let failed = 0;
for (const { script, args } of BENCHMARKS) {
  if (!scripts[script]) {
    console.log(`\n— ${script}: not defined in package.json, skipped`);
    continue;
  }
  console.log(`\n— pnpm ${script} ${args.join(' ')}`);
  const run = spawnSync('pnpm', ['-s', script, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(run.stdout ?? '');
  const lines = (run.stdout ?? '').split('\n').filter((line) => /^SUMMARY\b/.test(line));
  summaries.push(...(lines.length ? lines : [`${script}: no SUMMARY line (see its output above)`]));
  if (run.status !== 0) {
    failed++;
    summaries.push(`FAILED ${script} (exit ${run.status ?? run.signal})`);
  }
}
console.log(`\n${summaries.join('\n') || '(no SUMMARY lines)'}`);
process.exit(failed ? 1 : 0);
