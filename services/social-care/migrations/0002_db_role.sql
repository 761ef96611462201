-- Least-privilege database role for the social care context (see README "Database roles").
-- The social care service only reads: cases and short breaks are loaded by the owner (seed /
-- future import). No writes, no DDL, no access to any other context's schema.
-- A migration that adds a table must grant hub_social_care what the service needs on it.

-- The role exists once per cluster, so it is created only if missing; a DBA may also create it
-- beforehand (then the migrating owner needs no CREATEROLE). Test databases migrate in
-- parallel on one server: a concurrent creation surfaces as duplicate_object/unique_violation.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_social_care') then
    create role hub_social_care nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

revoke all on schema social_care from public;
revoke all on all tables in schema social_care from public;
grant usage on schema social_care to hub_social_care;
grant select on social_care.case_record, social_care.short_break to hub_social_care;
