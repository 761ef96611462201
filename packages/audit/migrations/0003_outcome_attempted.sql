-- Write-ahead auditing: the gateway records an 'attempted' event BEFORE it forwards a mutation
-- to any subgraph, and the outcome ('ok' / 'denied' / 'error') as a second event with the same
-- request_id once the subgraphs have answered. An attempt with no later event of its
-- request_id is a write whose outcome was never recorded. The constraint from 0001 was unnamed,
-- so PostgreSQL named it event_outcome_check.
alter table audit.event drop constraint event_outcome_check;
alter table audit.event
  add constraint event_outcome_check check (outcome in ('ok', 'denied', 'error', 'attempted'));
-- Auditors look for attempts (especially those with no outcome) like they look for denials.
create index event_attempted_idx on audit.event (seq) where outcome = 'attempted';
