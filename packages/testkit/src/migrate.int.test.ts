import { type DbHandle, migrate } from '@hub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './database.ts';

describe('migrate', async () => {
  const testDb = await createTestDatabase();
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await testDb.open();
  });
  afterAll(() => testDb.destroy());

  const migrations = [
    { id: '0001_init', sql: 'create table demo.thing (id int primary key, name text not null);' },
    { id: '0002_more', sql: 'alter table demo.thing add column note text;' },
  ];

  it(`applies pending migrations once, in order (${testDb.kind})`, async () => {
    expect(await migrate(handle, 'demo', migrations)).toEqual(['0001_init', '0002_more']);
    expect(await migrate(handle, 'demo', migrations)).toEqual([]);
    await handle.query('insert into demo.thing (id, name, note) values ($1, $2, $3)', [1, 'a', 'b']);
    expect(await handle.query('select id, name, note from demo.thing')).toEqual([
      { id: 1, name: 'a', note: 'b' },
    ]);
  });

  it('rolls back a failing migration entirely and records nothing', async () => {
    const bad = [
      ...migrations,
      { id: '0003_bad', sql: 'create table demo.ok (id int); select no_such_fn();' },
    ];
    await expect(migrate(handle, 'demo', bad)).rejects.toThrow(/no_such_fn/);
    const applied = await handle.query<{ id: string }>('select id from demo.schema_migrations order by id');
    expect(applied.map((row) => row.id)).toEqual(['0001_init', '0002_more']);
    const tables = await handle.query(
      "select 1 from information_schema.tables where table_schema = 'demo' and table_name = 'ok'",
    );
    expect(tables).toHaveLength(0);
  });

  it('rejects an unsafe schema name', async () => {
    await expect(migrate(handle, 'demo; drop table x', [])).rejects.toThrow(/invalid schema name/);
  });
});
