-- Consent per child × source domain × recipient organisation type × purpose. Rows are never
-- deleted (history is kept forever); withdrawal and confirmation are recorded once each.
alter table record.child add column parent_access_confirmed_by_young_person boolean not null default false;

create table record.consent (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  domain text not null check (domain in ('education', 'health', 'social_care')),
  recipient_org_type text not null check (recipient_org_type in ('school', 'health', 'social_care', 'local_authority')),
  purpose text not null check (purpose in ('ehc_assessment', 'annual_review', 'early_help')),
  granted_by_sub text not null,
  granted_by_role text not null check (granted_by_role in ('parent_carer', 'young_person')),
  starts_at timestamptz not null,
  expires_at timestamptz,
  withdrawn_at timestamptz,
  withdrawn_by_sub text,
  confirmed_by_young_person_at timestamptz,
  created_at timestamptz not null default now(),
  check (expires_at is null or expires_at > starts_at)
);
create index consent_child_idx on record.consent (child_id, created_at desc);

-- Consent history is evidence: no deletes, and a withdrawal or confirmation, once made, stands.
create function record.consent_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'consent history is kept forever: rows cannot be deleted';
  end if;
  if new.id <> old.id or new.child_id <> old.child_id or new.domain <> old.domain
     or new.recipient_org_type <> old.recipient_org_type or new.purpose <> old.purpose
     or new.granted_by_sub <> old.granted_by_sub or new.granted_by_role <> old.granted_by_role
     or new.starts_at <> old.starts_at or new.expires_at is distinct from old.expires_at
     or new.created_at <> old.created_at
     or (old.withdrawn_at is not null and new.withdrawn_at is distinct from old.withdrawn_at)
     or (old.confirmed_by_young_person_at is not null
         and new.confirmed_by_young_person_at is distinct from old.confirmed_by_young_person_at) then
    raise exception 'a consent can only be withdrawn or confirmed, once';
  end if;
  return new;
end $$;
create trigger consent_guard before update or delete on record.consent
  for each row execute function record.consent_guard();

-- Safeguarding overrides ("break glass"): who, why, for how long. Never updated or deleted.
create table record.break_glass (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  sub text not null,
  role text not null,
  org_id text not null,
  reason text not null check (length(btrim(reason)) >= 20),
  starts_at timestamptz not null,
  expires_at timestamptz not null,
  check (expires_at > starts_at and expires_at <= starts_at + interval '24 hours')
);
create index break_glass_child_idx on record.break_glass (child_id, expires_at desc);

create function record.append_only() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name;
end $$;
create trigger break_glass_append_only before update or delete on record.break_glass
  for each row execute function record.append_only();
