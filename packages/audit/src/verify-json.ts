// The audit chain verifier as it was before issue 14's verification round (main at 7969b64,
// verify.ts then): every page read as one JSON document, the child links checked per page.
// Kept unchanged, not exported from the package, as the oracle the current verifyAuditChain
// must agree with (verify.int.test.ts) and as the "before" that `pnpm bench:audit-chain` times
// against it on the same chain in the same run.

import * as crypto from 'node:crypto';
import type { DbHandle } from '@hub/db';
import type { Purpose, Role } from '@hub/policy';
import type { AuditEvent, AuditOutcome, OperationType, StoredAuditEvent } from './event.ts';
import { chainHash, GENESIS_HASH } from './event.ts';
import { FAST_CHAIN_HASH } from './fast-hash.ts';
import type { TrustedCheckpoint, VerifyOptions, VerifyResult } from './verify.ts';

// fastChainHash as it was then (fast-hash.ts at 7969b64), so the "before" is timed whole.
function fastCanonical(event: AuditEvent): string {
  const children = event.children.map((child) => ({ childId: child.childId, sections: child.sections }));
  return JSON.stringify({
    actor: { orgId: event.actor.orgId, role: event.actor.role, sub: event.actor.sub },
    breakGlass: event.breakGlass,
    breakGlassReason: event.breakGlassReason,
    children,
    clientIp: event.clientIp,
    ...(event.format === 1 ? {} : { councils: event.councils ?? null }),
    errorCodes: event.errorCodes,
    eventId: event.eventId,
    fieldsDenied: event.fieldsDenied,
    fieldsReturned: event.fieldsReturned,
    format: event.format,
    occurredAt: event.occurredAt,
    operationName: event.operationName,
    operationType: event.operationType,
    outcome: event.outcome,
    purpose: event.purpose,
    requestId: event.requestId,
    seq: event.seq,
  });
}

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function fastChainHash(prevHash: string, event: AuditEvent): string {
  if (!FAST_CHAIN_HASH || (event.format !== 1 && event.format !== 2)) return chainHash(prevHash, event);
  const text = prevHash + fastCanonical(event);
  return oneShot
    ? oneShot('sha256', text, 'hex')
    : crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A page of the chain as one JSON text; the columns are EVENT_COLUMNS' in the same order and form. */
const PAGE_SQL = `
  select json_agg(json_build_array(e.seq::text, e.event_id, e.format,
      to_char(e.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      e.request_id, e.actor_sub, e.actor_role, e.actor_org, e.purpose, e.operation_name, e.operation_type,
      e.outcome, e.error_codes, e.fields_returned, e.fields_denied, e.break_glass, e.break_glass_reason,
      e.client_ip, e.child_ids, e.child_sections, e.prev_hash, e.hash, e.councils) order by e.seq)::text as rows
    from audit.event e where e.seq > $1 and e.seq <= $2`;

/** Pages fetched ahead of the one being hashed (each on its own pooled connection when available). */
const PAGES_IN_FLIGHT = 3;

type PageRow = [
  string,
  string,
  number,
  string,
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string,
  string,
  string[],
  string[],
  string[],
  boolean,
  string | null,
  string | null,
  string[],
  Record<string, string[]>,
  string,
  string,
  string[] | null,
];

/** A page row as the stored event it records (like rowToEvent, without the intermediate row object). */
function pageRowToEvent(r: PageRow): StoredAuditEvent {
  const sections = r[19] ?? {};
  return {
    format: Number(r[2]),
    seq: Number(r[0]),
    eventId: r[1],
    occurredAt: r[3],
    requestId: r[4],
    actor: { sub: r[5], role: r[6] as Role | null, orgId: r[7] },
    purpose: r[8] as Purpose | null,
    operationName: r[9],
    operationType: r[10] as OperationType,
    outcome: r[11] as AuditOutcome,
    errorCodes: r[12],
    fieldsReturned: r[13],
    fieldsDenied: r[14],
    breakGlass: r[15],
    breakGlassReason: r[16],
    clientIp: r[17],
    children: r[18].map((childId) => ({ childId, sections: sections[childId] ?? [] })),
    ...(Number(r[2]) >= 2 ? { councils: r[22] } : {}),
    childIds: r[18],
    prevHash: r[20],
    hash: r[21],
  };
}

interface Page {
  rows: PageRow[];
  /** First event in the page with a child id that has no row in audit.event_child. */
  missingSeq: number | null;
}

/**
 * Walks the whole chain in seq order, in keyset pages (constant memory at any size), and
 * reports the first broken link: a seq gap (a deleted row), a prev_hash that is not the previous
 * row's hash (a deleted, inserted or reordered row), a hash that does not match the row's content
 * (an edited row), or child links that disagree with the event (an edited per-child index, which
 * would hide an access from the child's family or invent one).
 *
 * A chain that someone with write access rewrote consistently (edit, then re-hash everything
 * after) or cut short is still a valid chain; only something kept outside the database shows
 * it: an `anchor` noted earlier, or signed `checkpoints`. Each must be found in the chain with
 * exactly its hash; a chain that ends before the newest one had its tail cut.
 *
 * Speed: the next page (and its child-link check) is fetched while this one is hashed, and
 * format-1 rows are hashed with fastChainHash (the same hash, without the generic walk).
 */
export async function verifyAuditChainJson(
  handle: Pick<DbHandle, 'query'>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? 5000;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let checked = 0;
  const broken = (seq: number, eventId: string | null, reason: string): VerifyResult => ({
    ok: false,
    checked,
    head: null,
    firstBroken: { seq, eventId, reason },
  });

  // Every head the chain must hold, in seq order: the anchor and the checkpoints alike.
  const expected: TrustedCheckpoint[] = [...(options.checkpoints ?? [])];
  if (options.anchor) expected.push({ ...options.anchor, label: 'the recorded anchor' });
  expected.sort((a, b) => a.seq - b.seq);
  for (let i = 1; i < expected.length; i++) {
    const [a, b] = [expected[i - 1]!, expected[i]!];
    if (a.seq === b.seq && a.hash !== b.hash) {
      return broken(
        a.seq,
        null,
        `two trusted heads disagree at seq ${a.seq} (${a.label}; ${b.label}): the log was forked or the signing key misused`,
      );
    }
  }
  let next = 0; // index of the next expected head
  let lastMatched = 0; // seq of the last expected head found intact

  // Pages are seq ranges (after, after + batchSize] up to the head at the start, so several can
  // be fetched at once on the pool's connections while earlier ones are hashed. A missing row
  // just makes a page short (or empty); the walk reports the gap. Rows appended while this
  // runs are past `last` and left for the next run.
  const [top] = await handle.query<{ last: string }>(
    'select coalesce(max(e.seq), 0)::text as last from audit.event e',
  );
  const last = Number(top?.last ?? 0);
  const fetchPage = async (after: number): Promise<Page> => {
    const upTo = Math.min(after + batchSize, last);
    // One JSON document per page (an array of rows, each an array in PAGE_COLUMNS order):
    // JSON.parse is native, where decoding 22 columns per row (arrays, jsonb) through the driver
    // cost more than hashing. The values are the same text the driver would return.
    const [[page], [missing]] = await Promise.all([
      handle.query<{ rows: string | null }>(PAGE_SQL, [after, upTo]),
      handle.query<{ seq: string }>(
        `select e.seq::text as seq from audit.event e cross join lateral unnest(e.child_ids) as u(child_id)
          where e.seq > $1 and e.seq <= $2
            and not exists (select 1 from audit.event_child c where c.child_id = u.child_id and c.seq = e.seq)
          order by e.seq limit 1`,
        [after, upTo],
      ),
    ]);
    const rows = page?.rows ? (JSON.parse(page.rows) as PageRow[]) : [];
    return { rows, missingSeq: missing ? Number(missing.seq) : null };
  };

  const inFlight: Promise<Page>[] = [];
  let nextAfter = 0;
  const fill = () => {
    while (inFlight.length < PAGES_IN_FLIGHT && nextAfter < last) {
      const page = fetchPage(nextAfter);
      // If the walk stops at a break, pages still in flight are abandoned: no unhandled rejection.
      page.catch(() => {});
      inFlight.push(page);
      nextAfter += batchSize;
    }
  };
  fill();
  while (inFlight.length > 0) {
    const page = await inFlight.shift()!;
    fill();
    for (const row of page.rows) {
      const event = pageRowToEvent(row);
      if (event.seq !== prevSeq + 1) {
        return broken(
          prevSeq + 1,
          null,
          `event ${prevSeq + 1} is missing (next stored event is ${event.seq})`,
        );
      }
      if (event.prevHash !== prevHash) {
        return broken(event.seq, event.eventId, `prev_hash does not match the hash of event ${prevSeq}`);
      }
      if (
        fastChainHash(event.prevHash, event) !== event.hash &&
        chainHash(event.prevHash, event) !== event.hash
      ) {
        return broken(
          event.seq,
          event.eventId,
          'hash does not match the event content (the row was changed)',
        );
      }
      if (page.missingSeq === event.seq) {
        return broken(
          event.seq,
          event.eventId,
          'a child link in audit.event_child is missing for this event',
        );
      }
      while (next < expected.length && expected[next]!.seq === event.seq) {
        const head = expected[next]!;
        if (event.hash !== head.hash) {
          return broken(
            event.seq,
            event.eventId,
            `hash differs from ${head.label}: the chain was rewritten at or before seq ${event.seq}` +
              ` (after seq ${lastMatched}, the last trusted head that matched)`,
          );
        }
        lastMatched = event.seq;
        next += 1;
      }
      prevHash = event.hash;
      prevSeq = event.seq;
      checked += 1;
    }
  }

  // Links pointing at an event that does not list that child (or at no event at all).
  const [extra] = await handle.query<{ seq: string }>(
    `select c.seq::text as seq from audit.event_child c
      where not exists (select 1 from audit.event e where e.seq = c.seq and c.child_id = any(e.child_ids))
      order by c.seq limit 1`,
  );
  if (extra) {
    const seq = Number(extra.seq);
    const [event] = await handle.query<{ event_id: string }>(
      'select event_id::text from audit.event where seq = $1',
      [seq],
    );
    return broken(seq, event?.event_id ?? null, 'audit.event_child links a child the event does not list');
  }
  if (next < expected.length) {
    const newest = expected[expected.length - 1]!;
    return broken(
      prevSeq + 1,
      null,
      `the chain ends at seq ${prevSeq} but ${newest.label} vouches for seq ${newest.seq}:` +
        ` events ${prevSeq + 1}..${newest.seq} were removed (cut tail, truncated)`,
    );
  }
  const newestSeq = options.checkpoints?.length
    ? options.checkpoints.reduce((max, c) => Math.max(max, c.seq), 0)
    : null;
  return {
    ok: true,
    checked,
    head: checked > 0 ? { seq: prevSeq, hash: prevHash } : null,
    ...(newestSeq !== null
      ? {
          checkpoints: {
            matched: options.checkpoints!.length,
            newestSeq,
            uncovered: prevSeq - newestSeq,
          },
        }
      : {}),
  };
}
