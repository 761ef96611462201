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

/**
 * The text of every SQL statement `fn` sends through `db` (postgres.js hands its `debug` option
 * the text of each statement), to show what a reader asks the database for. Null on PGlite.
 */
export async function statementTexts(db: DbHandle, fn: () => Promise<unknown>): Promise<string[] | null> {
  const client = (db.db as unknown as { $client?: { options?: { debug?: unknown } } }).$client;
  if (db.kind !== 'postgres' || !client?.options) return null;
  const texts: string[] = [];
  client.options.debug = (_connection: unknown, text: string) => {
    texts.push(text);
  };
  try {
    await fn();
  } finally {
    client.options.debug = undefined;
  }
  return texts;
}
