#!/bin/sh
# First start of the compose PostgreSQL only (docker-entrypoint-initdb.d): the schema owner and
# one LOGIN user per service, each a member of exactly one context role (SECURITY.md
# "Least-privilege database roles"). The context roles are created NOLOGIN here so the logins
# can join them; each context's migration then grants them their privileges (and skips
# creating a role that exists). Passwords come from the environment, never from this file.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_pw="$OWNER_DB_PASSWORD" \
  -v record_pw="$RECORD_DB_PASSWORD" \
  -v education_pw="$EDUCATION_DB_PASSWORD" \
  -v health_pw="$HEALTH_DB_PASSWORD" \
  -v social_care_pw="$SOCIAL_CARE_DB_PASSWORD" \
  -v audit_pw="$AUDIT_DB_PASSWORD" <<'SQL'
-- The owner runs the migrations (the migrate jobs); not a superuser, no CREATEROLE needed.
create role hub_owner login password :'owner_pw';
grant create on database hub to hub_owner;
create role hub_record nologin;
create role hub_education nologin;
create role hub_health nologin;
create role hub_social_care nologin;
create role hub_audit_writer nologin;
create role hub_audit_reader nologin;
-- The owner grants the context roles privileges on the tables it creates; it needs ADMIN on
-- them only to let migrations re-grant membership, which they do not: plain ownership suffices.
create role record_app login password :'record_pw' in role hub_record;
create role education_app login password :'education_pw' in role hub_education;
create role health_app login password :'health_pw' in role hub_health;
create role social_care_app login password :'social_care_pw' in role hub_social_care;
create role audit_app login password :'audit_pw' in role hub_audit_writer;
SQL
