-- Social care advice for an EHC needs assessment (SEND Regulations 2014 reg 6(1)(e)), written in the hub with
-- the same lifecycle as health advice (@hub/service-kit advice.ts; health migration 0002): a draft
-- can be edited by its organisation; once submitted it is evidence and never changes: a
-- correction is a new version (supersedes_id) that starts as a draft.
create table social_care.social_care_advice (
  id uuid primary key,
  child_id uuid not null,
  -- The record service's assessment id (no foreign key across bounded contexts).
  assessment_id uuid not null,
  version integer not null check (version >= 1),
  supersedes_id uuid references social_care.social_care_advice (id),
  status text not null check (status in ('draft', 'submitted')),
  needs text not null default '',
  outcomes_sought text not null default '',
  provision_recommended text not null default '',
  author_sub text not null,
  author_name text not null,
  organisation_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  submitted_at timestamptz,
  check ((status = 'submitted') = (submitted_at is not null))
);
create index social_care_advice_child_idx on social_care.social_care_advice (child_id, created_at);
-- One open draft per organisation and assessment; one correction per submitted version.
create unique index social_care_advice_one_draft_idx on social_care.social_care_advice (assessment_id, organisation_id) where status = 'draft';
create unique index social_care_advice_supersedes_idx on social_care.social_care_advice (supersedes_id) where supersedes_id is not null;

create function social_care.social_care_advice_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'social care advice is kept: rows cannot be deleted';
  end if;
  if old.status = 'submitted' then
    raise exception 'submitted social care advice is immutable; write a correction';
  end if;
  if new.id <> old.id or new.child_id <> old.child_id or new.assessment_id <> old.assessment_id
     or new.version <> old.version or new.supersedes_id is distinct from old.supersedes_id
     or new.organisation_id <> old.organisation_id or new.created_at <> old.created_at then
    raise exception 'only the content and status of a draft can change';
  end if;
  return new;
end $$;
create trigger social_care_advice_guard before update or delete on social_care.social_care_advice
  for each row execute function social_care.social_care_advice_guard();
-- TRUNCATE skips row triggers: the service's role is never granted it (nor DELETE).

-- The service writes only its advice: drafts are edited, then submitted (the guard keeps
-- submitted advice immutable). No DELETE or TRUNCATE.
grant select, insert, update on social_care.social_care_advice to hub_social_care;
