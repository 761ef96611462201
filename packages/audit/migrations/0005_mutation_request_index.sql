-- Finds a mutation's outcome from its write-ahead attempt (same request_id), so auditors can list
-- attempts whose outcome was never recorded (auditEvents(filter: {withoutOutcome: true})).
-- Partial: only mutations' events (attempt + outcome) are indexed, a small share of the log, so
-- reads pay nothing for it.
create index event_mutation_request_idx on audit.event (request_id, seq) where operation_type = 'mutation';
