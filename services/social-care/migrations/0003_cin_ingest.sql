-- Children in Need census ingest (src/cin/): a council's case system sends its DfE CIN census
-- file (the same XML it returns to the DfE each year).

-- The councils this hub serves, by DfE LA code: a council may send only its own census.
create table social_care.council (
  id text primary key,
  la_code text not null unique check (la_code ~ '^\d{3}$')
);

-- One row per child record a council sent, keyed by (system, source_id) = ('cin:<council>',
-- LAchildID). child_id is set only while the record service's identity index links it to a
-- child; an unlinked record is held here and shown nowhere. The social-care section
-- (case_record) is projected from linked rows.
create table social_care.cin_source (
  system text not null check (char_length(system) between 1 and 100),
  source_id text not null check (char_length(source_id) between 1 and 200),
  council_id text not null references social_care.council (id),
  child_id uuid,
  link_status text not null check (link_status in ('linked', 'review', 'conflict', 'rejected')),
  link_reason text,
  -- The parsed child (identifiers, CIN episodes, child protection plans) and its hash.
  record jsonb not null,
  content_hash text not null,
  file_at timestamptz not null,
  -- True when this source created the child's case_record (so an unlink removes it again).
  created_projection boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (system, source_id),
  check ((link_status = 'linked') = (child_id is not null))
);
create index cin_source_child_idx on social_care.cin_source (child_id) where child_id is not null;

grant select on social_care.council to hub_social_care;
grant select, insert, update on social_care.cin_source to hub_social_care;
grant insert on social_care.case_record to hub_social_care;
grant update (status, updated_at) on social_care.case_record to hub_social_care;
-- An unlinked source's projection is removed again (only a row the CIN file created).
grant delete on social_care.case_record to hub_social_care;
