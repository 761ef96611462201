// `pnpm test`: the whole suite, as CI runs it (.ci/run). Lints first (biome, 2 s: a lint error
// stops the run before anything slow starts), then type-checks both TypeScript programs (the
// Node workspace and the portal's browser app) WHILE vitest runs every test file, not before it.
//
// Why alongside: `tsc` is one thread for ~40 s on a fresh clone, and vitest's two workers leave a
// 2-core machine about half idle on average (they wait on PostgreSQL, Chromium and the hubs they
// start). Measured on this machine (3 December 2026): type checks then vitest 282 s, together
// 244 s (vitest 226 → 240 s), all green. Arguments go to vitest (`pnpm test services/record`).
// The type checks' output is printed once they end (not interleaved with vitest's); the command
// fails if any of the three does.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The script a root dev dependency declares as its command (`bin` in its package.json). */
function binOf(pkg: string, command: string): string {
  const dir = join(root, 'node_modules', pkg);
  const { bin } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    bin: string | Record<string, string>;
  };
  const script = typeof bin === 'string' ? bin : bin[command];
  if (!script) throw new Error(`${pkg} declares no \`${command}\` command`);
  return join(dir, script);
}

const bin = {
  biome: binOf('@biomejs/biome', 'biome'),
  tsc: binOf('typescript', 'tsc'),
  vitest: binOf('vitest', 'vitest'),
};

interface Outcome {
  name: string;
  code: number;
  output: string;
}

/** Runs `node <script> <args>`; its output streams through (`live`) or is kept for the end. */
function run(name: string, script: string, args: string[], live: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: root,
      stdio: live ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error) => resolve({ name, code: 1, output: `${output}${error.message}\n` }));
    child.on('close', (code, signal) => resolve({ name, code: code ?? (signal ? 1 : 0), output }));
  });
}

const lint = await run('biome check', bin.biome, ['check', '.'], true);
if (lint.code !== 0) process.exit(lint.code);

const started = Date.now();
const typeChecks = [
  run('tsc (workspace)', bin.tsc, ['-p', 'tsconfig.json'], false),
  run('tsc (portal app)', bin.tsc, ['-p', 'services/portal/tsconfig.json'], false),
].map((check) =>
  check.then((outcome) => {
    // Said as soon as it is known, so a type error is not found out only after the last test.
    const seconds = ((Date.now() - started) / 1000).toFixed(0);
    process.stderr.write(
      `\n${outcome.name}: ${outcome.code === 0 ? 'no errors' : 'FAILED'} (${seconds} s)\n`,
    );
    return outcome;
  }),
);
const tests = run('vitest run', bin.vitest, ['run', ...process.argv.slice(2)], true);

const outcomes = await Promise.all([...typeChecks, tests]);
const failed = outcomes.filter((outcome) => outcome.code !== 0);
for (const outcome of failed) {
  if (outcome.output) process.stderr.write(`\n── ${outcome.name} ──\n${outcome.output}`);
}
if (failed.length > 0) {
  process.stderr.write(`\nFailed: ${failed.map((outcome) => outcome.name).join(', ')}\n`);
  process.exit(1);
}
