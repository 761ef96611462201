-- Health adapter: what NHS organisations (ICB, trusts) hold.
create table health.health_record (
  child_id uuid primary key,
  updated_at timestamptz not null default now()
);

create table health.involvement (
  id uuid primary key,
  child_id uuid not null references health.health_record (child_id),
  organisation_id text not null,
  service text not null,
  start_date date not null,
  end_date date,
  check (end_date is null or end_date >= start_date)
);
create index involvement_child_idx on health.involvement (child_id);
create index involvement_org_idx on health.involvement (organisation_id) where end_date is null;

create table health.pathway_wait (
  id uuid primary key,
  child_id uuid not null references health.health_record (child_id),
  pathway text not null check (pathway in ('NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE')),
  referral_date date not null,
  seen_date date,
  check (seen_date is null or seen_date >= referral_date)
);
create index pathway_wait_child_idx on health.pathway_wait (child_id);

create table health.diagnosis (
  id uuid primary key,
  child_id uuid not null references health.health_record (child_id),
  description text not null,
  diagnosed_on date
);
create index diagnosis_child_idx on health.diagnosis (child_id);
