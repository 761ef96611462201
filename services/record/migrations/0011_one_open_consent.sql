-- At most one open consent per choice (child × domain × recipient organisation type × purpose),
-- enforced by the database: a double click, two tabs or a retried request can no longer record
-- two consents for one choice (withdrawing one would have left the other sharing). "Open" means
-- not withdrawn; a consent that expired, or that no longer counts (a parent carer's consent
-- awaiting the young person), is closed by the next grant for the same choice (record/src/consents.ts).
--
-- Duplicates recorded before this rule: the one that counts most stays open (in force, then
-- given or confirmed by the young person, then started, then the longest, then the earliest);
-- the others are closed now. Nothing is deleted, and what is shared does not change, because
-- the consent kept covers the same choice.
with ranked as (
  select id, row_number() over (
           partition by child_id, domain, recipient_org_type, purpose
           order by (expires_at is null or expires_at > now()) desc,
                    (granted_by_role = 'young_person' or confirmed_by_young_person_at is not null) desc,
                    (starts_at <= now()) desc,
                    expires_at desc nulls first,
                    created_at, id) as n
    from record.consent
   where withdrawn_at is null
)
update record.consent k
   set withdrawn_at = now(), withdrawn_by_sub = 'hub:duplicate'
  from ranked
 where ranked.id = k.id and ranked.n > 1;

create unique index consent_one_open_idx
  on record.consent (child_id, domain, recipient_org_type, purpose)
  where withdrawn_at is null;
