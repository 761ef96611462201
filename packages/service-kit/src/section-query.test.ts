import type { DbHandle } from '@hub/db';
import { SUBJECT_FIELDS } from '@hub/policy';
import { describe, expect, it } from 'vitest';
import { sectionQuery } from './section-query.ts';

const query = sectionQuery<'SocialCareSection', Record<string, unknown>>({
  subject: 'SocialCareSection',
  from: 't.case_record c',
  childId: 'c.child_id',
  columns: {
    status: { select: ['c.status'], value: (row) => row.status },
    allocatedWorker: {
      select: ['w.name as worker_name', 'w.team as worker_team'],
      join: 'join t.worker w on w.id = c.worker_id',
      value: (row) => ({ name: row.worker_name, team: row.worker_team }),
    },
    shortBreaks: {
      select: ['w.breaks as short_breaks'],
      join: 'join t.worker w on w.id = c.worker_id',
      value: (row) => row.short_breaks,
    },
    updatedAt: { select: ['c.updated_at'], value: (row) => row.updated_at },
  },
});

/** Every subset of the subject's fields. */
function subsets(fields: readonly string[]): string[][] {
  const all: string[][] = [[]];
  for (const field of fields) for (const subset of [...all]) all.push([...subset, field]);
  return all;
}

describe('sectionQuery: the SQL text of a section from the permitted fields', () => {
  it('selects the columns of the fields asked for and nothing else; a join only when a field needs it', () => {
    const { text, fields } = query.statement(['updatedAt', 'status']);
    expect(fields).toEqual(['status', 'updatedAt']);
    expect(text).toBe(
      'select c.child_id as child_id,\n  c.status,\n  c.updated_at\nfrom t.case_record c\nwhere c.child_id = any($1::uuid[])',
    );
    const worker = query.statement(['allocatedWorker', 'shortBreaks']).text;
    expect(worker).not.toContain('c.status');
    expect(worker.match(/join t\.worker/g)).toHaveLength(1);
  });

  it('one text per distinct field set: same set in any order, and names of other subjects ignored', () => {
    const all = SUBJECT_FIELDS.SocialCareSection;
    expect(query.statement([...all].reverse())).toBe(query.statement(all));
    expect(query.statement([...all, 'sencoNotes', 'nhsNumber'])).toBe(query.statement(all));
    expect(query.statement(['status', 'status'])).toBe(query.statement(['status']));
    // Bounded: every subset of the subject's fields, asked for in any order, gives at most 2^n texts.
    const texts = new Set<string>();
    for (const subset of subsets(all)) {
      texts.add(query.statement(subset).text);
      texts.add(query.statement([...subset].reverse()).text);
    }
    expect(texts.size).toBe(2 ** all.length);
  });

  it('find: one prepared statement with the ids as one parameter, each row cut to the fields asked for', async () => {
    const calls: Array<{ text: string; params: unknown[] | undefined; prepare: boolean | undefined }> = [];
    const db = {
      async query(text: string, params?: unknown[], options?: { prepare?: boolean }) {
        calls.push({ text, params, prepare: options?.prepare });
        return [{ child_id: 'a', status: 'CHILD_IN_NEED', updated_at: 'then', worker_name: 'x' }];
      },
    } as unknown as DbHandle;
    const found = await query.find(db, ['a', 'b'], ['updatedAt']);
    expect(calls).toEqual([
      { text: query.statement(['updatedAt']).text, params: [['a', 'b']], prepare: true },
    ]);
    expect(found).toEqual(new Map([['a', { updatedAt: 'then' }]]));
    expect(await query.find(db, [], ['status'])).toEqual(new Map());
    expect(calls).toHaveLength(1);
  });
});
