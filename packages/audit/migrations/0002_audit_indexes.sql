-- Secondary indexes for the auditor queries (a separate migration so the benchmark can bulk-load
-- 10M rows first and build exactly these afterwards). Every query pages newest-first by seq,
-- so each index ends in seq: a filter plus a backward range scan, no sort.
create index event_actor_sub_idx on audit.event (actor_sub, seq);
create index event_actor_org_idx on audit.event (actor_org, seq);
-- Turns a time range into a seq range (occurred_at never decreases along seq).
create index event_occurred_at_idx on audit.event (occurred_at, seq);
-- Rare events auditors look for first: small partial indexes.
create index event_break_glass_idx on audit.event (seq) where break_glass;
create index event_denied_idx on audit.event (seq) where outcome = 'denied';
create index event_error_idx on audit.event (seq) where outcome = 'error';
