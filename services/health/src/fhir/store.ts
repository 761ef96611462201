import type { DbHandle } from '@hub/db';
import type { Resource } from '@medplum/fhirtypes';
import { type DerivedRows, deriveRows } from './derive.ts';
import type { IdentityResult } from './identity.ts';

type Sql = Pick<DbHandle, 'query'>;

export interface StoredVersion {
  type: string;
  id: string;
  versionId: string | null;
  lastUpdated: string | null;
  contentHash: string;
}

export interface ResourceWrite {
  type: string;
  id: string;
  versionId: string | undefined;
  lastUpdated: string | undefined;
  contentHash: string;
  patientId: string | undefined;
  resource: Resource;
}

/** What the store holds for these keys (one statement). */
export async function storedVersions(db: Sql, orgId: string, keys: { type: string; id: string }[]) {
  const rows = await db.query<{
    resource_type: string;
    resource_id: string;
    version_id: string | null;
    last_updated: string | Date | null;
    content_hash: string;
  }>(
    `select r.resource_type, r.resource_id, r.version_id, r.last_updated, r.content_hash
       from health.fhir_resource r
       join jsonb_to_recordset($2::jsonb) as k(type text, id text)
         on r.resource_type = k.type and r.resource_id = k.id
      where r.org_id = $1`,
    [orgId, JSON.stringify(keys)],
  );
  const map = new Map<string, StoredVersion>();
  for (const r of rows)
    map.set(`${r.resource_type}/${r.resource_id}`, {
      type: r.resource_type,
      id: r.resource_id,
      versionId: r.version_id,
      lastUpdated: r.last_updated === null ? null : new Date(r.last_updated).toISOString(),
      contentHash: r.content_hash,
    });
  return map;
}

export async function upsertResources(db: Sql, orgId: string, writes: ResourceWrite[]): Promise<void> {
  if (writes.length === 0) return;
  await db.query(
    `insert into health.fhir_resource
       (org_id, resource_type, resource_id, version_id, last_updated, content_hash, patient_id, resource, received_at)
     select $1, w.type, w.id, w.version_id, w.last_updated, w.content_hash, w.patient_id, w.resource, now()
       from jsonb_to_recordset($2::jsonb)
         as w(type text, id text, version_id text, last_updated timestamptz, content_hash text, patient_id text, resource jsonb)
     on conflict (org_id, resource_type, resource_id) do update set
       version_id = excluded.version_id, last_updated = excluded.last_updated,
       content_hash = excluded.content_hash, patient_id = excluded.patient_id,
       resource = excluded.resource, received_at = now()`,
    [
      orgId,
      JSON.stringify(
        writes.map((w) => ({
          type: w.type,
          id: w.id,
          version_id: w.versionId ?? null,
          last_updated: w.lastUpdated ?? null,
          content_hash: w.contentHash,
          patient_id: w.patientId ?? null,
          resource: w.resource,
        })),
      ),
    ],
  );
}

/** Deletes the named resources; returns the patients they were about. A Patient takes its link with it. */
export async function deleteResources(db: Sql, orgId: string, keys: { type: string; id: string }[]) {
  if (keys.length === 0) return [] as string[];
  const rows = await db.query<{ patient_id: string | null; resource_type: string; resource_id: string }>(
    `delete from health.fhir_resource r
      using jsonb_to_recordset($2::jsonb) as k(type text, id text)
      where r.org_id = $1 and r.resource_type = k.type and r.resource_id = k.id
      returning r.patient_id, r.resource_type, r.resource_id`,
    [orgId, JSON.stringify(keys)],
  );
  const patients = keys.filter((k) => k.type === 'Patient').map((k) => k.id);
  if (patients.length > 0)
    await db.query(
      `delete from health.fhir_patient_link where org_id = $1 and patient_id = any($2::text[])`,
      [orgId, patients],
    );
  return rows.map((r) => r.patient_id).filter((p): p is string => p !== null);
}

