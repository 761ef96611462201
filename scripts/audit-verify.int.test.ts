import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { appendAuditEvent, migrateAudit } from '@hub/audit';
import { anAuditEventInput } from '@hub/audit/testing';
import { type DbHandle, openDatabase } from '@hub/db';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/**
 * `pnpm audit:verify` end to end, as an operator runs it: on the test database (PostgreSQL
 * with DATABASE_URL) or on an embedded PGlite data folder, like the dev hub's .data/audit.
 */
describe('pnpm audit:verify', () => {
  let testDb: TestDatabase | undefined;
  let dataDir: string | undefined;
  let env: NodeJS.ProcessEnv;
  /** PGlite allows one process per data folder: the test opens it only while the script is not running. */
  const withDb = async <T>(fn: (db: DbHandle) => Promise<T>): Promise<T> => {
    const db = testDb ? await testDb.open() : await openDatabase({ dataDir: join(dataDir!, 'audit') });
    try {
      return await fn(db);
    } finally {
      if (!testDb) await db.close();
    }
  };
  const verify = async (...args: string[]) => {
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/audit-verify.ts', ...args],
        { cwd: root, env },
      );
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  };

  beforeAll(async () => {
    if (process.env.DATABASE_URL) {
      testDb = await createTestDatabase();
      env = { ...process.env, DATABASE_URL: testDb.url, AUDIT_PORT: '1' };
    } else {
      dataDir = mkdtempSync(join(tmpdir(), 'hub-audit-verify-'));
      // AUDIT_PORT: nothing listens there, even if a dev hub runs on this machine.
      env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, AUDIT_PORT: '1' };
    }
    await withDb(async (db) => {
      await migrateAudit(db);
      for (let i = 0; i < 3; i++) await appendAuditEvent(db, anAuditEventInput({ requestId: `verify-${i}` }));
    });
  });
  afterAll(async () => {
    await testDb?.destroy();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses to open the embedded store while the hub (its audit service) is running', async () => {
    const hub = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
    await new Promise<void>((done) => hub.listen(0, '127.0.0.1', done));
    try {
      const port = String((hub.address() as AddressInfo).port);
      const saved = env;
      env = {
        ...saved,
        DATABASE_URL: '',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'hub-audit-running-')),
        AUDIT_PORT: port,
      };
      const { code, out } = await verify();
      env = saved;
      expect(out).toMatch(/the hub is running on this embedded store.*Stop it first/);
      expect(code).toBe(2);
    } finally {
      hub.close();
    }
  });

  it('prints OK with the count and head, exit code 0', async () => {
    const { code, out } = await verify();
    expect(out).toMatch(/audit:verify OK: 3 events verified/);
    expect(out).toMatch(/--anchor 3:[0-9a-f]{64}/);
    expect(code).toBe(0);
  });

  it('reports the first broken link and exits 1 after one row is changed', async () => {
    await withDb((db) =>
      db.transaction(async (tx) => {
        await tx.exec(`alter table audit.event disable trigger user;
          update audit.event set actor_org = 'school-999' where seq = 2;
          alter table audit.event enable trigger user;`);
      }),
    );
    const { code, out } = await verify();
    expect(out).toMatch(/audit:verify BROKEN at seq 2 \(event [0-9a-f-]{36}\): hash does not match/);
    expect(code).toBe(1);
  });
});
