-- Master child index: which child each agency's source record belongs to (see
-- services/record/src/identity/). One row per source record (system, source_id) with its
-- current state; every change of state is an append-only link event. Nothing is deleted:
-- an unlink or a rejection is a new state, and the history says who, when, why and through
-- which request.
create table record.identity_source (
  -- The match id the council's review API uses.
  id uuid primary key,
  -- Source system, e.g. 'ctf:school-1', 'fhir:trust-1', 'cin:la-1', and the record's id there.
  system text not null check (char_length(system) between 1 and 100),
  source_id text not null check (char_length(source_id) between 1 and 200),
  -- The organisation that sent it (from the adapter's request).
  org_id text not null,
  -- The council that decides on it. Null while the hub serves one council (see
  -- identity/scope.ts: the hook for more than one).
  council_id text,
  -- As last received: {nhsNumber, nhsNumberVerified, upn, laChildId}.
  identifiers jsonb not null,
  given_name text not null,
  family_name text not null,
  date_of_birth date not null,
  sex text check (sex in ('male', 'female', 'other', 'unknown')),
  postcode text,
  status text not null check (status in ('linked', 'pending_review', 'conflict', 'rejected')),
  child_id uuid references record.child (id),
  -- Scored candidate children at the last (re)match: [{childId, score, comparisons}].
  candidates jsonb not null default '[]',
  reason text not null,
  -- Set by a council decision (reject, unlink): resends never re-link it automatically.
  held boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (system, source_id),
  check ((status = 'linked') = (child_id is not null))
);
create index identity_source_queue_idx on record.identity_source (status, created_at, id);
create index identity_source_child_idx on record.identity_source (child_id) where child_id is not null;

create table record.identity_link_event (
  id uuid primary key,
  source_row_id uuid not null references record.identity_source (id),
  -- auto_linked | queued | conflict | rejected_input | resubmitted | confirmed | rejected |
  -- new_child | unlinked
  event text not null,
  status text not null,
  child_id uuid,
  -- The child the source was linked to before this event (unlink, re-link).
  previous_child_id uuid,
  -- Who: a service ('identity-resolve' with the sending org) or a council officer.
  actor_sub text not null,
  actor_role text not null,
  actor_org text not null,
  -- The ingest or GraphQL request this happened in (the gateway's audit event has the same id).
  request_id text not null,
  reason text not null check (char_length(reason) <= 2000),
  at timestamptz not null default clock_timestamp()
);
create index identity_link_event_source_idx on record.identity_link_event (source_row_id, at);

-- History is append-only: the table refuses UPDATE and DELETE whoever asks.
create function record.identity_link_event_append_only() returns trigger
language plpgsql as $$
begin
  raise exception 'identity link events are append-only';
end $$;
create trigger identity_link_event_append_only
  before update or delete on record.identity_link_event
  for each row execute function record.identity_link_event_append_only();
create trigger identity_link_event_no_truncate
  before truncate on record.identity_link_event
  for each statement execute function record.identity_link_event_append_only();

-- Grants (least privilege, see 0004_db_role.sql). The identity index now creates a child when
-- the council decides a source record is a child new to the hub, with the council's
-- responsibility for it: so hub_record may INSERT children and relationships (never UPDATE or
-- DELETE them beyond 0004's one column).
grant insert on record.child, record.child_relationship to hub_record;
grant select, insert on record.identity_source, record.identity_link_event to hub_record;
grant update (identifiers, given_name, family_name, date_of_birth, sex, postcode, status, child_id,
  candidates, reason, held, council_id, updated_at) on record.identity_source to hub_record;
