-- hub_education may DELETE from pupil only to take back a row a CTF created when its link is
-- undone (src/ctf/ingest.ts). The grant cannot say which rows, so this trigger does: a row no
-- CTF source created (seeded, or with the school's own data) is never deleted by anyone.
create function education.pupil_delete_guard() returns trigger
language plpgsql as $$
begin
  if not exists (
    select 1 from education.ctf_source s where s.child_id = old.child_id and s.created_projection
  ) then
    raise exception 'education.pupil %: only a row a CTF created may be removed', old.child_id;
  end if;
  return old;
end $$;
create trigger pupil_delete_guard before delete on education.pupil
  for each row execute function education.pupil_delete_guard();
