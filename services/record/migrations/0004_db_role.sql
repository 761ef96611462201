-- Least-privilege database role for the record context (see README "Database roles").
-- The record service runs as hub_record: it reads its own schema and writes only what its
-- mutations write. No DELETE or TRUNCATE anywhere (history is kept), no DDL, and no access
-- to any other context's schema. Children, relationships and family logins are loaded by
-- the owner (seed / future import), so the service cannot create or rewrite an identity.
-- A migration that adds a table must grant hub_record what the service needs on it.

-- The role exists once per cluster, so it is created only if missing; a DBA may also create it
-- beforehand (then the migrating owner needs no CREATEROLE). Test databases migrate in
-- parallel on one server: a concurrent creation surfaces as duplicate_object/unique_violation.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_record') then
    create role hub_record nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

revoke all on schema record from public;
revoke all on all tables in schema record from public;
grant usage on schema record to hub_record;

grant select on record.child, record.child_relationship, record.family_member to hub_record;
-- The young person's decision about their parents' access is the only change to a child row.
grant update (parent_access_confirmed_by_young_person) on record.child to hub_record;

-- Consent: granted, then only withdrawn or confirmed (the consent_guard trigger enforces once).
grant select, insert on record.consent to hub_record;
grant update (withdrawn_at, withdrawn_by_sub, confirmed_by_young_person_at) on record.consent to hub_record;

-- Append-only evidence: break-glass uses, family information versions, partner confirmations.
grant select, insert on record.break_glass, record.family_information_version,
  record.family_item_confirmation to hub_record;

-- EHC workflow: each step updates the assessment, advice request or review it belongs to.
grant select, insert, update on record.ehc_assessment, record.ehc_advice_request, record.annual_review
  to hub_record;
