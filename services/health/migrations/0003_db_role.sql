-- Least-privilege database role for the health context (see README "Database roles").
-- The health service reads its schema and writes only health advice (drafts are edited, then
-- submitted; the health_advice_guard trigger keeps submitted advice immutable). No DELETE or
-- TRUNCATE, no DDL, no access to any other context's schema.
-- A migration that adds a table must grant hub_health what the service needs on it.

-- The role exists once per cluster, so it is created only if missing; a DBA may also create it
-- beforehand (then the migrating owner needs no CREATEROLE). Test databases migrate in
-- parallel on one server: a concurrent creation surfaces as duplicate_object/unique_violation.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_health') then
    create role hub_health nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

revoke all on schema health from public;
revoke all on all tables in schema health from public;
grant usage on schema health to hub_health;
grant select on health.health_record, health.involvement, health.pathway_wait, health.diagnosis,
  health.support_while_waiting to hub_health;
grant select, insert, update on health.health_advice to hub_health;
