-- The break-glass reason has the same upper bound everywhere: the policy (BREAK_GLASS_REASON_MAX_LENGTH
-- in @hub/policy, 2000 UTF-16 units of the normalised reason), the audit store (its event's
-- breakGlassReason) and here. char_length counts code points, never more than UTF-16 units, so this
-- check is never stricter than the policy; it stops a row the audit event could not carry from being
-- stored by any path that skipped the policy.
alter table record.break_glass
  add constraint break_glass_reason_max check (char_length(reason) <= 2000);
