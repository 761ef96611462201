-- Group commit in ONE statement (issue 14): a batch the writer has already chained (seq, time,
-- hash computed in the writer, onto the head it committed last) is appended by one call, in its
-- own transaction (autocommit), instead of BEGIN, lock, head read, insert, COMMIT.
--
-- Why this cannot fork the chain: the function is VOLATILE, so each statement inside it takes a
-- FRESH snapshot (READ COMMITTED). The head is read by the statement AFTER the chain lock is
-- granted, so it sees the previous lock holder's commit (a transaction is visible before its
-- locks are released). The batch is inserted only if that head is still the one the writer
-- chained onto; otherwise nothing is inserted and the head just read is returned, and the writer
-- chains the batch again under the lock (store.ts). The primary key on seq stays the backstop.
-- SECURITY INVOKER (the default): it runs with the caller's rights, so hub_audit_writer still
-- needs, and has, nothing but SELECT and INSERT on the tables.
create function audit.append_events(batch json, expected_seq bigint, expected_hash text)
returns table (inserted integer, head_seq text, head_hash text, head_occurred_at text)
language plpgsql volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  head record;
  n integer;
begin
  perform pg_advisory_xact_lock(hashtext('tell-it-once:audit-chain'));
  select e.seq, e.hash, e.occurred_at into head from audit.event e order by e.seq desc limit 1;
  if coalesce(head.seq, 0) <> expected_seq or (head.seq is not null and head.hash <> expected_hash) then
    return query select 0,
      head.seq::text,
      head.hash,
      to_char(head.occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    return;
  end if;
  with added as (
    insert into audit.event (seq, event_id, format, occurred_at, request_id, actor_sub, actor_role, actor_org,
      purpose, operation_name, operation_type, outcome, error_codes, fields_returned, fields_denied, break_glass,
      break_glass_reason, client_ip, child_ids, child_sections, prev_hash, hash, councils)
    select r.seq, r.event_id, r.format, r.occurred_at, r.request_id, r.actor_sub, r.actor_role, r.actor_org,
      r.purpose, r.operation_name, r.operation_type, r.outcome, r.error_codes, r.fields_returned, r.fields_denied,
      r.break_glass, r.break_glass_reason, r.client_ip, r.child_ids, r.child_sections, r.prev_hash, r.hash,
      r.councils
      from json_to_recordset(batch) as r(seq bigint, event_id uuid, format smallint, occurred_at timestamptz,
        request_id text, actor_sub text, actor_role text, actor_org text, purpose text, operation_name text,
        operation_type text, outcome text, error_codes text[], fields_returned text[], fields_denied text[],
        break_glass boolean, break_glass_reason text, client_ip text, child_ids uuid[], child_sections jsonb,
        prev_hash text, hash text, councils text[])
     order by r.seq
    returning seq, child_ids
  ), links as (
    insert into audit.event_child (child_id, seq) select unnest(a.child_ids), a.seq from added a
  )
  select count(*)::integer into n from added;
  return query select n, null::text, null::text, null::text;
end;
$$;

revoke all on function audit.append_events(json, bigint, text) from public;
grant execute on function audit.append_events(json, bigint, text) to hub_audit_writer;
