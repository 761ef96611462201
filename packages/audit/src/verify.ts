import type { DbHandle } from '@hub/db';
import { chainHash, GENESIS_HASH } from './event.ts';
import { fastChainHash, sha256Hex } from './fast-hash.ts';
import {
  canonicalRow,
  decodePageText,
  PAGE_JSON_SQL,
  PAGE_TEXT_SQL,
  type PageRow,
  pageRowToEvent,
  SEPARATOR,
} from './page-text.ts';

export interface BrokenLink {
  seq: number;
  eventId: string | null;
  reason: string;
}

/** A head the chain must still hold: a signed checkpoint whose signature was already checked. */
export interface TrustedCheckpoint {
  seq: number;
  hash: string;
  /** Where it came from, for messages: `checkpoints.ndjson line 12, signed 2026-…`. */
  label: string;
}

export interface VerifyResult {
  ok: boolean;
  /** Events whose link was checked and found good (all of them when ok). */
  checked: number;
  /** The last event when ok: record it elsewhere (an anchor) to detect later truncation of the tail. */
  head: { seq: number; hash: string } | null;
  firstBroken?: BrokenLink;
  /** With checkpoints: how many matched, the newest one, and events after it not yet covered. */
  checkpoints?: { matched: number; newestSeq: number; uncovered: number };
}

export interface VerifyOptions {
  batchSize?: number;
  /** A head recorded earlier: the chain must still hold this seq with this hash. */
  anchor?: { seq: number; hash: string };
  /** Signed checkpoints (signatures verified by the caller, see checkpoint.ts): each must match. */
  checkpoints?: readonly TrustedCheckpoint[];
}

/**
 * The child-link index against the events, both ways, in one pass (a hash join): the first event
 * up to `$1` naming a child with no row in audit.event_child (`missing`), and the first link whose
 * event does not name that child or does not exist (`extra`). Run on its own connection while the
 * pages are read and hashed.
 */
const LINKS_SQL = `
  select (min(e.seq) filter (where c.seq is null and e.seq <= $1))::text as missing,
         (min(c.seq) filter (where e.seq is null))::text as extra
    from (select x.seq, u.child_id from audit.event x cross join lateral unnest(x.child_ids) as u(child_id)) e
    full join audit.event_child c on c.seq = e.seq and c.child_id = e.child_id`;

/** Pages fetched ahead of the one being hashed (each on its own pooled connection when available). */
const PAGES_IN_FLIGHT = 3;

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
 * Speed (docs/performance.md, "Audit chain verification"): each event is read as one plain text
 * (PAGE_SQL, decodeRow), the next pages are fetched while this one is hashed, the child links are
 * checked in one statement alongside, and formats 1 and 2 are hashed with fastChainHash (the same
 * hash, without the generic walk).
 */
export async function verifyAuditChain(
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

  // The child links are checked in one statement on another connection while the walk runs.
  // Its answer is awaited before any verdict: a missing link at seq m comes before any break the
  // walk finds after m (and after a break in event m's own link or hash, as the walk checks those
  // first); a link the event does not list, after the whole walk.
  const links = handle
    .query<{ missing: string | null; extra: string | null }>(LINKS_SQL, [last])
    .then(([row]) => ({
      missing: row?.missing == null ? null : Number(row.missing),
      extra: row?.extra == null ? null : Number(row.extra),
    }));
  links.catch(() => {});
  const eventIdAt = async (seq: number) => {
    const [event] = await handle.query<{ event_id: string }>(
      'select event_id::text from audit.event where seq = $1',
      [seq],
    );
    return event?.event_id ?? null;
  };
  const missingLink = async (seq: number): Promise<VerifyResult> => {
    checked = seq - 1; // the walk had checked every event before it
    return broken(seq, await eventIdAt(seq), 'a child link in audit.event_child is missing for this event');
  };
  /** A break the walk found; `before`: its place, after every event whose links come first. */
  const verdict = async (
    seq: number,
    eventId: string | null,
    reason: string,
    before: number,
  ): Promise<VerifyResult> => {
    const { missing } = await links;
    return missing !== null && missing < before ? missingLink(missing) : broken(seq, eventId, reason);
  };

  // A page stays plain texts until the walk reaches it: each event is decoded, hashed and
  // dropped in turn (decoding pages ahead kept every row's objects alive across collections).
  const fetchPage = async (after: number): Promise<{ r: string }[]> =>
    handle.query<{ r: string }>(PAGE_TEXT_SQL, [after, Math.min(after + batchSize, last)], { prepare: true });
  /** A row decodePageText declines (rare: a U+001F inside a value, an odd array), in the JSON form. */
  const jsonRow = async (text: string): Promise<PageRow> => {
    const seq = text.slice(0, text.indexOf(SEPARATOR));
    const [page] = await handle.query<{ rows: string | null }>(PAGE_JSON_SQL, [[seq]]);
    const row = page?.rows ? (JSON.parse(page.rows) as PageRow[])[0] : undefined;
    if (!row) throw new Error(`audit event ${seq} disappeared while it was being verified`);
    return row;
  };

  const inFlight: Promise<{ r: string }[]>[] = [];
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
    for (const { r } of page) {
      // The usual row: its canonical text straight from the page text, hashed. Any other row,
      // and one whose hash does not match that way, is read exactly (decodePageText, else the
      // JSON form) and checked as before; only that reading ever reports a changed row.
      const fast = canonicalRow(r);
      const hashed = fast && sha256Hex(fast.prevHash + fast.canonical) === fast.hash ? fast : null;
      const stored = hashed ? null : pageRowToEvent(decodePageText(r) ?? (await jsonRow(r)));
      const event = hashed ?? stored!;
      if (event.seq !== prevSeq + 1) {
        return verdict(
          prevSeq + 1,
          null,
          `event ${prevSeq + 1} is missing (next stored event is ${event.seq})`,
          event.seq,
        );
      }
      if (event.prevHash !== prevHash) {
        return verdict(
          event.seq,
          event.eventId,
          `prev_hash does not match the hash of event ${prevSeq}`,
          event.seq,
        );
      }
      if (
        stored &&
        fastChainHash(stored.prevHash, stored) !== stored.hash &&
        chainHash(stored.prevHash, stored) !== stored.hash
      ) {
        return verdict(
          event.seq,
          event.eventId,
          'hash does not match the event content (the row was changed)',
          event.seq,
        );
      }
      while (next < expected.length && expected[next]!.seq === event.seq) {
        const head = expected[next]!;
        if (event.hash !== head.hash) {
          return verdict(
            event.seq,
            event.eventId,
            `hash differs from ${head.label}: the chain was rewritten at or before seq ${event.seq}` +
              ` (after seq ${lastMatched}, the last trusted head that matched)`,
            event.seq + 1,
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

  const { missing, extra } = await links;
  if (missing !== null) return missingLink(missing);
  // Links pointing at an event that does not list that child (or at no event at all).
  if (extra !== null) {
    return broken(extra, await eventIdAt(extra), 'audit.event_child links a child the event does not list');
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
