import type { DbHandle } from '@hub/db';
import {
  type CurrentLink,
  englishDateTime,
  type IdentityResult,
  IngestRefusal,
  type StoredResult,
  type XmlIngestSpec,
} from '@hub/service-kit';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { caseRecord, cinSource, council, shortBreak } from '../tables.ts';
import {
  type CinChild,
  type CinHeader,
  parseCinChild,
  parseCinHeader,
  SUPPORTED_CIN_YEARS,
} from './parse.ts';

interface CheckedHeader extends CinHeader {
  councilId: string;
  fileAt: string;
  reference: string;
}

/** The census has no names; the identity contract asks for them. Said plainly instead. */
export const NO_NAME = 'Not in CIN census';

/** The CIN census adapter: a council sends its own children in need. */
export function cinIngestSpec(db: DbHandle): XmlIngestSpec<CheckedHeader, CinChild> {
  return {
    format: 'cin',
    recordTag: 'Child',
    parseHeader: (prefix) => parseCinHeader(prefix) as CheckedHeader,
    async checkHeader(header, system) {
      if (system.orgType !== 'local_authority')
        throw new IngestRefusal(
          403,
          'FORBIDDEN',
          'Only a council (local authority) system may send a CIN census file.',
        );
      if (header.collection !== 'CIN')
        throw new IngestRefusal(
          400,
          'INVALID_INPUT',
          `CollectionDetails/Collection is ${header.collection ?? '(missing)'}, not CIN.`,
        );
      const year = Number(header.year);
      if (!Number.isInteger(year) || year < SUPPORTED_CIN_YEARS.min || year > SUPPORTED_CIN_YEARS.max)
        throw new IngestRefusal(
          422,
          'UNSUPPORTED_VERSION',
          `CIN census year ${header.year ?? '(missing)'} is not supported: this hub reads ${SUPPORTED_CIN_YEARS.min} to ${SUPPORTED_CIN_YEARS.max}.`,
        );
      if (!header.referenceDate || !/^\d{4}-\d{2}-\d{2}$/.test(header.referenceDate))
        throw new IngestRefusal(
          400,
          'INVALID_INPUT',
          `ReferenceDate ${header.referenceDate ?? '(missing)'} is not a date.`,
        );
      const fileAt = englishDateTime(header.dateTime);
      if (!fileAt)
        throw new IngestRefusal(
          400,
          'INVALID_INPUT',
          `Source DateTime ${header.dateTime ?? '(missing)'} is not a date and time.`,
        );
      const [own] = await db.db.select().from(council).where(eq(council.id, system.orgId));
      if (!own)
        throw new IngestRefusal(403, 'FORBIDDEN', `${system.orgId} is not a council this hub serves.`);
      if (header.lea !== own.laCode)
        throw new IngestRefusal(
          403,
          'FORBIDDEN',
          `This census is from LA ${header.lea ?? '(missing)'}, not the sending council's own (${own.laCode}): a council may send only its own children.`,
        );
      header.councilId = own.id;
      header.fileAt = fileAt.toISOString();
      header.reference = header.referenceDate;
      return `cin:${own.id}`;
    },
    parseRecord(xml, index, header) {
      // The census ReferenceDate bounds every date in it.
      const parsed = parseCinChild(xml, index, header.reference);
      return parsed.ok ? { ok: true, record: parsed.child, sourceId: parsed.child.laChildId } : parsed;
    },
    identity(c, system) {
      return {
        system,
        sourceId: c.laChildId,
        identifiers: { laChildId: c.laChildId, ...(c.upn ? { upn: c.upn } : {}) },
        demographics: { givenName: NO_NAME, familyName: NO_NAME, dateOfBirth: c.dob, sex: c.sex },
      };
    },
    store: (batch, header, system) => storeCinBatch(db, batch, header, system),
    relink: (system, current) => relinkCin(db, system, current),
  };
}

type Row = typeof cinSource.$inferSelect;

/** Link decisions the council made since its last census file: show or take back the section. */
async function relinkCin(
  db: DbHandle,
  system: string,
  current: (ids: string[]) => Promise<Map<string, CurrentLink>>,
): Promise<string[]> {
  const held = await db.db.select().from(cinSource).where(eq(cinSource.system, system));
  if (held.length === 0) return [];
  const links = await current(held.map((r) => r.sourceId));
  const changed: string[] = [];
  await db.db.transaction(async (tx) => {
    for (const row of held) {
      const link = links.get(row.sourceId);
      if (!link || link.status === 'unknown') continue;
      const childId = link.status === 'linked' ? link.childId : null;
      if (childId === row.childId && link.status === row.linkStatus) continue;
      let created = row.createdProjection;
      if (row.childId && row.childId !== childId) {
        changed.push(row.childId);
        if (row.createdProjection) {
          await tx
            .delete(caseRecord)
            .where(
              and(
                eq(caseRecord.childId, row.childId),
                sql`${caseRecord.workerName} is null`,
                sql`not exists (select 1 from ${shortBreak} where ${shortBreak.childId} = ${caseRecord.childId})`,
              ),
            );
          created = false;
        } else {
          // Show what another source still linked to the child says, not the unlinked one.
          const [other] = await tx
            .select()
            .from(cinSource)
            .where(and(eq(cinSource.childId, row.childId), sql`${cinSource.sourceId} <> ${row.sourceId}`))
            .orderBy(sql`${cinSource.fileAt} desc`)
            .limit(1);
          if (other)
            await tx
              .update(caseRecord)
              .set({ status: (other.record as CinChild).status, updatedAt: other.fileAt })
              .where(and(eq(caseRecord.childId, row.childId), sql`${caseRecord.status} <> 'LOOKED_AFTER'`));
        }
      }
      if (childId && childId !== row.childId) {
        const c = row.record as CinChild;
        const [existing] = await tx
          .select({ status: caseRecord.status })
          .from(caseRecord)
          .where(eq(caseRecord.childId, childId));
        const status =
          existing?.status === 'LOOKED_AFTER' && c.status === 'CHILD_IN_NEED' ? 'LOOKED_AFTER' : c.status;
        await tx
          .insert(caseRecord)
          .values({ childId, status, updatedAt: row.fileAt })
          .onConflictDoUpdate({
            target: caseRecord.childId,
            set: { status: sql`excluded.status`, updatedAt: sql`excluded.updated_at` },
          });
        created = !existing;
        changed.push(childId);
      }
      await tx
        .update(cinSource)
        .set({
          childId,
          linkStatus: link.status as IdentityResult['status'],
          linkReason: childId ? null : 'Not linked to a child: held for the council.',
          createdProjection: created,
          updatedAt: sql`now()`,
        })
        .where(and(eq(cinSource.system, system), eq(cinSource.sourceId, row.sourceId)));
    }
  });
  return changed;
}

