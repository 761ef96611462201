import type { SystemPrincipal } from '@hub/auth';
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
import { council, ctfSource, provision, pupil, school } from '../tables.ts';
import {
  CtfError,
  type CtfHeader,
  type CtfPupil,
  ctfMajorVersion,
  parseCtfHeader,
  parseCtfPupil,
  SUPPORTED_CTF_VERSIONS,
} from './parse.ts';

interface CheckedHeader extends CtfHeader {
  schoolId: string;
  fileAt: string;
}

const toRefusal = (error: unknown): never => {
  if (error instanceof CtfError)
    throw new IngestRefusal(
      error.code === 'FORBIDDEN' ? 403 : error.code === 'UNSUPPORTED_VERSION' ? 422 : 400,
      error.code,
      error.message,
    );
  throw error;
};

/** The CTF adapter: `today` (YYYY-MM-DD, England) bounds dates in the file. */
export function ctfIngestSpec(db: DbHandle, today: () => string): XmlIngestSpec<CheckedHeader, CtfPupil> {
  return {
    format: 'ctf',
    recordTag: 'Pupil',
    parseHeader(prefix) {
      try {
        return parseCtfHeader(prefix) as CheckedHeader;
      } catch (error) {
        return toRefusal(error);
      }
    },
    async checkHeader(header, system) {
      if (system.orgType !== 'school')
        throw new IngestRefusal(403, 'FORBIDDEN', 'Only a school system may send a Common Transfer File.');
      if (header.documentName !== null && header.documentName !== 'Common Transfer File')
        throw new IngestRefusal(
          400,
          'INVALID_INPUT',
          `DocumentName is "${header.documentName}", not "Common Transfer File".`,
        );
      const major = ctfMajorVersion(header.version);
      if (major === null || major < SUPPORTED_CTF_VERSIONS.min || major > SUPPORTED_CTF_VERSIONS.max)
        throw new IngestRefusal(
          422,
          'UNSUPPORTED_VERSION',
          `CTFversion ${header.version ?? '(missing)'} is not supported: this hub reads CTF ${SUPPORTED_CTF_VERSIONS.min}.0 to ${SUPPORTED_CTF_VERSIONS.max}.x.`,
        );
      const fileAt = englishDateTime(header.dateTime);
      if (!fileAt)
        throw new IngestRefusal(
          400,
          'INVALID_INPUT',
          `Header DateTime ${header.dateTime ?? '(missing)'} is not a date and time.`,
        );
      if (!header.source.lea || !header.source.estab)
        throw new IngestRefusal(400, 'INVALID_INPUT', 'SourceSchool LEA and Estab are required.');
      const [source] = await db.db
        .select({ id: school.id })
        .from(school)
        .where(and(eq(school.laCode, header.source.lea), eq(school.estab, header.source.estab)));
      if (!source || source.id !== system.orgId)
        throw new IngestRefusal(
          403,
          'FORBIDDEN',
          `This CTF comes from school ${header.source.lea}${header.source.estab}, which is not the sending system's school (${system.orgId}): a school may send only its own pupils.`,
        );
      const served = await db.db.select({ laCode: council.laCode }).from(council);
      if (!header.dest.lea || !served.some((c) => c.laCode === header.dest.lea))
        throw new IngestRefusal(
          403,
          'FORBIDDEN',
          `This CTF is addressed to LA ${header.dest.lea ?? '(missing)'}, which this hub does not serve (it serves ${served.map((c) => c.laCode).join(', ') || 'no council yet'}).`,
        );
      header.schoolId = source.id;
      header.fileAt = fileAt.toISOString();
      return `ctf:${source.id}`;
    },
    parseRecord(xml, index) {
      const parsed = parseCtfPupil(xml, index, today());
      return parsed.ok ? { ok: true, record: parsed.pupil, sourceId: parsed.pupil.upn } : parsed;
    },
    identity(p, system) {
      return {
        system,
        sourceId: p.upn,
        identifiers: { upn: p.upn },
        demographics: {
          givenName: p.forename,
          familyName: p.surname,
          dateOfBirth: p.dob,
          sex: p.sex,
          ...(p.postcode ? { postcode: p.postcode } : {}),
        },
      };
    },
    store: (batch, header, system) => storeCtfBatch(db, batch, header, system),
    relink: (system, current) => relinkCtf(db, system, current),
  };
}

