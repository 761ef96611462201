-- Education adapter: what schools hold about pupils with SEN.
create table education.school (
  id text primary key,
  name text not null
);

create table education.pupil (
  child_id uuid primary key,
  school_id text not null references education.school (id),
  sen_status text not null check (sen_status in ('NO_SEN', 'SEN_SUPPORT', 'EHC_PLAN')),
  attendance_percent numeric(5, 2) check (attendance_percent between 0 and 100),
  senco_notes text,
  updated_at timestamptz not null default now()
);
create index pupil_school_idx on education.pupil (school_id);

create table education.provision (
  id uuid primary key,
  child_id uuid not null references education.pupil (child_id),
  description text not null,
  hours_per_week numeric(5, 2),
  start_date date not null,
  provider text
);
create index provision_child_idx on education.provision (child_id);
