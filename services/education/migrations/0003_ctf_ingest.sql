-- Common Transfer File ingest (src/ctf/): schools send their pupils in the DfE CTF format.
--
-- Each school is known to the hub by its DfE number (LA code + establishment number), so a
-- CTF header can be checked against the system token that sent it.
alter table education.school add column la_code text check (la_code ~ '^\d{3}$');
alter table education.school add column estab text check (estab ~ '^\d{4}$');
create unique index school_dfe_number_idx on education.school (la_code, estab);

-- The councils (local authorities) this hub serves, by DfE LA code: a CTF addressed to any
-- other LA is refused. Loaded with the schools (seed, or by the operator for a real council).
create table education.council (
  id text primary key,
  la_code text not null unique check (la_code ~ '^\d{3}$')
);

-- One row per pupil record a school sent, keyed by (system, source_id) = ('ctf:<school>', UPN).
-- child_id is set only while the record service's identity index links it to a child: an
-- unlinked pupil (waiting for the council's review, a conflict, refused) is held here and
-- shown nowhere. The education section (pupil) is projected from linked rows.
create table education.ctf_source (
  system text not null check (char_length(system) between 1 and 100),
  source_id text not null check (char_length(source_id) between 1 and 200),
  school_id text not null references education.school (id),
  child_id uuid,
  link_status text not null check (link_status in ('linked', 'review', 'conflict', 'rejected')),
  link_reason text,
  -- The parsed pupil (identity, SEN history and needs, attendance years) and its hash: the same
  -- pupil sent again is unchanged; an older file (header DateTime) never overwrites a newer one.
  record jsonb not null,
  content_hash text not null,
  file_at timestamptz not null,
  -- True when this source created the child's pupil row (so an unlink removes it again).
  created_projection boolean not null default false,
  updated_at timestamptz not null default now(),
  primary key (system, source_id),
  check ((link_status = 'linked') = (child_id is not null))
);
create index ctf_source_child_idx on education.ctf_source (child_id) where child_id is not null;

-- The service now writes: its own ingest table, and the section it projects into.
grant select on education.council to hub_education;
grant select, insert, update on education.ctf_source to hub_education;
grant insert on education.pupil to hub_education;
grant update (school_id, sen_status, attendance_percent, updated_at) on education.pupil to hub_education;
-- An unlinked source's projection is removed again (only a row the CTF created, never a seeded one).
grant delete on education.pupil to hub_education;