type Row = typeof ctfSource.$inferSelect;

/**
 * One transaction per batch. Per pupil: created / updated / unchanged (same content and same
 * link, or an older file than the one held). Linked pupils are projected into the education
 * section (`pupil`: school, SEN status, attendance; SENCO notes and provision are the school's
 * own and never touched); a source that is no longer linked takes back a row it created.
 */
async function storeCtfBatch(
  db: DbHandle,
  batch: Array<{ record: CtfPupil; sourceId: string; identity: IdentityResult }>,
  header: CheckedHeader,
  system: string,
): Promise<StoredResult[]> {
  return db.db.transaction(async (tx) => {
    const ids = batch.map((b) => b.sourceId);
    const existing = new Map<string, Row>(
      (
        await tx
          .select()
          .from(ctfSource)
          .where(and(eq(ctfSource.system, system), inArray(ctfSource.sourceId, ids)))
      ).map((r) => [r.sourceId, r]),
    );
    const childIds = batch.flatMap((b) =>
      b.identity.status === 'linked' && b.identity.childId ? [b.identity.childId] : [],
    );
    const projected = new Set(
      childIds.length
        ? (await tx.select({ id: pupil.childId }).from(pupil).where(inArray(pupil.childId, childIds))).map(
            (r) => r.id,
          )
        : [],
    );
    const results: StoredResult[] = [];
    const upserts: Array<typeof ctfSource.$inferInsert> = [];
    const projections: Array<typeof pupil.$inferInsert> = [];
    const takeBack: string[] = [];
    for (const { record, sourceId, identity } of batch) {
      const linked = identity.status === 'linked' && !!identity.childId;
      const childId = linked ? identity.childId! : null;
      const old = existing.get(sourceId);
      const reason = linked ? undefined : (identity.reason ?? linkReason(identity.status));
      if (old && Date.parse(old.fileAt) > Date.parse(header.fileAt) && old.childId === childId) {
        results.push({
          sourceId,
          outcome: 'unchanged',
          link: identity.status,
          childId: childId ?? undefined,
          reason: 'An older file than the one already held for this pupil: not applied.',
        });
        continue;
      }
      const same =
        old &&
        old.contentHash === record.contentHash &&
        old.childId === childId &&
        old.linkStatus === identity.status;
      if (same) {
        results.push({
          sourceId,
          outcome: 'unchanged',
          link: identity.status,
          childId: childId ?? undefined,
          reason,
        });
        continue;
      }
      // The link moved away from a child whose pupil row this source created: take it back.
      let createdProjection = old?.createdProjection ?? false;
      if (old?.childId && old.childId !== childId && old.createdProjection) {
        takeBack.push(old.childId);
        createdProjection = false;
      }
      if (childId) {
        if (!projected.has(childId)) {
          createdProjection = true;
          projected.add(childId);
        }
        projections.push({
          childId,
          schoolId: header.schoolId,
          senStatus: record.senStatus,
          attendancePercent: record.attendancePercent,
          updatedAt: header.fileAt,
        });
      }
      upserts.push({
        system,
        sourceId,
        schoolId: header.schoolId,
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
    if (takeBack.length) {
      // Only a row nobody else added to: the school's own provision or notes keep it.
      await tx
        .delete(pupil)
        .where(
          and(
            inArray(pupil.childId, takeBack),
            sql`${pupil.sencoNotes} is null`,
            sql`not exists (select 1 from ${provision} where ${provision.childId} = ${pupil.childId})`,
          ),
        );
    }
    for (let i = 0; i < projections.length; i += 500) {
      await tx
        .insert(pupil)
        .values(projections.slice(i, i + 500))
        .onConflictDoUpdate({
          target: pupil.childId,
          set: {
            schoolId: sql`excluded.school_id`,
            senStatus: sql`excluded.sen_status`,
            attendancePercent: sql`excluded.attendance_percent`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    }
    for (let i = 0; i < upserts.length; i += 500) {
      await tx
        .insert(ctfSource)
        .values(upserts.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [ctfSource.system, ctfSource.sourceId],
          set: {
            schoolId: sql`excluded.school_id`,
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
    }
    return results;
  });
}

/**
 * Link decisions the council made since the school's last file (confirmed, rejected, undone):
 * a held pupil now linked shows on its child; a pupil no longer linked leaves the child (the
 * row it created goes; a seeded row with the school's own notes or provision stays).
 */
async function relinkCtf(
  db: DbHandle,
  system: string,
  current: (ids: string[]) => Promise<Map<string, CurrentLink>>,
): Promise<string[]> {
  const held = await db.db.select().from(ctfSource).where(eq(ctfSource.system, system));
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
            .delete(pupil)
            .where(
              and(
                eq(pupil.childId, row.childId),
                sql`${pupil.sencoNotes} is null`,
                sql`not exists (select 1 from ${provision} where ${provision.childId} = ${pupil.childId})`,
              ),
            );
          created = false;
        } else {
          // The row was the child's before this source wrote to it: show what another source
          // still linked to the child says (the school's own record), not the unlinked one.
          const [other] = await tx
            .select()
            .from(ctfSource)
            .where(and(eq(ctfSource.childId, row.childId), sql`${ctfSource.sourceId} <> ${row.sourceId}`))
            .orderBy(sql`${ctfSource.fileAt} desc`)
            .limit(1);
          if (other) {
            const o = other.record as CtfPupil;
            await tx
              .update(pupil)
              .set({
                schoolId: other.schoolId,
                senStatus: o.senStatus,
                attendancePercent: o.attendancePercent,
                updatedAt: other.fileAt,
              })
              .where(eq(pupil.childId, row.childId));
          }
        }
      }
      if (childId && childId !== row.childId) {
        const p = row.record as CtfPupil;
        const [exists] = await tx.select({ id: pupil.childId }).from(pupil).where(eq(pupil.childId, childId));
        await tx
          .insert(pupil)
          .values({
            childId,
            schoolId: row.schoolId,
            senStatus: p.senStatus,
            attendancePercent: p.attendancePercent,
            updatedAt: row.fileAt,
          })
          .onConflictDoUpdate({
            target: pupil.childId,
            set: {
              schoolId: sql`excluded.school_id`,
              senStatus: sql`excluded.sen_status`,
              attendancePercent: sql`excluded.attendance_percent`,
              updatedAt: sql`excluded.updated_at`,
            },
          });
        created = !exists;
        changed.push(childId);
      }
      const status = link.status as IdentityResult['status'];
      await tx
        .update(ctfSource)
        .set({
          childId,
          linkStatus: status,
          linkReason: childId ? null : linkReason(status),
          createdProjection: created,
          updatedAt: sql`now()`,
        })
        .where(and(eq(ctfSource.system, system), eq(ctfSource.sourceId, row.sourceId)));
    }
  });
  return changed;
}

export function linkReason(status: IdentityResult['status']): string {
  switch (status) {
    case 'review':
      return 'Possible match with a child already on the hub: waiting for the council to confirm; not shown until then.';
    case 'conflict':
      return 'Conflicts with a child already on the hub (same identifier, different date of birth): flagged for the council, not linked.';
    case 'rejected':
      return 'Identity matching refused this record.';
    default:
      return '';
  }
}

export type { SystemPrincipal };
