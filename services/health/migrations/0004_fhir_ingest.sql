-- FHIR R4 ingest (POST /fhir): what NHS trusts send, as they sent it, and where it landed.
-- Every resource is kept per sending organisation under the sender's own ids; the health
-- section's rows are derived from them only for patients the record service has linked to a
-- child, so a patient waiting for the council's review is visible nowhere.

create table health.fhir_resource (
  org_id text not null,
  resource_type text not null,
  resource_id text not null,
  -- meta.versionId / meta.lastUpdated as sent: an older version never overwrites a newer one.
  version_id text,
  last_updated timestamptz,
  -- SHA-256 of the resource without meta, keys sorted: the same content twice changes nothing.
  content_hash text not null,
  -- The Patient this resource is about (its own id for a Patient).
  patient_id text,
  resource jsonb not null,
  received_at timestamptz not null default now(),
  primary key (org_id, resource_type, resource_id)
);
create index fhir_resource_patient_idx on health.fhir_resource (org_id, patient_id);

-- The record service's answer for each (fhir:<org>, Patient.id): linked to a child, or held.
create table health.fhir_patient_link (
  org_id text not null,
  patient_id text not null,
  child_id uuid,
  status text not null check (status in ('linked', 'review', 'conflict', 'rejected')),
  reason text,
  checked_at timestamptz not null default now(),
  primary key (org_id, patient_id),
  check ((status = 'linked') = (child_id is not null))
);
create index fhir_patient_link_child_idx on health.fhir_patient_link (child_id) where child_id is not null;

-- Section rows derived from FHIR carry their source ('fhir:<org>/<Type>/<id>') and patient
-- ('fhir:<org>/Patient/<id>'); rows without a source (the synthetic seed, earlier data) are
-- never touched by the ingest.
alter table health.involvement add column source text, add column source_patient text;
alter table health.pathway_wait add column source text, add column source_patient text;
alter table health.diagnosis add column source text, add column source_patient text;
create unique index involvement_source_idx on health.involvement (source) where source is not null;
create unique index pathway_wait_source_idx on health.pathway_wait (source) where source is not null;
create unique index diagnosis_source_idx on health.diagnosis (source) where source is not null;
create index involvement_source_patient_idx on health.involvement (source_patient) where source_patient is not null;
create index pathway_wait_source_patient_idx on health.pathway_wait (source_patient) where source_patient is not null;
create index diagnosis_source_patient_idx on health.diagnosis (source_patient) where source_patient is not null;

-- The ingest may delete only rows it derived: a trigger refuses deleting or re-sourcing any
-- other row, whoever asks (the role's DELETE grant below is for derived rows only).
create function health.derived_rows_guard() returns trigger language plpgsql as $$
begin
  if old.source is null then
    raise exception 'only rows derived from FHIR can be changed or deleted by the ingest';
  end if;
  if tg_op = 'DELETE' then return old; end if;
  if new.source is distinct from old.source then
    raise exception 'a derived row keeps its source';
  end if;
  return new;
end $$;
create trigger involvement_derived_guard before update or delete on health.involvement
  for each row execute function health.derived_rows_guard();
create trigger pathway_wait_derived_guard before update or delete on health.pathway_wait
  for each row execute function health.derived_rows_guard();
create trigger diagnosis_derived_guard before update or delete on health.diagnosis
  for each row execute function health.derived_rows_guard();

grant select, insert, update, delete on health.fhir_resource, health.fhir_patient_link to hub_health;
grant insert, update, delete on health.involvement, health.pathway_wait, health.diagnosis to hub_health;
grant insert, update on health.health_record to hub_health;
