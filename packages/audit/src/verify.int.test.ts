import type { DbHandle } from '@hub/db';
import { createTestDatabase } from '@hub/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import { canonicalEvent } from './event.ts';
import { fastChainHash, sha256Hex } from './fast-hash.ts';
import {
  CANONICAL_ROW,
  canonicalRow,
  decodePageText,
  PAGE_JSON_SQL,
  PAGE_TEXT_SQL,
  type PageRow,
  pageRowToEvent,
} from './page-text.ts';
import { appendAuditEvent, migrateAudit } from './store.ts';
import { type VerifyOptions, verifyAuditChain } from './verify.ts';
import { verifyAuditChainJson } from './verify-json.ts';

// The verifier reads each event as one plain text (page-text.ts) and checks the child links in
// one statement beside the walk. The verifier before that (verify-json.ts: every row as JSON,
// links per page) is the oracle: on the same chain, intact or tampered, at any page size, the
// two must report exactly the same thing.
describe('audit chain verification', async () => {
  const testDb = await createTestDatabase();
  let handle: DbHandle;
  const OTHER_CHILD = '99999999-9999-4999-8999-999999999999';

  /** Runs `sqlText` with the append-only triggers off, as only a superuser could: the tamperer. */
  async function tamper(sqlText: string, params: unknown[] = []) {
    await handle.transaction(async (tx) => {
      await tx.exec(
        'alter table audit.event disable trigger user; alter table audit.event_child disable trigger user;',
      );
      await tx.query(sqlText, params);
      await tx.exec(
        'alter table audit.event enable trigger user; alter table audit.event_child enable trigger user;',
      );
    });
  }

  /** Both verifiers on the same chain with the same options: they must agree; returns the verdict. */
  async function verifyBoth(options: VerifyOptions = {}) {
    const result = await verifyAuditChain(handle, options);
    expect(result).toEqual(await verifyAuditChainJson(handle, options));
    return result;
  }

  /** Every way the walk is paged in these tests: one event per page, small pages, one page. */
  const BATCHES = [1, 5, 7, 5000];

  const odd = [
    '"quoted"',
    'back\\slash',
    'comma,inside',
    'two words',
    '{brace}',
    'NULL',
    'null',
    'é 😀 中文',
  ];

  beforeAll(async () => {
    handle = await testDb.open();
    await migrateAudit(handle);
    // 40 events: ordinary ones, and ones whose values need quoting in arrays, JSON escapes, a
    // U+001F (the page text's separator) or U+2028, format 2 (councils) and format 1.
    for (let i = 1; i <= 40; i++) {
      const text = odd[i % odd.length]!;
      await appendAuditEvent(
        handle,
        anAuditEventInput({
          requestId: i === 17 ? 'has\u001fseparator' : i === 23 ? `line\nbreak\u2028${i}` : `req-${i}`,
          actor:
            i % 9 === 0
              ? { sub: null, role: null, orgId: null }
              : { sub: `user ${text}`, role: 'senco', orgId: 'school-1' },
          purpose: i % 4 ? 'ehc_assessment' : null,
          operationName: i % 3 ? `Op:${text}` : null,
          outcome: i % 5 ? 'ok' : 'denied',
          errorCodes: i % 5 ? [] : ['FORBIDDEN', text],
          fieldsReturned: ['Child.givenName', ...(i % 2 ? [`Child.${text}`] : [])],
          fieldsDenied: i % 5 ? [] : [`HealthSection.diagnoses:${text}`],
          breakGlass: i % 11 === 0,
          breakGlassReason: i % 11 === 0 ? `Reason: ${text}\twith a tab` : null,
          clientIp: i % 2 ? '10.0.0.1' : null,
          children:
            i % 6 === 0
              ? []
              : [
                  { childId: i % 2 ? TEST_CHILD_A : TEST_CHILD_B, sections: ['Child', 'EducationSection'] },
                  ...(i % 4 === 1 ? [{ childId: OTHER_CHILD, sections: [] }] : []),
                ],
          ...(i % 3 === 0 ? { councils: i % 2 ? ['la-2', `la ${text}`] : [] } : {}),
        }),
      );
    }
  });
  afterAll(() => testDb.destroy());

  /** Each page text with the JSON form of the same row. */
  async function bothForms(): Promise<{ text: string; json: PageRow }[]> {
    const texts = await handle.query<{ r: string }>(PAGE_TEXT_SQL, [0, 1_000_000]);
    const seqs = texts.map(({ r }) => r.slice(0, r.indexOf('\u001f')));
    const [page] = await handle.query<{ rows: string }>(PAGE_JSON_SQL, [seqs]);
    const json = JSON.parse(page!.rows) as PageRow[];
    expect(json).toHaveLength(texts.length);
    return texts.map(({ r }, i) => ({ text: r, json: json[i]! }));
  }

  it('reads every event exactly as the JSON form does, or leaves it to the JSON form', async () => {
    expect(CANONICAL_ROW).toBe(true);
    const rows = await bothForms();
    expect(rows).toHaveLength(40);
    for (const { text, json } of rows) {
      const decoded = decodePageText(text);
      const fast = canonicalRow(text);
      const event = pageRowToEvent(json);
      if (event.seq === 17) {
        // A value holding the separator: the text reading declines, the JSON form reads it.
        expect(decoded).toBeNull();
        expect(fast).toBeNull();
        continue;
      }
      expect(decoded).toEqual(json);
      expect(fast).toEqual({
        seq: event.seq,
        eventId: event.eventId,
        prevHash: event.prevHash,
        hash: event.hash,
        canonical: canonicalEvent(event),
      });
      expect(sha256Hex(fast!.prevHash + fast!.canonical)).toBe(event.hash);
    }
    expect((await verifyBoth()).ok).toBe(true);
  });

  it('reads values no writer sends (odd arrays, JSON, NULLs, microseconds) exactly, or leaves them to the JSON form', async () => {
    // Only a tamperer writes these; whatever the reading, it must be the JSON form's values.
    await tamper(
      'alter table audit.event alter column request_id drop not null, alter column error_codes drop not null',
    );
    const odd: [string, string][] = [
      ['error_codes', `'{a,NULL,"NULL","x y"}'::text[]`],
      ['error_codes', `'{{a,b},{c,d}}'::text[]`],
      ['error_codes', `'[0:1]={a,b}'::text[]`],
      ['error_codes', 'null'],
      ['error_codes', `'{}'::text[]`],
      ['fields_returned', `array['', 'back\\slash', 'quote"d', e'tab\\there', 'comma,', 'é😀']`],
      ['child_ids', `array['${TEST_CHILD_A}'::uuid, null]`],
      ['child_sections', `'"just a string"'::jsonb`],
      ['child_sections', `'[1, 2]'::jsonb`],
      ['child_sections', `'{"${TEST_CHILD_A}": {"b": 1, "a": [2.50, 1e3]}}'::jsonb`],
      ['child_sections', `'{"${TEST_CHILD_A}": ["é", "\\u0001", "\\u001f"]}'::jsonb`],
      ['request_id', 'null'],
      ['request_id', `''`],
      ['occurred_at', `'2026-01-02 03:04:05.123456+00'`],
      ['occurred_at', `'2026-01-02 03:04:05+00'`],
      ['occurred_at', `'2026-01-02 03:04:05.1+00'`],
      ['actor_sub', `e'\\u001f'`],
    ];
    for (const [column, value] of odd) {
      const [before] = await handle.query<Record<string, unknown>>(
        `select ${column}::text as v from audit.event where seq = 31`,
      );
      await tamper(`update audit.event set ${column} = ${value} where seq = 31`);
      const row = (await bothForms()).find(({ json }) => json[0] === '31')!;
      const decoded = decodePageText(row.text);
      if (decoded !== null) expect(decoded, `${column} = ${value}`).toEqual(row.json);
      const fast = canonicalRow(row.text);
      if (fast !== null) {
        const event = pageRowToEvent(row.json);
        expect(sha256Hex(fast.prevHash + fast.canonical), `${column} = ${value}`).toBe(
          fastChainHash(event.prevHash, event),
        );
      }
      // Both verifiers agree at every page size: a break at 31 when the values (as the JSON form
      // reads them) no longer hash to the stored hash (a µs change, which to_char drops, or an
      // empty list where one was empty, is not a change of the hashed content).
      const event = pageRowToEvent(row.json);
      const changed = fastChainHash(event.prevHash, event) !== event.hash;
      for (const batchSize of BATCHES) {
        const result = await verifyBoth({ batchSize });
        expect(result.firstBroken?.seq, `${column} = ${value}`).toBe(changed ? 31 : undefined);
      }
      await tamper(`update audit.event set ${column} = $1 where seq = 31`, [before!.v]);
    }
    await tamper(
      `alter table audit.event alter column request_id set not null, alter column error_codes set not null`,
    );
    expect((await verifyBoth()).ok).toBe(true);
  });

  describe('a break at a page boundary is found at its seq', () => {
    // With 5 events per page, seq 5 is the last row of the first page and 6 the first of the next.
    for (const seq of [5, 6, 10, 11, 17]) {
      it(`an edited row at seq ${seq}`, async () => {
        const [row] = await handle.query<{ org: string | null; id: string }>(
          'select actor_org as org, event_id::text as id from audit.event where seq = $1',
          [seq],
        );
        await tamper(`update audit.event set actor_org = 'school-999' where seq = $1`, [seq]);
        for (const batchSize of BATCHES) {
          expect(await verifyBoth({ batchSize })).toMatchObject({
            ok: false,
            checked: seq - 1,
            firstBroken: { seq, eventId: row!.id, reason: expect.stringMatching(/hash does not match/) },
          });
        }
        await tamper('update audit.event set actor_org = $1 where seq = $2', [row!.org, seq]);
      });

      it(`a deleted row at seq ${seq}`, async () => {
        await handle.exec(`create table public.saved_event as select * from audit.event where seq = ${seq}`);
        await tamper('delete from audit.event where seq = $1', [seq]);
        for (const batchSize of BATCHES) {
          expect((await verifyBoth({ batchSize })).firstBroken).toMatchObject({
            seq,
            reason: expect.stringMatching(/missing/),
          });
        }
        await tamper('insert into audit.event select * from public.saved_event');
        await handle.exec('drop table public.saved_event');
      });

      it(`a removed child link at seq ${seq}, and an invented one`, async () => {
        const links = await handle.query<{ child: string }>(
          'select child_id::text as child from audit.event_child where seq = $1',
          [seq],
        );
        if (links.length > 0) {
          await tamper('delete from audit.event_child where seq = $1', [seq]);
          for (const batchSize of BATCHES) {
            expect((await verifyBoth({ batchSize })).firstBroken).toMatchObject({
              seq,
              reason: expect.stringMatching(/link .* missing/),
            });
          }
          for (const { child } of links) {
            await tamper('insert into audit.event_child (child_id, seq) values ($1::uuid, $2)', [child, seq]);
          }
        }
        const invented = '88888888-8888-4888-8888-888888888888';
        await tamper('insert into audit.event_child (child_id, seq) values ($1::uuid, $2)', [invented, seq]);
        for (const batchSize of BATCHES) {
          expect((await verifyBoth({ batchSize })).firstBroken).toMatchObject({
            seq,
            reason: expect.stringMatching(/does not list/),
          });
        }
        await tamper('delete from audit.event_child where child_id = $1::uuid', [invented]);
        expect((await verifyBoth()).ok).toBe(true);
      });
    }
  });

  it('reports breaks in the order the walk meets them: links of an event after its hash, before the next event', async () => {
    // Event 13's links are removed; 13 and its neighbours are edited in turn.
    const links = await handle.query<{ child: string }>(
      'select child_id::text as child from audit.event_child where seq = 13',
    );
    expect(links.length).toBeGreaterThan(0);
    await tamper('delete from audit.event_child where seq = 13');
    for (const [edited, expected] of [
      [12, /hash does not match/],
      [13, /hash does not match/],
      [14, /link .* missing/],
    ] as const) {
      const [row] = await handle.query<{ org: string | null }>(
        'select actor_org as org from audit.event where seq = $1',
        [edited],
      );
      await tamper(`update audit.event set actor_org = 'school-999' where seq = $1`, [edited]);
      for (const batchSize of BATCHES) {
        const result = await verifyBoth({ batchSize });
        expect(result.firstBroken?.reason).toMatch(expected);
        expect(result.firstBroken?.seq).toBe(Math.min(edited, 13));
      }
      await tamper('update audit.event set actor_org = $1 where seq = $2', [row!.org, edited]);
    }
    // A trusted head at 13 that differs, and 13's links gone: the links come first.
    const head = { seq: 13, hash: 'a'.repeat(64) };
    expect((await verifyBoth({ anchor: head })).firstBroken?.reason).toMatch(/link .* missing/);
    for (const { child } of links) {
      await tamper('insert into audit.event_child (child_id, seq) values ($1::uuid, 13)', [child]);
    }
    expect((await verifyBoth({ anchor: head })).firstBroken).toMatchObject({
      seq: 13,
      reason: expect.stringMatching(/hash differs from the recorded anchor/),
    });
    expect((await verifyBoth({ batchSize: 7 })).ok).toBe(true);
  });
});
