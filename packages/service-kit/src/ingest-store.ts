import {
  and,
  type Database,
  type DbHandle,
  eq,
  getTableColumns,
  inArray,
  type PgColumn,
  type PgTable,
  type SQL,
  sql,
} from '@hub/db';
import type { CurrentLink, IdentityResult, StoredResult } from './ingest.ts';

/**
 * How the XML adapters (CTF, CIN) keep what a system sent: every source record is held in a
 * source table keyed by (system, sourceId) with its identity link, and only a linked one is
 * projected into the context's own section row of its child. The algorithm (unchanged / older
 * file / take back / project / relink after the council's decisions) is the same for both; the
 * tables, the projected columns and what makes a section row "the context's own" differ.
 */

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** The columns every adapter's source table has (see ctf_source and cin_source). */
type SourceColumn =
  | 'system'
  | 'sourceId'
  | 'childId'
  | 'linkStatus'
  | 'linkReason'
  | 'record'
  | 'contentHash'
  | 'fileAt'
  | 'createdProjection'
  | 'updatedAt';

export type SourceTable = PgTable & Record<SourceColumn, PgColumn>;

/** One held source record, as the adapter's callbacks see it. */
export interface HeldSource<R> {
  sourceId: string;
  /** The sending organisation (school, council) the source table records. */
  ownerId: string;
  childId: string | null;
  linkStatus: IdentityResult['status'];
  record: R;
  contentHash: string;
  fileAt: string;
  createdProjection: boolean;
}

/** Where a projected row's values come from: the file being stored, or a held source. */
export interface ProjectionSource {
  ownerId: string;
  fileAt: string;
}

export interface SourceSection<R extends { contentHash: string }> {
  source: {
    table: SourceTable;
    /** The property of the sending organisation's column (e.g. `schoolId`, `councilId`). */
    ownerKey: string;
  };
  projection: {
    /** The section table, one row per child. */
    table: PgTable;
    childId: PgColumn;
    /** A property whose current value `values` needs (e.g. the case status), when one does. */
    stateKey?: string;
    /** The row a linked record shows on its child; `current` is the child's row when it has one. */
    values(
      childId: string,
      record: R,
      from: ProjectionSource,
      current: { state: unknown } | undefined,
    ): Record<string, unknown>;
    /** Properties a newer record overwrites in an existing row. */
    refresh: string[];
    /** Extra conditions for taking back a row this source created: nobody else has added to it. */
    untouched(): SQL[];
    /** Extra condition for rewriting a row from another source after an unlink, when there is one. */
    rewritable?(): SQL;
  };
  /** What one record is called in the report ("pupil", "child"). */
  noun: string;
  /** Why a record that is not linked is held (shown in the report and kept on the source row). */
  notLinkedReason(status: IdentityResult['status']): string;
}

const CHUNK = 500;
/** Held records per page when checking the council's decisions (the identity links route's maximum). */
const RELINK_PAGE = 2000;

/** `excluded.<column>` for each property: an upsert takes the new row's values. */
function excluded(table: PgTable, keys: string[]): Record<string, SQL> {
  const columns = getTableColumns(table);
  return Object.fromEntries(keys.map((key) => [key, sql.raw(`excluded.${columns[key]!.name}`)]));
}

const omitChildId = ({ childId: _, ...rest }: Record<string, unknown>) => rest;

