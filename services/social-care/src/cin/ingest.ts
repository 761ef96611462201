import type { DbHandle } from '@hub/db';
import { headerInstant, IngestRefusal, sourceSectionStore, type XmlIngestSpec } from '@hub/service-kit';
import { eq, sql } from 'drizzle-orm';
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
  const section = cinSection(db);
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
      const fileAt = headerInstant(header.dateTime, 'Source DateTime');
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
      header.fileAt = fileAt;
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
    store: (batch, header, system) =>
      section.store(batch, { ownerId: header.councilId, fileAt: header.fileAt }, system),
    relink: section.relink,
  };
}

const NOT_LINKED = 'Not linked to a child: held for the council.';

/**
 * Children the council sent, held in `cin_source`; a linked child is projected into its
 * `case_record` (status). A row with a worker or short breaks is the council's own case work
 * and is never taken back.
 */
function cinSection(db: DbHandle) {
  return sourceSectionStore<CinChild>(db, {
    source: { table: cinSource, ownerKey: 'councilId' },
    projection: {
      table: caseRecord,
      childId: caseRecord.childId,
      stateKey: 'status',
      // The census cannot say a child is looked after: an open episode keeps LOOKED_AFTER.
      values: (childId, c, from, current) => ({
        childId,
        status: current?.state === 'LOOKED_AFTER' && c.status === 'CHILD_IN_NEED' ? 'LOOKED_AFTER' : c.status,
        updatedAt: from.fileAt,
      }),
      refresh: ['status', 'updatedAt'],
      untouched: () => [
        sql`${caseRecord.workerName} is null`,
        sql`not exists (select 1 from ${shortBreak} where ${shortBreak.childId} = ${caseRecord.childId})`,
      ],
      rewritable: () => sql`${caseRecord.status} <> 'LOOKED_AFTER'`,
    },
    noun: 'child',
    notLinkedReason: () => NOT_LINKED,
  });
}
