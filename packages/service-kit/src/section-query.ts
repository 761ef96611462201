import type { DbHandle } from '@hub/db';
import { type SectionSubject, SUBJECT_FIELDS, type SubjectField } from '@hub/policy';

/**
 * How one field of a section is read: the select-list entries it needs (`expression as alias`,
 * aliases unique in the section), a join it needs (`join …`, shared joins written identically
 * so they are added once), and how the field's value is made from the row's aliases.
 */
export interface SectionColumn {
  select: readonly string[];
  join?: string;
  value: (row: Record<string, unknown>) => unknown;
}

export interface SectionQuerySpec<S extends SectionSubject> {
  subject: S;
  /** The section's own table, one row per child: `schema.table alias`. */
  from: string;
  /** That table's child id column, e.g. `p.child_id`. */
  childId: string;
  /** Every field of the subject (the policy's field list, @hub/policy SUBJECT_FIELDS). */
  columns: { readonly [F in SubjectField<S>]: SectionColumn };
}

/** One statement text and the fields it reads, in the subject's field order. */
export interface SectionStatement<S extends SectionSubject> {
  text: string;
  fields: readonly SubjectField<S>[];
}

export interface SectionQuery<S extends SectionSubject, Section> {
  /**
   * The sections of the given children (a child with no row is absent), with exactly the given
   * fields (the policy's permitted fields for the caller; all by default). ONE prepared statement,
   * the ids as one array parameter.
   */
  find(db: DbHandle, childIds: readonly string[]): Promise<Map<string, Section>>;
  find(
    db: DbHandle,
    childIds: readonly string[],
    fields: readonly string[],
  ): Promise<Map<string, Partial<Section>>>;
  /** The statement for a set of fields (what `find` runs), for tests and the docs. */
  statement(fields: readonly string[]): SectionStatement<S>;
}

/**
 * A section reader that selects only the columns of the fields the caller may read (issue 11:
 * the policy decides per field with CASL's permittedFieldsOf, the access door hands the permitted
 * fields to the loader, and a column the caller may not see is never read out of the database).
 *
 * The SQL text depends only on WHICH fields are asked for, never on data: one text per distinct
 * field set, built on first use and kept. The set is cut to the subject's own fields and put in
 * their order, so the texts are bounded by the subsets of the subject's fields (at most 2^6 = 64
 * for the largest section) and in practice by the distinct field lists of the policy table (two
 * for education and social care, one for health). That bound is what makes preparing them safe:
 * postgres.js keeps every prepared text on each connection for the connection's life.
 */
export function sectionQuery<S extends SectionSubject, Section extends object>(
  spec: SectionQuerySpec<S>,
): SectionQuery<S, Section> {
  const all: readonly SubjectField<S>[] = SUBJECT_FIELDS[spec.subject];
  const columns = spec.columns as Record<string, SectionColumn>;
  const texts = new Map<string, SectionStatement<S>>();

  function statement(asked: readonly string[]): SectionStatement<S> {
    const fields = all.filter((field) => asked.includes(field));
    const key = fields.join(',');
    let built = texts.get(key);
    if (!built) {
      const select = [`${spec.childId} as child_id`];
      const joins: string[] = [];
      for (const field of fields) {
        const column = columns[field]!;
        select.push(...column.select);
        if (column.join && !joins.includes(column.join)) joins.push(column.join);
      }
      const text = [
        `select ${select.join(',\n  ')}`,
        `from ${spec.from}`,
        ...joins,
        `where ${spec.childId} = any($1::uuid[])`,
      ].join('\n');
      built = { text, fields };
      texts.set(key, built);
    }
    return built;
  }

  return {
    statement,
    async find(db: DbHandle, childIds: readonly string[], asked: readonly string[] = all) {
      const sections = new Map<string, Section>();
      if (childIds.length === 0) return sections;
      const { text, fields } = statement(asked);
      const rows = await db.query<Record<string, unknown>>(text, [childIds], { prepare: true });
      for (const row of rows) {
        const section: Record<string, unknown> = {};
        for (const field of fields) section[field] = columns[field]!.value(row);
        sections.set(String(row.child_id), section as Section);
      }
      return sections;
    },
  };
}

/** A json column: parsed by postgres.js and PGlite, but a string on a driver that leaves json alone. */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * `select` entry for a `timestamptz` as epoch milliseconds, and the value as an ISO string: the
 * same string drizzle's `mode: 'string'` column gave through `new Date(…).toISOString()`, whatever
 * the session's time zone (microseconds cut, as a JS Date cuts them).
 */
export const epochMillis = (column: string, alias: string) =>
  `floor(extract(epoch from ${column}) * 1000) as ${alias}`;
export const isoFromMillis = (value: unknown): string => new Date(Number(value)).toISOString();
