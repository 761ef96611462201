import { randomBytes } from 'node:crypto';
import type { DbHandle } from '@hub/db';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, type DatabaseTemplate, type TestDatabase, templateName } from './database.ts';
import { testRunId } from './run.ts';

async function rows(database: TestDatabase): Promise<number[]> {
  const handle = await database.open({ maxConnections: 1 });
  return (await handle.query<{ n: number }>('select n from t.x order by n')).map((row) => row.n);
}

/** Databases on the server whose name starts with `prefix`. */
async function databasesNamed(prefix: string): Promise<string[]> {
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    const found = await admin<
      { datname: string }[]
    >`select datname from pg_database where starts_with(datname, ${prefix})`;
    return found.map((row) => row.datname);
  } finally {
    await admin.end();
  }
}

describe('test databases filled from a template', () => {
  // On PostgreSQL in a vitest run the fill runs once per key and the rest are copies; elsewhere
  // (PGlite, or outside a run) it runs for every database.
  const shared = Boolean(process.env.DATABASE_URL && testRunId());

  it(`fills once per run and key, and every file gets its own copy of the content (${shared ? 'template' : 'filled each time'})`, async () => {
    let fills = 0;
    const template: DatabaseTemplate = {
      key: `testkit-${randomBytes(6).toString('hex')}`,
      async fill(db: DbHandle) {
        fills++;
        await db.exec(
          'create schema t; create table t.x (n int primary key); insert into t.x values (1), (2);',
        );
      },
    };
    // Both at once, as the two workers do: the second waits for the first's fill.
    const [a, b] = await Promise.all([createTestDatabase({ template }), createTestDatabase({ template })]);
    try {
      expect(await rows(a)).toEqual([1, 2]);
      expect(await rows(b)).toEqual([1, 2]);
      // A copy, not a shared database: one file's writes are not seen by another.
      await (await a.open({ maxConnections: 1 })).exec('insert into t.x values (3)');
      expect(await rows(a)).toEqual([1, 2, 3]);
      expect(await rows(b)).toEqual([1, 2]);
      expect(fills).toBe(shared ? 1 : 2);
      if (shared) expect(await databasesNamed(templateName(testRunId()!, template.key))).toHaveLength(1);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it('a fill that fails leaves no template behind, so the next database is filled afresh', async () => {
    let attempt = 0;
    const template: DatabaseTemplate = {
      key: `testkit-${randomBytes(6).toString('hex')}`,
      async fill(db: DbHandle) {
        attempt++;
        await db.exec('create schema t; create table t.x (n int primary key); insert into t.x values (1);');
        if (attempt === 1) throw new Error('fill failed halfway');
        await db.exec('insert into t.x values (2)');
      },
    };
    await expect(createTestDatabase({ template })).rejects.toThrow('fill failed halfway');
    if (shared) expect(await databasesNamed(templateName(testRunId()!, template.key))).toEqual([]);
    const database = await createTestDatabase({ template });
    try {
      expect(await rows(database)).toEqual([1, 2]);
      expect(attempt).toBe(2);
    } finally {
      await database.destroy();
    }
  });
});
