-- Reg 6(4) of the SEND Regulations 2014: the council need not seek advice again when advice
-- already given for any purpose is agreed to be sufficient by the person who gave it, the
-- council, and the child's parent or the young person. The council records the reuse (what was
-- reused, and when each party agreed) instead of asking anew: "families repeat themselves less".
-- Append-only: the service role may insert and read, never change or delete.
create table record.ehc_advice_reuse (
  id uuid primary key,
  assessment_id uuid not null references record.ehc_assessment (id),
  child_id uuid not null references record.child (id),
  agency text not null check (agency in ('health', 'social_care', 'educational_psychology', 'education')),
  existing_advice text not null check (length(existing_advice) between 10 and 500),
  existing_advice_date date not null,
  provider_agreed_date date not null,
  family_agreed_date date not null,
  family_agreed_by text not null check (family_agreed_by in ('parent_carer', 'young_person', 'representative')),
  recorded_by_sub text not null,
  recorded_at timestamptz not null default now(),
  unique (assessment_id, agency),
  check (provider_agreed_date >= existing_advice_date),
  check (family_agreed_date >= existing_advice_date)
);
create index ehc_advice_reuse_child_idx on record.ehc_advice_reuse (child_id, family_agreed_date);

do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'hub_record') then
    grant select, insert on record.ehc_advice_reuse to hub_record;
  end if;
end $$;
