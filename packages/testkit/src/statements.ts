import type { DbHandle } from '@hub/db';

/**
 * How many SQL statements `fn` sends through `db` (postgres.js calls its `debug` option once per
 * statement). Null on PGlite, which has no such hook: a test then skips its count.
 */
export async function countStatements(db: DbHandle, fn: () => Promise<unknown>): Promise<number | null> {
  const client = (db.db as unknown as { $client?: { options?: { debug?: unknown } } }).$client;
  if (db.kind !== 'postgres' || !client?.options) return null;
  let statements = 0;
  client.options.debug = () => {
    statements++;
  };
  try {
    await fn();
  } finally {
    client.options.debug = undefined;
  }
  return statements;
}
