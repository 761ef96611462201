import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * One test run (`vitest run`, or one `vitest` watch session) has an id, set by the global set-up
 * (global-setup.ts) before the workers start, so they inherit it. Things a run builds once and
 * every test file then shares (PostgreSQL template databases, the built portal) are named by it:
 * two runs on one machine (several worktrees, one PostgreSQL) never share them, so a run always
 * tests its own code, and the run's teardown removes exactly what it made.
 *
 * Without an id (a script such as the benchmarks importing the test harness) nothing is shared:
 * every caller builds its own, as before.
 */
export const RUN_ID_ENV = 'HUB_TEST_RUN_ID';

/** The current run's id, or undefined outside a vitest run. */
export function testRunId(): string | undefined {
  const id = process.env[RUN_ID_ENV];
  return id && /^[a-z0-9]{8,20}$/.test(id) ? id : undefined;
}

/** A new run id: the start time (base 36, 8 characters, so stale leftovers can be dated) and 6 random hex digits. */
export function newTestRunId(): string {
  return `${Date.now().toString(36).padStart(8, '0')}${randomBytes(3).toString('hex')}`;
}

/** When a run started, from its id (for removing what a killed run left behind). */
export function runStartedAt(id: string): number {
  return Number.parseInt(id.slice(0, 8), 36);
}

/** The folder of the run's shared build outputs (removed by the run's teardown). */
export function runDir(id: string): string {
  return join(tmpdir(), `hub-test-run-${id}`);
}

/**
 * A folder that `build` fills once per test run, shared by every test file of the run (the two
 * workers and every file after them). The first caller builds into a private folder under a
 * lock and renames it into place; the others wait for it. Outside a run: a fresh folder per call.
 * A failed build leaves nothing behind, so the next caller tries again (and fails the same way).
 */
export async function buildOncePerRun(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`invalid shared build name: ${name}`);
  const id = testRunId();
  if (!id) {
    const dir = mkdtempSync(join(tmpdir(), `hub-${name}-`));
    await build(dir);
    return dir;
  }
  const root = runDir(id);
  const final = join(root, name);
  const lock = `${final}.lock`;
  mkdirSync(root, { recursive: true });
  for (;;) {
    if (existsSync(final)) return final;
    if (tryLock(lock)) {
      try {
        if (existsSync(final)) return final;
        const building = `${final}.building-${process.pid}`;
        rmSync(building, { recursive: true, force: true });
        mkdirSync(building);
        try {
          await build(building);
        } catch (error) {
          rmSync(building, { recursive: true, force: true });
          throw error;
        }
        try {
          renameSync(building, final);
        } catch (error) {
          // Only after a crashed builder's lock was taken over twice: the other build won.
          rmSync(building, { recursive: true, force: true });
          if (!existsSync(final)) throw error;
        }
        return final;
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
    }
    // Another worker is building it: wait for the result, or for its lock to go (it failed, or
    // its process ended, and then this caller builds).
    await delay(100);
  }
}

/** mkdir is atomic: whoever creates the lock folder holds the lock. A lock whose process has ended is taken over. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    let pid = Number.NaN;
    try {
      pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      return false; // just created, its pid not written yet
    }
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) rmSync(lock, { recursive: true, force: true });
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
