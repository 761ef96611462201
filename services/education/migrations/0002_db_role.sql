-- Least-privilege database role for the education context (see README "Database roles").
-- The education service only reads: schools, pupils and provision are loaded by the owner
-- (seed / future import). No writes, no DDL, no access to any other context's schema.
-- A migration that adds a table must grant hub_education what the service needs on it.

-- The role exists once per cluster, so it is created only if missing; a DBA may also create it
-- beforehand (then the migrating owner needs no CREATEROLE). Test databases migrate in
-- parallel on one server: a concurrent creation surfaces as duplicate_object/unique_violation.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_education') then
    create role hub_education nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

revoke all on schema education from public;
revoke all on all tables in schema education from public;
grant usage on schema education to hub_education;
grant select on education.school, education.pupil, education.provision to hub_education;