async function storeCinBatch(
  db: DbHandle,
  batch: Array<{ record: CinChild; sourceId: string; identity: IdentityResult }>,
  header: CheckedHeader,
  system: string,
): Promise<StoredResult[]> {
  return db.db.transaction(async (tx) => {
    const ids = batch.map((b) => b.sourceId);
    const existing = new Map<string, Row>(
      (
        await tx
          .select()
          .from(cinSource)
          .where(and(eq(cinSource.system, system), inArray(cinSource.sourceId, ids)))
      ).map((r) => [r.sourceId, r]),
    );
    const childIds = batch.flatMap((b) =>
      b.identity.status === 'linked' && b.identity.childId ? [b.identity.childId] : [],
    );
    const cases = new Map(
      childIds.length
        ? (
            await tx
              .select({ id: caseRecord.childId, status: caseRecord.status })
              .from(caseRecord)
              .where(inArray(caseRecord.childId, childIds))
          ).map((r) => [r.id, r.status])
        : [],
    );
    const results: StoredResult[] = [];
    const upserts: Array<typeof cinSource.$inferInsert> = [];
    const projections: Array<typeof caseRecord.$inferInsert> = [];
    const takeBack: string[] = [];
    for (const { record, sourceId, identity } of batch) {
      const childId = identity.status === 'linked' && identity.childId ? identity.childId : null;
      const old = existing.get(sourceId);
      const reason = childId
        ? undefined
        : (identity.reason ?? 'Not linked to a child: held for the council.');
      if (old && Date.parse(old.fileAt) > Date.parse(header.fileAt) && old.childId === childId) {
        results.push({
          sourceId,
          outcome: 'unchanged',
          link: identity.status,
          childId: childId ?? undefined,
          reason: 'An older file than the one already held for this child: not applied.',
        });
        continue;
      }
      if (
        old &&
        old.contentHash === record.contentHash &&
        old.childId === childId &&
        old.linkStatus === identity.status
      ) {
        results.push({
          sourceId,
          outcome: 'unchanged',
          link: identity.status,
          childId: childId ?? undefined,
          reason,
        });
        continue;
      }
      let createdProjection = old?.createdProjection ?? false;
      if (old?.childId && old.childId !== childId && old.createdProjection) {
        takeBack.push(old.childId);
        createdProjection = false;
      }
      if (childId) {
        const current = cases.get(childId);
        if (current === undefined) {
          createdProjection = true;
          cases.set(childId, record.status);
        }
        // The census cannot say a child is looked after: an open episode keeps LOOKED_AFTER.
        const status =
          current === 'LOOKED_AFTER' && record.status === 'CHILD_IN_NEED' ? 'LOOKED_AFTER' : record.status;
        projections.push({ childId, status, updatedAt: header.fileAt });
      }
      upserts.push({
        system,
        sourceId,
        councilId: header.councilId,
        childId,
        linkStatus: identity.status,
        linkReason: reason ?? null,
        record,
        contentHash: record.contentHash,
        fileAt: header.fileAt,
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
    if (takeBack.length)
      await tx
        .delete(caseRecord)
        .where(
          and(
            inArray(caseRecord.childId, takeBack),
            sql`${caseRecord.workerName} is null`,
            sql`not exists (select 1 from ${shortBreak} where ${shortBreak.childId} = ${caseRecord.childId})`,
          ),
        );
    for (let i = 0; i < projections.length; i += 500)
      await tx
        .insert(caseRecord)
        .values(projections.slice(i, i + 500))
        .onConflictDoUpdate({
          target: caseRecord.childId,
          set: { status: sql`excluded.status`, updatedAt: sql`excluded.updated_at` },
        });
    for (let i = 0; i < upserts.length; i += 500)
      await tx
        .insert(cinSource)
        .values(upserts.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [cinSource.system, cinSource.sourceId],
          set: {
            councilId: sql`excluded.council_id`,
            childId: sql`excluded.child_id`,
            linkStatus: sql`excluded.link_status`,
            linkReason: sql`excluded.link_reason`,
            record: sql`excluded.record`,
            contentHash: sql`excluded.content_hash`,
            fileAt: sql`excluded.file_at`,
            createdProjection: sql`excluded.created_projection`,
            updatedAt: sql`now()`,
          },
        });
    return results;
  });
}
