import type { DbHandle } from '@hub/db';
import { chainHash, GENESIS_HASH } from './event.ts';
import { EVENT_COLUMNS, type EventRow, rowToEvent } from './store.ts';

export interface BrokenLink {
  seq: number;
  eventId: string | null;
  reason: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Events whose link was checked and found good (all of them when ok). */
  checked: number;
  /** The last event when ok: record it elsewhere (an anchor) to detect later truncation of the tail. */
  head: { seq: number; hash: string } | null;
  firstBroken?: BrokenLink;
}

export interface VerifyOptions {
  batchSize?: number;
  /** A head recorded earlier: the chain must still hold this seq with this hash. */
  anchor?: { seq: number; hash: string };
}

/**
 * Walks the whole chain in seq order, in batches (constant memory at any size), and reports the
 * first broken link: a seq gap (a deleted row), a prev_hash that is not the previous row's hash
 * (a deleted, inserted or reordered row), a hash that does not match the row's content (an
 * edited row), or child links that disagree with the event (an edited per-child index, which
 * would hide an access from the child's family or invent one).
 */
export async function verifyAuditChain(
  handle: Pick<DbHandle, 'query'>,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? 2000;
  let prevHash = GENESIS_HASH;
  let prevSeq = 0;
  let checked = 0;
  let anchorSeen = false;
  const broken = (seq: number, eventId: string | null, reason: string): VerifyResult => ({
    ok: false,
    checked,
    head: null,
    firstBroken: { seq, eventId, reason },
  });

  for (;;) {
    const rows = await handle.query<EventRow>(
      `select ${EVENT_COLUMNS} from audit.event e where e.seq > $1 order by e.seq limit $2`,
      [prevSeq, batchSize],
    );
    if (rows.length === 0) break;
    const first = Number(rows[0]!.seq);
    const last = Number(rows[rows.length - 1]!.seq);
    const [missing] = await handle.query<{ seq: string }>(
      `select e.seq::text as seq from audit.event e cross join lateral unnest(e.child_ids) as u(child_id)
        where e.seq between $1 and $2
          and not exists (select 1 from audit.event_child c where c.child_id = u.child_id and c.seq = e.seq)
        order by e.seq limit 1`,
      [first, last],
    );
    const missingSeq = missing ? Number(missing.seq) : null;
    for (const row of rows) {
      const event = rowToEvent(row);
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
      if (chainHash(event.prevHash, event) !== event.hash) {
        return broken(
          event.seq,
          event.eventId,
          'hash does not match the event content (the row was changed)',
        );
      }
      if (missingSeq === event.seq) {
        return broken(
          event.seq,
          event.eventId,
          'a child link in audit.event_child is missing for this event',
        );
      }
      if (options.anchor && event.seq === options.anchor.seq) {
        if (event.hash !== options.anchor.hash) {
          return broken(
            event.seq,
            event.eventId,
            'hash differs from the recorded anchor (the chain was rewritten)',
          );
        }
        anchorSeen = true;
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
  if (options.anchor && !anchorSeen) {
    return broken(
      options.anchor.seq,
      null,
      `the anchored event ${options.anchor.seq} is no longer in the chain (truncated)`,
    );
  }
  return { ok: true, checked, head: checked > 0 ? { seq: prevSeq, hash: prevHash } : null };
}
