import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkCheckpoints,
  loadCheckpointPublicKey,
  loadOrCreateCheckpointKeyPair,
  parseCheckpointLog,
  verifyAuditChain,
} from '@hub/audit';
import { anAuditEventInput } from '@hub/audit/testing';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { loadAuditServiceConfig } from '@hub/config';
import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditService } from '../src/app.ts';

/**
 * The audit service publishes signed checkpoints of the chain head outside the database and
 * serves them at GET /audit/checkpoints; two instances on one database still make one chain,
 * and the checkpoints of both verify against it.
 */
describe('audit service checkpoints', async () => {
  const testDb = await createTestDatabase();
  const secret = randomBytes(32).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'hub-audit-checkpoints-'));
  const keys = loadOrCreateCheckpointKeyPair(dir);
  const files = [join(dir, 'instance-1.ndjson'), join(dir, 'instance-2.ndjson')];
  const instances: Array<{ app: FastifyInstance; db: DbHandle; url: string }> = [];

  beforeAll(async () => {
    for (const file of files) {
      const db = await testDb.open();
      const service = createAuditService({
        checkpoints: { keyFile: keys.privateKeyFile, file, everyEvents: 10, everySeconds: 3600 },
      });
      await service.prepareDatabase(db);
      const app = service.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' }, { db });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      instances.push({
        app,
        db,
        url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      });
    }
  });
  afterAll(async () => {
    for (const { app } of instances) await app.close();
    await testDb.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (url: string, i: number) => {
    const response = await fetch(`${url}/internal/audit-events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', `cp-${i}`),
      },
      body: JSON.stringify(anAuditEventInput({ requestId: `cp-${i}` })),
    });
    // The body names the reason when the append is refused.
    const body = await response.text();
    expect(response.status, body).toBe(201);
  };
  const trusted = async (text: string, source: string) =>
    checkCheckpoints(parseCheckpointLog(text, source), [loadCheckpointPublicKey(keys.publicKeyFile)]);

  it(`two instances writing concurrently over HTTP publish checkpoints that verify against the one chain (${testDb.kind})`, async () => {
    await Promise.all(Array.from({ length: 120 }, (_, i) => append(instances[i % 2]!.url, i)));
    const logs: string[] = [];
    for (const [i, { url }] of instances.entries()) {
      const response = await fetch(`${url}/audit/checkpoints`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/application\/x-ndjson/);
      logs.push(await response.text());
      const checked = await trusted(logs[i]!, `instance-${i + 1}`);
      expect(checked.rejected).toEqual([]);
      expect(checked.trusted.length).toBeGreaterThan(0);
    }
    const all = [...(await trusted(logs[0]!, 'one')).trusted, ...(await trusted(logs[1]!, 'two')).trusted];
    const result = await verifyAuditChain(instances[0]!.db, { checkpoints: all });
    expect(result).toMatchObject({ ok: true, checked: 120 });
  });

  it('publishes the final head on shutdown', async () => {
    const { app, url } = instances[0]!;
    await append(url, 1000);
    const head = (await verifyAuditChain(instances[0]!.db)).head!;
    await app.close();
    const { trusted: published } = checkCheckpoints(
      parseCheckpointLog(readFileSync(files[0]!, 'utf8'), files[0]!),
      [loadCheckpointPublicKey(keys.publicKeyFile)],
    );
    expect(published[published.length - 1]).toMatchObject({ seq: head.seq, hash: head.hash });
  });

  it('refuses to start with a missing signing key, and answers 404 when checkpoints are off', async () => {
    const db = instances[1]!.db;
    const broken = createAuditService({
      checkpoints: { keyFile: join(dir, 'missing.pem'), file: join(dir, 'x.ndjson') },
    });
    expect(() => broken.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' }, { db })).toThrow(
      /cannot read the checkpoint signing key .*missing\.pem/,
    );
    const off = createAuditService().buildApp(
      { INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'silent' },
      { db },
    );
    const response = await off.inject({ method: 'GET', url: '/audit/checkpoints' });
    expect(response.statusCode).toBe(404);
    expect(response.json().error.code).toBe('NOT_FOUND');
    await off.close();
  });

  it('configuration: key and file together, required in production', () => {
    const base = { PORT: '4005', INTERNAL_CONTEXT_SECRET: secret };
    expect(loadAuditServiceConfig(base).AUDIT_CHECKPOINT_KEY_FILE).toBeUndefined();
    expect(() => loadAuditServiceConfig({ ...base, AUDIT_CHECKPOINT_KEY_FILE: 'k.pem' })).toThrow(
      /set both AUDIT_CHECKPOINT_KEY_FILE and AUDIT_CHECKPOINTS_FILE/,
    );
    expect(() => loadAuditServiceConfig({ ...base, NODE_ENV: 'production' })).toThrow(
      /required in production/,
    );
    expect(
      loadAuditServiceConfig({
        ...base,
        AUDIT_CHECKPOINT_KEY_FILE: 'k.pem',
        AUDIT_CHECKPOINTS_FILE: 'c.ndjson',
      }),
    ).toMatchObject({ AUDIT_CHECKPOINT_EVERY_EVENTS: 1000, AUDIT_CHECKPOINT_EVERY_SECONDS: 10 });
  });
});