export function sourceSectionStore<R extends { contentHash: string }>(
  db: DbHandle,
  section: SourceSection<R>,
) {
  const { table: source, ownerKey } = section.source;
  const p = section.projection;
  const owner = getTableColumns(source)[ownerKey]!;
  const state = p.stateKey ? getTableColumns(p.table)[p.stateKey]! : undefined;
  const held = {
    sourceId: source.sourceId,
    ownerId: owner,
    childId: source.childId,
    linkStatus: source.linkStatus,
    record: source.record,
    contentHash: source.contentHash,
    fileAt: source.fileAt,
    createdProjection: source.createdProjection,
  };

  async function projected(tx: Tx, childIds: string[]): Promise<Map<string, { state: unknown }>> {
    if (childIds.length === 0) return new Map();
    const rows = (await tx
      .select(state ? { id: p.childId, state } : { id: p.childId })
      .from(p.table)
      .where(inArray(p.childId, childIds))) as Array<{ id: string; state?: unknown }>;
    return new Map(rows.map((r) => [r.id, { state: r.state }]));
  }

  function upsertProjection(tx: Tx, rows: Array<Record<string, unknown>>) {
    return tx
      .insert(p.table)
      .values(rows)
      .onConflictDoUpdate({ target: p.childId, set: excluded(p.table, p.refresh) });
  }

  /**
   * One transaction per batch. Per record: created / updated / unchanged (same content and same
   * link, or an older file than the one held). Linked records are projected into the section;
   * a source that is no longer linked takes back a row it created.
   */
  async function store(
    batch: Array<{ record: R; sourceId: string; identity: IdentityResult }>,
    at: ProjectionSource,
    system: string,
  ): Promise<StoredResult[]> {
    return db.db.transaction(async (tx) => {
      const ids = batch.map((b) => b.sourceId);
      const existing = new Map(
        (
          (await tx
            .select(held)
            .from(source)
            .where(and(eq(source.system, system), inArray(source.sourceId, ids)))) as Array<HeldSource<R>>
        ).map((r) => [r.sourceId, r]),
      );
      const current = await projected(
        tx,
        batch.flatMap((b) =>
          b.identity.status === 'linked' && b.identity.childId ? [b.identity.childId] : [],
        ),
      );
      const results: StoredResult[] = [];
      const upserts: Array<Record<string, unknown>> = [];
      // Keyed by child: two source records of one batch may be linked to the same child (the
      // council confirmed a second UPN as the same pupil); one upsert per child, the later wins.
      const projections = new Map<string, Record<string, unknown>>();
      const takeBack: string[] = [];
      for (const { record, sourceId, identity } of batch) {
        const childId = identity.status === 'linked' && identity.childId ? identity.childId : null;
        const old = existing.get(sourceId);
        const reason = childId ? undefined : (identity.reason ?? section.notLinkedReason(identity.status));
        const unchanged = (why: string | undefined) =>
          results.push({
            sourceId,
            outcome: 'unchanged',
            link: identity.status,
            childId: childId ?? undefined,
            reason: why,
          });
        if (old && Date.parse(old.fileAt) > Date.parse(at.fileAt) && old.childId === childId) {
          unchanged(`An older file than the one already held for this ${section.noun}: not applied.`);
          continue;
        }
        if (
          old &&
          old.contentHash === record.contentHash &&
          old.childId === childId &&
          old.linkStatus === identity.status
        ) {
          unchanged(reason);
          continue;
        }
        // The link moved away from a child whose row this source created: take it back.
        let createdProjection = old?.createdProjection ?? false;
        if (old?.childId && old.childId !== childId && old.createdProjection) {
          takeBack.push(old.childId);
          createdProjection = false;
        }
        if (childId) {
          const now = current.get(childId);
          const row = p.values(childId, record, at, now);
          if (now === undefined) {
            createdProjection = true;
            current.set(childId, { state: p.stateKey ? row[p.stateKey] : undefined });
          }
          projections.set(childId, row);
        }
        upserts.push({
          system,
          sourceId,
          [ownerKey]: at.ownerId,
          childId,
          linkStatus: identity.status,
          linkReason: reason ?? null,
          record,
          contentHash: record.contentHash,
          fileAt: at.fileAt,
          createdProjection,
        });
        results.push({
          sourceId,
          outcome: old ? 'updated' : 'created',
          link: identity.status,
          childId: childId ?? undefined,
          reason,
        });
      }
      // Only a row nobody else added to: the context's own entries keep it.
      if (takeBack.length)
        await tx.delete(p.table).where(and(inArray(p.childId, takeBack), ...p.untouched()));
      const rows = [...projections.values()];
      for (let i = 0; i < rows.length; i += CHUNK) await upsertProjection(tx, rows.slice(i, i + CHUNK));
      for (let i = 0; i < upserts.length; i += CHUNK)
        await tx
          .insert(source)
          .values(upserts.slice(i, i + CHUNK))
          .onConflictDoUpdate({
            target: [source.system, source.sourceId],
            set: {
              ...excluded(source, [
                ownerKey,
                'childId',
                'linkStatus',
                'linkReason',
                'record',
                'contentHash',
                'fileAt',
                'createdProjection',
              ]),
              updatedAt: sql`now()`,
            },
          });
      return results;
    });
  }

  /**
   * Link decisions the council made since the system's last file (confirmed, rejected, undone):
   * a held record now linked shows on its child; one no longer linked leaves the child (the row
   * it created goes; a row with the context's own entries stays and shows what another source
   * still linked to the child says). Returns the children whose section appeared or went.
   */
  async function relink(
    system: string,
    currentLinks: (ids: string[]) => Promise<Map<string, CurrentLink>>,
  ): Promise<string[]> {
    // Page through the held records' link state only (never their content: a school's whole
    // history would otherwise be read into memory on every file), ask the record service about
    // each page, and keep the few the council decided on since.
    const decided: Array<{ sourceId: string; link: CurrentLink }> = [];
    for (let after = ''; ; ) {
      const page = (await db.db
        .select({ sourceId: source.sourceId, childId: source.childId, linkStatus: source.linkStatus })
        .from(source)
        .where(and(eq(source.system, system), sql`${source.sourceId} > ${after}`))
        .orderBy(source.sourceId)
        .limit(RELINK_PAGE)) as Array<Pick<HeldSource<R>, 'sourceId' | 'childId' | 'linkStatus'>>;
      if (page.length === 0) break;
      after = page.at(-1)!.sourceId;
      const links = await currentLinks(page.map((r) => r.sourceId));
      for (const row of page) {
        const link = links.get(row.sourceId);
        if (!link || link.status === 'unknown') continue;
        const childId = link.status === 'linked' ? link.childId : null;
        if (childId !== row.childId || link.status !== row.linkStatus)
          decided.push({ sourceId: row.sourceId, link });
      }
      if (page.length < RELINK_PAGE) break;
    }
    if (decided.length === 0) return [];
    const changed: string[] = [];
    await db.db.transaction(async (tx) => {
      for (const { sourceId, link } of decided) {
        const [row] = (await tx
          .select(held)
          .from(source)
          .where(and(eq(source.system, system), eq(source.sourceId, sourceId)))) as Array<HeldSource<R>>;
        if (!row) continue;
        const childId = link.status === 'linked' ? link.childId : null;
        if (childId === row.childId && link.status === row.linkStatus) continue;
        let created = row.createdProjection;
        if (row.childId && row.childId !== childId) {
          changed.push(row.childId);
          if (row.createdProjection) {
            await tx.delete(p.table).where(and(eq(p.childId, row.childId), ...p.untouched()));
            created = false;
          } else {
            // The row was the child's before this source wrote to it: show what another source
            // still linked to the child says, not the unlinked one.
            const [other] = (await tx
              .select(held)
              .from(source)
              .where(and(eq(source.childId, row.childId), sql`${source.sourceId} <> ${row.sourceId}`))
              .orderBy(sql`${source.fileAt} desc`)
              .limit(1)) as Array<HeldSource<R>>;
            if (other) {
              const where = eq(p.childId, row.childId);
              await tx
                .update(p.table)
                .set(omitChildId(p.values(row.childId, other.record, other, undefined)))
                .where(p.rewritable ? and(where, p.rewritable()) : where);
            }
          }
        }
        if (childId && childId !== row.childId) {
          const now = (await projected(tx, [childId])).get(childId);
          await upsertProjection(tx, [p.values(childId, row.record, row, now)]);
          created = now === undefined;
          changed.push(childId);
        }
        const status = link.status as IdentityResult['status'];
        await tx
          .update(source)
          .set({
            childId,
            linkStatus: status,
            linkReason: childId ? null : section.notLinkedReason(status),
            createdProjection: created,
            updatedAt: sql`now()`,
          })
          .where(and(eq(source.system, system), eq(source.sourceId, row.sourceId)));
      }
    });
    return changed;
  }

  return { store, relink };
}
