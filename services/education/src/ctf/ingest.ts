import type { SystemPrincipal } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import {
  headerInstant,
  type IdentityResult,
  IngestRefusal,
  sourceSectionStore,
  type XmlIngestSpec,
} from '@hub/service-kit';
import { and, eq, sql } from 'drizzle-orm';
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
  const section = ctfSection(db);
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
      const fileAt = headerInstant(header.dateTime, 'Header DateTime');
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
      header.fileAt = fileAt;
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
    store: (batch, header, system) =>
      section.store(batch, { ownerId: header.schoolId, fileAt: header.fileAt }, system),
    relink: section.relink,
  };
}

/**
 * Pupils the school sent, held in `ctf_source`; a linked pupil is projected into the education
 * section (`pupil`: school, SEN status, attendance). SENCO notes and provision are the school's
 * own and never touched: a row with either is never taken back.
 */
function ctfSection(db: DbHandle) {
  return sourceSectionStore<CtfPupil>(db, {
    source: { table: ctfSource, ownerKey: 'schoolId' },
    projection: {
      table: pupil,
      childId: pupil.childId,
      values: (childId, p, from) => ({
        childId,
        schoolId: from.ownerId,
        senStatus: p.senStatus,
        attendancePercent: p.attendancePercent,
        updatedAt: from.fileAt,
      }),
      refresh: ['schoolId', 'senStatus', 'attendancePercent', 'updatedAt'],
      untouched: () => [
        sql`${pupil.sencoNotes} is null`,
        sql`not exists (select 1 from ${provision} where ${provision.childId} = ${pupil.childId})`,
      ],
    },
    noun: 'pupil',
    notLinkedReason: linkReason,
  });
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
