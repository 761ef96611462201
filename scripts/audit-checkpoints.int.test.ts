import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  auditWriterFor,
  CheckpointPublisher,
  chainHash,
  EVENT_COLUMNS,
  type EventRow,
  loadCheckpointSigningKey,
  loadOrCreateCheckpointKeyPair,
  migrateAudit,
  rowToEvent,
  signCheckpoint,
} from '@hub/audit';
import { anAuditEventInput } from '@hub/audit/testing';
import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

/**
 * The insider attack of issue 10 (class 5), end to end through `pnpm audit:verify` as an auditor
 * runs it: someone with database superuser rights rewrites the chain consistently (every hash
 * recomputed) or cuts its tail. The chain alone still verifies; the signed checkpoints the audit
 * service published outside the database do not let either pass.
 */
describe('pnpm audit:verify with signed checkpoints', async () => {
  const testDb = await createTestDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'hub-checkpoints-'));
  const keys = loadOrCreateCheckpointKeyPair(dir);
  const log = join(dir, 'checkpoints.ndjson');
  let db: DbHandle;
  const env = { ...process.env, DATABASE_URL: testDb.url ?? '', AUDIT_PORT: '1' };

  const verify = async (...args: string[]) => {
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', 'scripts/audit-verify.ts', ...args],
        {
          cwd: root,
          env,
        },
      );
      return { code: 0, out: stdout };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, out: failed.stdout + failed.stderr };
    }
  };
  const withCheckpoints = (file = log) => ['--checkpoints', file, '--public-key', keys.publicKeyFile];

  /** As a superuser can: the append-only triggers off, `statements`, triggers back on. */
  const asSuperuser = (fn: (tx: Pick<DbHandle, 'exec' | 'query'>) => Promise<void>) =>
    db.transaction(async (tx) => {
      await tx.exec(
        'alter table audit.event disable trigger user; alter table audit.event_child disable trigger user;',
      );
      await fn(tx);
      await tx.exec(
        'alter table audit.event enable trigger user; alter table audit.event_child enable trigger user;',
      );
    });
  const saveChain = () =>
    db.exec(`drop table if exists public.saved_event, public.saved_link;
      create table public.saved_event as select * from audit.event;
      create table public.saved_link as select * from audit.event_child;`);
  const restoreChain = () =>
    asSuperuser(async (tx) => {
      await tx.exec(`delete from audit.event_child; delete from audit.event;
        insert into audit.event select * from public.saved_event;
        insert into audit.event_child select * from public.saved_link;`);
    });

  beforeAll(async () => {
    db = await testDb.open();
    await migrateAudit(db);
    const publisher = new CheckpointPublisher({
      writer: auditWriterFor(db),
      privateKey: loadCheckpointSigningKey(keys.privateKeyFile),
      file: log,
      everyEvents: 5,
      everySeconds: 3600,
    });
    // 30 events, one at a time: a checkpoint after every 5th. Event 10 is a break-glass access.
    for (let i = 1; i <= 30; i++) {
      await auditWriterFor(db).append(
        anAuditEventInput(
          i === 10
            ? {
                requestId: `event-${i}`,
                actor: { sub: 'demo-sw-1', role: 'social_worker', orgId: 'la-1' },
                breakGlass: true,
                breakGlassReason: 'Synthetic: child at immediate risk, parent unreachable',
              }
            : { requestId: `event-${i}` },
        ),
      );
    }
    await publisher.close();
    await saveChain();
  });
  afterAll(async () => {
    await testDb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(testDb.kind === 'pglite')(
    'passes on the intact chain: every signature and signed head matches',
    async () => {
      expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(6);
      const { code, out } = await verify(...withCheckpoints());
      expect(out).toMatch(/audit:verify OK: 30 events verified/);
      expect(out).toMatch(/6 signed checkpoint\(s\) match, newest at seq 30/);
      expect(code).toBe(0);
    },
  );

  it.skipIf(testDb.kind === 'pglite')(
    'a re-attributed break-glass event with the rest of the chain re-hashed: passes without checkpoints, FAILS with them',
    async () => {
      await asSuperuser(async (tx) => {
        // Blame someone else for the break-glass access...
        await tx.exec(`update audit.event set actor_sub = 'demo-sw-2', actor_org = 'la-2' where seq = 10`);
        // ...and recompute every hash from there on, so the chain is internally valid again.
        let prevHash = (await tx.query<{ hash: string }>('select hash from audit.event where seq = 9'))[0]!
          .hash;
        for (let seq = 10; seq <= 30; seq++) {
          const [row] = await tx.query<EventRow>(
            `select ${EVENT_COLUMNS} from audit.event e where e.seq = $1`,
            [seq],
          );
          const event = rowToEvent(row!);
          const hash = chainHash(prevHash, event);
          await tx.query('update audit.event set prev_hash = $1, hash = $2 where seq = $3', [
            prevHash,
            hash,
            seq,
          ]);
          prevHash = hash;
        }
      });
      try {
        // Why checkpoints are needed: on its own the rewritten chain is perfectly valid.
        const alone = await verify();
        expect(alone.out).toMatch(/audit:verify OK: 30 events verified/);
        expect(alone.code).toBe(0);

        const { code, out } = await verify(...withCheckpoints());
        expect(out).toMatch(
          /audit:verify BROKEN at seq 10 \(event [0-9a-f-]{36}\): hash differs from the signed checkpoint at .*checkpoints\.ndjson line 2 .*rewritten at or before seq 10 \(after seq 5/,
        );
        expect(code).toBe(1);
      } finally {
        await restoreChain();
      }
      expect((await verify(...withCheckpoints())).code).toBe(0);
    },
  );

  it.skipIf(testDb.kind === 'pglite')(
    'the last events deleted: reported as a cut tail from the first missing seq',
    async () => {
      await asSuperuser(async (tx) => {
        await tx.exec(
          'delete from audit.event_child where seq > 27; delete from audit.event where seq > 27;',
        );
      });
      try {
        const alone = await verify();
        expect(alone.out).toMatch(/audit:verify OK: 27 events verified/);
        const { code, out } = await verify(...withCheckpoints());
        expect(out).toMatch(
          /audit:verify BROKEN at seq 28: the chain ends at seq 27 but the signed checkpoint at .* line 6 .* vouches for seq 30: events 28\.\.30 were removed \(cut tail/,
        );
        expect(code).toBe(1);
      } finally {
        await restoreChain();
      }
    },
  );

  it.skipIf(testDb.kind === 'pglite')(
    'a forged checkpoint (altered, or signed with a key not trusted) is rejected, naming its line and seq',
    async () => {
      const forged = join(dir, 'forged.ndjson');
      copyFileSync(log, forged);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      const newest = JSON.parse(lines[lines.length - 1]!);
      // The insider who cut the tail "moves the checkpoint back" without the key...
      appendFileSync(forged, `${JSON.stringify({ ...newest, seq: 27, headHash: 'a'.repeat(64) })}\n`);
      // ...or signs one with a key of their own.
      const { privateKey } = generateKeyPairSync('ed25519');
      appendFileSync(
        forged,
        `${JSON.stringify(signCheckpoint(privateKey, { seq: 27, hash: 'b'.repeat(64) }))}\n`,
      );
      appendFileSync(forged, 'not json\n');
      const { code, out } = await verify(...withCheckpoints(forged));
      expect(out).toMatch(
        /REJECTED checkpoint at .*forged\.ndjson line 7 \(seq 27\): the signature does not verify \(forged or altered checkpoint\)/,
      );
      expect(out).toMatch(
        /REJECTED checkpoint at .*forged\.ndjson line 8 \(seq 27\): signed with key .* not a trusted public key/,
      );
      expect(out).toMatch(/REJECTED checkpoint at .*forged\.ndjson line 9: not JSON/);
      expect(out).toMatch(/BROKEN: 3 checkpoint\(s\) do not verify/);
      expect(code).toBe(1);
    },
  );

  it.skipIf(testDb.kind === 'pglite')(
    'bad usage: a key without checkpoints, or a key that is not Ed25519, exits 2',
    async () => {
      expect((await verify('--public-key', keys.publicKeyFile)).code).toBe(2);
      const rsa = join(dir, 'rsa.pem');
      writeFileSync(
        rsa,
        generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }),
      );
      const { code, out } = await verify('--checkpoints', log, '--public-key', rsa);
      expect(out).toMatch(/must be an Ed25519 key/);
      expect(code).toBe(2);
    },
  );
});
