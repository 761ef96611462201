-- Who decides for a young person who lacks capacity (Mental Capacity Act 2005; Children and
-- Families Act 2014 s.80): a representative (a deputy appointed by the Court of Protection, an
-- attorney under a lasting power of attorney, or a parent acting for them), recorded by the
-- council's SEND officer with the reason, and reviewable. Rows are never deleted: a record is
-- ended (once), and an ended or past-review record no longer counts.
create table record.capacity_representative (
  id uuid primary key,
  child_id uuid not null references record.child (id),
  representative_sub text not null check (length(representative_sub) between 1 and 200),
  -- 'parent_carer': one of the child's listed parent carers; 'other_person': anyone else (e.g. a
  -- professional deputy). Either way they sign in with the family (parent_carer) role.
  representative_kind text not null check (representative_kind in ('parent_carer', 'other_person')),
  basis text not null check (basis in ('deputy', 'attorney', 'parent_acting')),
  reason text not null check (length(btrim(reason)) between 20 and 2000),
  recorded_by_sub text not null,
  recorded_by_role text not null,
  recorded_by_org_id text not null,
  recorded_at timestamptz not null,
  -- A date in England: the record stops counting after this day unless reviewed (re-recorded).
  review_by date not null,
  ended_at timestamptz,
  ended_by_sub text,
  ended_by_role text,
  ended_by_org_id text,
  end_reason text,
  check (basis <> 'parent_acting' or representative_kind = 'parent_carer'),
  check (ended_at is null or ended_at >= recorded_at),
  check ((ended_at is null) = (ended_by_sub is null))
);
create index capacity_representative_child_idx on record.capacity_representative (child_id, recorded_at desc);

create function record.capacity_representative_guard() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'capacity representative history is kept forever: rows cannot be deleted';
  end if;
  if old.ended_at is not null
     or new.id <> old.id or new.child_id <> old.child_id
     or new.representative_sub <> old.representative_sub
     or new.representative_kind <> old.representative_kind or new.basis <> old.basis
     or new.reason <> old.reason or new.recorded_by_sub <> old.recorded_by_sub
     or new.recorded_by_role <> old.recorded_by_role or new.recorded_by_org_id <> old.recorded_by_org_id
     or new.recorded_at <> old.recorded_at or new.review_by <> old.review_by then
    raise exception 'a capacity representative record can only be ended, once';
  end if;
  return new;
end $$;
create trigger capacity_representative_guard before update or delete on record.capacity_representative
  for each row execute function record.capacity_representative_guard();

-- The service role (0004_db_role) records and ends; it never deletes. Guarded so this migration
-- also applies where the least-privilege role has not been created.
do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'hub_record') then
    grant select, insert on record.capacity_representative to hub_record;
    grant update (ended_at, ended_by_sub, ended_by_role, ended_by_org_id, end_reason)
      on record.capacity_representative to hub_record;
  end if;
end $$;
