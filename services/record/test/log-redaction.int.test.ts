import { Writable } from 'node:stream';
import { signInternalContext } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import type { Principal } from '@hub/policy';
import { buildSyntheticDataset, type SyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRecord, service } from '../src/index.ts';

/**
 * A query that fails must not put its values in the logs: drizzle's error message repeats the
 * parameters ("params: …"), PostgreSQL's `detail` quotes the failing row. The record service
 * runs for real on real PostgreSQL; the database is broken on purpose and the pino output read.
 */
describe('failed queries log the SQL and error code, never the values', () => {
  let database: TestDatabase;
  let db: DbHandle;
  let app: FastifyInstance;
  let dataset: SyntheticDataset;
  const lines: string[] = [];
  const secret = 'log-redaction-test-secret-0123456789abcdef';

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await database.open();
    dataset = buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE, children: 20 });
    await service.prepareDatabase(db);
    await seedRecord(db, dataset);
    const logStream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    app = service.buildApp({ INTERNAL_CONTEXT_SECRET: secret, LOG_LEVEL: 'info' }, { db, logStream });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await database?.destroy();
  });

  async function graphql(principal: Principal, query: string, variables: Record<string, unknown>) {
    const token = await signInternalContext(secret, { principal, requestId: 'log-test', purpose: null });
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', 'x-hub-context': token },
      payload: { query, variables },
    });
    return response.json() as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
  }

  const logged = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const errorLines = () => logged().filter((l) => typeof l.err === 'object' && l.err !== null);

  it('an NHS number bound to a failing search is absent; the SQL and PostgreSQL code are there', async () => {
    const child = dataset.children.find((c) => c.nhsNumber)!;
    const la = dataset.demoUsers.find((u) => u.role === 'la_send_officer')!;
    lines.length = 0;
    // Undefined column (42703) on the very query that binds the NHS number.
    await db.exec('alter table record.child rename column nhs_number to nhs_number_gone');
    try {
      const result = await graphql(la, 'query ($n: String) { children(search: { nhsNumber: $n }) { id } }', {
        n: child.nhsNumber,
      });
      expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL');
    } finally {
      await db.exec('alter table record.child rename column nhs_number_gone to nhs_number');
    }
    const errors = errorLines();
    expect(errors.length).toBeGreaterThan(0);
    const text = lines.join('\n');
    expect(text).not.toContain(child.nhsNumber!);
    // Still useful to an operator: the failing SQL (placeholders only) and PostgreSQL's code.
    const err = errors[0]!.err as { query?: string; message: string; cause?: { code?: string } };
    expect(err.cause?.code).toBe('42703');
    // (the search's own SQL since it reads the page with the facts in one statement)
    expect(err.query).toContain('nhs_number = $1');
    expect(err.message).toContain('params: [redacted]');
  });

  it('a reported diagnosis in a row PostgreSQL refuses is absent (no `detail`, no params)', async () => {
    // The youngest child with a parent carer login: their parent carer decides and may edit.
    const child = dataset.children
      .filter((c) => c.parentCarerSubs.length > 0)
      .sort((a, b) => b.dateOfBirth.localeCompare(a.dateOfBirth))[0]!;
    const parent = dataset.demoUsers.find((u) => u.sub === child.parentCarerSubs[0])!;
    const diagnosis = 'Synthetic diagnosis zebra-quartz-7731';
    lines.length = 0;
    // A check violation (23514): PostgreSQL's detail would read "Failing row contains (… diagnosis …)".
    await db.exec(
      'alter table record.family_information_version add constraint log_test_refuse check (version < 0) not valid',
    );
    try {
      const result = await graphql(
        parent,
        `mutation ($id: ID!, $input: FamilyInformationInput!) {
          updateFamilyInformation(childId: $id, expectedVersion: 0, input: $input) { version }
        }`,
        { id: child.id, input: { reportedDiagnoses: [{ description: diagnosis }] } },
      );
      expect(result.errors?.[0]?.extensions?.code).toBe('INTERNAL');
    } finally {
      await db.exec('alter table record.family_information_version drop constraint log_test_refuse');
    }
    const text = lines.join('\n');
    expect(errorLines().length).toBeGreaterThan(0);
    expect(text).not.toContain('zebra-quartz');
    expect(text).not.toContain('Failing row');
    expect(text).toContain('23514');
    expect(text).toContain('log_test_refuse');
  });
});
