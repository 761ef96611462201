-- Audit log: one row per operation through the gateway. Append-only and hash-chained; see
-- packages/audit/README.md. Nothing here holds a value from a child's record: only ids,
-- field names, reasons, who, when and why.

create table audit.event (
  -- Gapless, assigned by the writer under the chain lock (last seq + 1), so a missing row
  -- shows as a gap as well as a broken link.
  seq bigint primary key check (seq > 0),
  event_id uuid not null unique,
  -- Version of the canonical form hashed for this row.
  format smallint not null,
  -- Set by the writer under the chain lock and never lower than the previous row's, so a time
  -- range can be turned into a seq range (see query.ts).
  occurred_at timestamptz not null,
  request_id text not null,
  -- Null when the caller could not be authenticated.
  actor_sub text,
  actor_role text,
  actor_org text,
  purpose text,
  operation_name text,
  operation_type text not null check (operation_type in ('query', 'mutation', 'subscription', 'export', 'unknown')),
  outcome text not null check (outcome in ('ok', 'denied', 'error')),
  error_codes text[] not null,
  -- 'Subject.field' and 'Subject.field:REASON'.
  fields_returned text[] not null,
  fields_denied text[] not null,
  break_glass boolean not null,
  break_glass_reason text,
  client_ip text,
  -- Sorted; mirrored into audit.event_child for lookups by child.
  child_ids uuid[] not null,
  -- { "<child id>": ["Child", "HealthSection", ...] }: the sections returned per child.
  child_sections jsonb not null,
  -- Lower-case hex SHA-256. (Written without a {64} regex quantifier, which PostgreSQL
  -- expands into 64 states: that form made every insert measurably slower.)
  prev_hash text not null check (length(prev_hash) = 64 and prev_hash !~ '[^0-9a-f]'),
  hash text not null check (length(hash) = 64 and hash !~ '[^0-9a-f]'),
  check (break_glass or break_glass_reason is null)
);

-- One row per (child, event): the per-child index. A btree on (child_id, seq) answers
-- "newest events for this child" by a backward range scan, at any table size. No foreign key:
-- verifyAuditChain checks this table against audit.event instead (cheaper on every append).
create table audit.event_child (
  child_id uuid not null,
  seq bigint not null,
  primary key (child_id, seq)
);

create function audit.refuse_change() returns trigger
language plpgsql as $$
begin
  raise exception 'the audit log is append-only: % on %.% is not allowed', tg_op, tg_table_schema, tg_table_name
    using errcode = 'insufficient_privilege',
          hint = 'Audit events are only ever added. Record a correction as a new event.';
end;
$$;

create trigger event_append_only before update or delete on audit.event
  for each row execute function audit.refuse_change();
create trigger event_no_truncate before truncate on audit.event
  for each statement execute function audit.refuse_change();
create trigger event_child_append_only before update or delete on audit.event_child
  for each row execute function audit.refuse_change();
create trigger event_child_no_truncate before truncate on audit.event_child
  for each statement execute function audit.refuse_change();
