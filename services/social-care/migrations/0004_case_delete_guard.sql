-- hub_social_care may DELETE from case_record only to take back a row a CIN census file created
-- when its link is undone (src/cin/ingest.ts). The grant cannot say which rows, so this trigger
-- does: a case no CIN source created is never deleted by anyone.
create function social_care.case_record_delete_guard() returns trigger
language plpgsql as $$
begin
  if not exists (
    select 1 from social_care.cin_source s where s.child_id = old.child_id and s.created_projection
  ) then
    raise exception 'social_care.case_record %: only a row a CIN census file created may be removed', old.child_id;
  end if;
  return old;
end $$;
create trigger case_record_delete_guard before delete on social_care.case_record
  for each row execute function social_care.case_record_delete_guard();
