-- Tell it once: what the family told us, as an append-only list of versions. Each version is the
-- whole document (so any version can be shown as it was), with who changed what, and when.
create table record.family_information_version (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  version integer not null check (version >= 1),
  content jsonb not null,
  changed_fields jsonb not null,
  edited_by_sub text not null,
  edited_by_role text not null check (edited_by_role in ('parent_carer', 'young_person')),
  edited_by_name text,
  created_at timestamptz not null default now(),
  unique (child_id, version)
);
create trigger family_information_version_append_only before update or delete on record.family_information_version
  for each row execute function record.append_only();

-- A partner organisation vouches for one family-provided item (e.g. a diagnosis). The item's
-- wording at the time is kept: if the family later changes it, the confirmation no longer shows.
create table record.family_item_confirmation (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  item_id uuid not null,
  item_description text not null,
  organisation_id text not null,
  organisation_type text not null,
  confirmed_by_sub text not null,
  note text,
  confirmed_at timestamptz not null default now()
);
create index family_item_confirmation_child_idx on record.family_item_confirmation (child_id);
create trigger family_item_confirmation_append_only before update or delete on record.family_item_confirmation
  for each row execute function record.append_only();

-- EHC needs assessment (SEND Regulations 2014): the request date starts every statutory clock.
create table record.ehc_assessment (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  request_date date not null,
  decision text check (decision in ('assess', 'not_assess')),
  decision_date date,
  draft_plan_sent_date date,
  final_plan_issued_date date,
  recorded_by_sub text not null,
  created_at timestamptz not null default now(),
  check ((decision is null) = (decision_date is null)),
  check (decision_date is null or decision_date >= request_date),
  check (draft_plan_sent_date is null or draft_plan_sent_date >= request_date),
  check (final_plan_issued_date is null or final_plan_issued_date >= request_date),
  check (decision is distinct from 'not_assess' or (draft_plan_sent_date is null and final_plan_issued_date is null))
);
-- At most one assessment in progress per child: no decision not to assess, no final plan yet.
create unique index ehc_assessment_active_idx on record.ehc_assessment (child_id)
  where final_plan_issued_date is null and decision is distinct from 'not_assess';
create index ehc_assessment_child_idx on record.ehc_assessment (child_id);

-- Advice requested from each agency; due 6 weeks after it was sent (reg 8).
create table record.ehc_advice_request (
  id uuid primary key,
  assessment_id uuid not null references record.ehc_assessment (id),
  child_id uuid not null references record.child (id),
  agency text not null check (agency in ('health', 'social_care', 'educational_psychology', 'education')),
  sent_date date not null,
  received_date date,
  check (received_date is null or received_date >= sent_date)
);
create index ehc_advice_request_assessment_idx on record.ehc_advice_request (assessment_id);

-- Annual review meetings of a plan (the assessment that issued it); decision due 4 weeks after.
create table record.annual_review (
  id uuid primary key,
  assessment_id uuid not null references record.ehc_assessment (id),
  child_id uuid not null references record.child (id),
  meeting_date date not null,
  decision_date date,
  check (decision_date is null or decision_date >= meeting_date)
);
create index annual_review_assessment_idx on record.annual_review (assessment_id, meeting_date);