export async function upsertLinks(
  db: Sql,
  orgId: string,
  links: { patientId: string; result: IdentityResult }[],
) {
  if (links.length === 0) return;
  await db.query(
    `insert into health.fhir_patient_link (org_id, patient_id, child_id, status, reason, checked_at)
     select $1, l.patient_id, l.child_id, l.status, l.reason, now()
       from jsonb_to_recordset($2::jsonb) as l(patient_id text, child_id uuid, status text, reason text)
     on conflict (org_id, patient_id) do update set
       child_id = excluded.child_id, status = excluded.status, reason = excluded.reason, checked_at = now()`,
    [
      orgId,
      JSON.stringify(
        links.map(({ patientId, result }) => ({
          patient_id: patientId,
          child_id: result.status === 'linked' ? (result.childId ?? null) : null,
          status: result.status === 'linked' && !result.childId ? 'rejected' : result.status,
          reason: result.reason ?? null,
        })),
      ),
    ],
  );
}

const DERIVE_CHUNK = 200;

/**
 * Recomputes the health section rows of these patients from everything stored for them: rows of
 * a patient not linked to a child are removed (and none are written), so an unlinked patient is
 * visible nowhere. Returns the children whose section was rewritten.
 */
export async function rederive(
  db: DbHandle,
  orgId: string,
  patientIds: Iterable<string>,
  tx?: Sql,
): Promise<Set<string>> {
  const ids = [...new Set(patientIds)];
  const children = new Set<string>();
  for (let i = 0; i < ids.length; i += DERIVE_CHUNK) {
    const slice = ids.slice(i, i + DERIVE_CHUNK);
    const run = async (sql: Sql) => {
      const links = await sql.query<{ patient_id: string; child_id: string }>(
        `select patient_id, child_id from health.fhir_patient_link
          where org_id = $1 and patient_id = any($2::text[]) and child_id is not null`,
        [orgId, slice],
      );
      const childOf = new Map(links.map((l) => [l.patient_id, l.child_id]));
      const resources = childOf.size
        ? await sql.query<{
            patient_id: string;
            resource_type: string;
            last_updated: string | null;
            resource: Resource | string;
          }>(
            `select patient_id, resource_type, last_updated, resource from health.fhir_resource
              where org_id = $1 and patient_id = any($2::text[])`,
            [orgId, [...childOf.keys()]],
          )
        : [];
      const byPatient = new Map<string, Resource[]>();
      // The section's "last updated" is when the sender last changed anything of the patient's
      // (meta.lastUpdated), not when the hub happened to receive it.
      const lastUpdated = new Map<string, string>();
      for (const r of resources) {
        const at = r.last_updated ? new Date(r.last_updated).toISOString() : undefined;
        if (at && at > (lastUpdated.get(r.patient_id) ?? '')) lastUpdated.set(r.patient_id, at);
        if (r.resource_type === 'Patient') continue;
        const list = byPatient.get(r.patient_id) ?? [];
        list.push(typeof r.resource === 'string' ? (JSON.parse(r.resource) as Resource) : r.resource);
        byPatient.set(r.patient_id, list);
      }
      const sourcePatients = slice.map((p) => `fhir:${orgId}/Patient/${p}`);
      // Support first: it refers to the waits.
      for (const table of ['support_while_waiting', 'involvement', 'pathway_wait', 'diagnosis']) {
        const removed = await sql.query<{ child_id: string }>(
          `delete from health.${table} where source_patient = any($1::text[]) returning child_id`,
          [sourcePatients],
        );
        for (const r of removed) children.add(r.child_id);
      }
      const rows: {
        [K in keyof DerivedRows]: (DerivedRows[K][number] & { child_id: string; source_patient: string })[];
      } = {
        involvements: [],
        pathwayWaits: [],
        diagnoses: [],
        supportWhileWaiting: [],
      };
      const updatedAt = new Map<string, string>();
      for (const [patientId, childId] of childOf) {
        const derived = deriveRows(orgId, byPatient.get(patientId) ?? []);
        const extra = { child_id: childId, source_patient: `fhir:${orgId}/Patient/${patientId}` };
        rows.involvements.push(...derived.involvements.map((r) => ({ ...r, ...extra })));
        rows.pathwayWaits.push(...derived.pathwayWaits.map((r) => ({ ...r, ...extra })));
        rows.diagnoses.push(...derived.diagnoses.map((r) => ({ ...r, ...extra })));
        rows.supportWhileWaiting.push(...derived.supportWhileWaiting.map((r) => ({ ...r, ...extra })));
        if (derived.involvements.length + derived.pathwayWaits.length + derived.diagnoses.length > 0) {
          children.add(childId);
          const at = lastUpdated.get(patientId) ?? new Date().toISOString();
          if (at > (updatedAt.get(childId) ?? '')) updatedAt.set(childId, at);
        }
      }
      if (updatedAt.size === 0) return;
      // Never moves back: another sender's newer change to the same child stands.
      await sql.query(
        `insert into health.health_record (child_id, updated_at)
         select child_id, at from jsonb_to_recordset($1::jsonb) as r(child_id uuid, at timestamptz)
         on conflict (child_id) do update set updated_at = greatest(health.health_record.updated_at, excluded.updated_at)`,
        [JSON.stringify([...updatedAt].map(([child_id, at]) => ({ child_id, at })))],
      );
      if (rows.involvements.length)
        await sql.query(
          `insert into health.involvement (id, child_id, organisation_id, service, start_date, end_date, source, source_patient)
           select id, child_id, "organisationId", service, "startDate", "endDate", source, source_patient
             from jsonb_to_recordset($1::jsonb) as r(id uuid, child_id uuid, "organisationId" text, service text,
                  "startDate" date, "endDate" date, source text, source_patient text)`,
          [JSON.stringify(rows.involvements)],
        );
      if (rows.pathwayWaits.length)
        await sql.query(
          `insert into health.pathway_wait (id, child_id, pathway, referral_date, seen_date, source, source_patient)
           select id, child_id, pathway, "referralDate", "seenDate", source, source_patient
             from jsonb_to_recordset($1::jsonb) as r(id uuid, child_id uuid, pathway text, "referralDate" date,
                  "seenDate" date, source text, source_patient text)`,
          [JSON.stringify(rows.pathwayWaits)],
        );
      if (rows.diagnoses.length)
        await sql.query(
          `insert into health.diagnosis (id, child_id, description, diagnosed_on, source, source_patient)
           select id, child_id, description, "diagnosedOn", source, source_patient
             from jsonb_to_recordset($1::jsonb) as r(id uuid, child_id uuid, description text, "diagnosedOn" date,
                  source text, source_patient text)`,
          [JSON.stringify(rows.diagnoses)],
        );
      if (rows.supportWhileWaiting.length)
        await sql.query(
          `insert into health.support_while_waiting (id, child_id, pathway_wait_id, description, offered_by, offered_on, source, source_patient)
           select id, child_id, "pathwayWaitId", description, "offeredBy", "offeredOn", source, source_patient
             from jsonb_to_recordset($1::jsonb) as r(id uuid, child_id uuid, "pathwayWaitId" uuid, description text,
                  "offeredBy" text, "offeredOn" date, source text, source_patient text)`,
          [JSON.stringify(rows.supportWhileWaiting)],
        );
    };
    if (tx) await run(tx);
    else await db.transaction(run);
  }
  return children;
}

/** Every patient a sender has sent, with its current link (the relink sweep reads them in pages). */
export async function allLinks(db: Sql) {
  return db.query<{ org_id: string; patient_id: string; child_id: string | null }>(
    `select org_id, patient_id, child_id from health.fhir_patient_link order by org_id, patient_id`,
  );
}
