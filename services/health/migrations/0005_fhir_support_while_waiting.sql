-- "Support while waiting" from FHIR (POST /fhir): a trust sends the help it offered a child
-- waiting on a pathway as a ServiceRequest (category SUPPORT_WHILE_WAITING of the hub's
-- send-pathway code system) basedOn the pathway referral. Rows derived from it carry their
-- source like the other derived rows, and the same guard keeps the ingest off every other row.
alter table health.support_while_waiting add column source text, add column source_patient text;
create unique index support_while_waiting_source_idx on health.support_while_waiting (source)
  where source is not null;
create index support_while_waiting_source_patient_idx on health.support_while_waiting (source_patient)
  where source_patient is not null;
create trigger support_while_waiting_derived_guard before update or delete on health.support_while_waiting
  for each row execute function health.derived_rows_guard();
grant insert, update, delete on health.support_while_waiting to hub_health;
