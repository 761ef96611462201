-- Core record: child identity and who is involved with each child.
create table record.child (
  id uuid primary key,
  given_name text not null,
  family_name text not null,
  date_of_birth date not null,
  nhs_number char(10) unique,
  upn char(13) unique,
  la_id text unique,
  created_at timestamptz not null default now()
);
create index child_family_name_idx on record.child (lower(family_name));
create index child_date_of_birth_idx on record.child (date_of_birth);

-- Organisations involved with a child (school roll, NHS involvement, social care allocation,
-- responsible local authority). Organisation scoping in the access policy reads this.
create table record.child_relationship (
  child_id uuid not null references record.child (id),
  org_id text not null,
  kind text not null check (kind in ('on_roll', 'involvement', 'allocated', 'la_responsible')),
  active boolean not null default true,
  primary key (child_id, org_id, kind)
);
create index child_relationship_org_idx on record.child_relationship (org_id, kind) where active;

-- Family logins linked to a child: parent carers, and the young person themself.
create table record.family_member (
  child_id uuid not null references record.child (id),
  sub text not null,
  relationship text not null check (relationship in ('parent_carer', 'young_person')),
  primary key (child_id, sub)
);
create index family_member_sub_idx on record.family_member (sub);
