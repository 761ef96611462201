-- Least-privilege database roles for the audit log (see README "Database roles").
-- hub_audit_writer (the audit service): appends events and reads the log (to chain the next
-- event, and to answer auditors' queries and exports). It has no UPDATE, DELETE or TRUNCATE,
-- owns nothing, so it cannot ALTER TABLE ... DISABLE TRIGGER, drop the append-only triggers
-- or change the schema; it is not a superuser, so it cannot set session_replication_role.
-- hub_audit_reader (audit:verify, reporting tools): reads only.
-- A migration that adds a table must grant these roles what they need on it, and never more
-- than SELECT and INSERT.

-- The role exists once per cluster, so it is created only if missing; a DBA may also create it
-- beforehand (then the migrating owner needs no CREATEROLE). Test databases migrate in
-- parallel on one server: a concurrent creation surfaces as duplicate_object/unique_violation.
do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_audit_writer') then
    create role hub_audit_writer nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'hub_audit_reader') then
    create role hub_audit_reader nologin;
  end if;
exception
  when duplicate_object or unique_violation then null;
end $$;

revoke all on schema audit from public;
revoke all on all tables in schema audit from public;
grant usage on schema audit to hub_audit_writer, hub_audit_reader;
grant select, insert on audit.event, audit.event_child to hub_audit_writer;
grant select on audit.event, audit.event_child to hub_audit_reader;
