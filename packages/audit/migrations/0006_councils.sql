-- Tenancy (issue 14): each event names the councils (local authorities) it concerns, so each
-- council's auditors see their own. Part of the hashed content from event format 2; format-1
-- events (written before tenancy) have none and hash exactly as before, so they still verify.
-- No default and no rewrite of old rows: the log is append-only (the table refuses UPDATE).
alter table audit.event add column councils text[];
alter table audit.event
  add constraint event_councils_by_format check ((format >= 2) = (councils is not null));
-- An auditor's query always filters on their council.
create index event_councils_idx on audit.event using gin (councils);
