-- Social-care adapter: what children's social care holds.
create table social_care.case_record (
  child_id uuid primary key,
  status text not null check (status in ('NONE', 'EARLY_HELP', 'CHILD_IN_NEED', 'CHILD_PROTECTION', 'LOOKED_AFTER')),
  worker_name text,
  worker_team text,
  organisation_id text,
  updated_at timestamptz not null default now()
);
create index case_record_org_idx on social_care.case_record (organisation_id);

create table social_care.short_break (
  id uuid primary key,
  child_id uuid not null references social_care.case_record (child_id),
  description text not null,
  nights_per_year integer check (nights_per_year >= 0),
  start_date date not null
);
create index short_break_child_idx on social_care.short_break (child_id);
