import { canWrite, councilOf, type Principal } from '@hub/policy';
import { HubError } from '@hub/service-kit';

/**
 * Which council decides on a source record from this sending organisation, when the sender
 * alone says so. Null today: schools, trusts and social care may work for several councils, and
 * the record holds no organisation register to say which. `queueScope` then derives it from the
 * relationships (below). A future organisation register fills this in, and the stored
 * `council_id` wins over the derivation.
 */
export function councilForSender(_orgId: string): string | null {
  return null;
}

/**
 * The review queue is the council SEND team's (tenancy: see @hub/policy councilOf). An LA SEND
 * officer sees a source record when
 * - its stored council is theirs, or, with none stored,
 * - it was sent by their council itself (a CIN return from la-1), or by an organisation that
 *   works for their council (it has an active relationship with a child their council is
 *   responsible for).
 * Candidate children are scoped separately and more tightly: an officer only ever sees, and
 * links to, children their own council is responsible for (review.ts).
 * Returns the SQL condition on `record.identity_source` (alias `s`) with `$COUNCIL` for the parameter.
 */
export function queueScope(principal: Principal): { where: string; param: string } {
  // Who may review is the ability's `review` on IdentityIndex (a rule that needs no child);
  // which source records are theirs is this query's.
  const allowed = canWrite(principal, null, new Date(), ['review', 'IdentityIndex']);
  if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason);
  const council = councilOf(principal);
  if (!council) throw new HubError('FORBIDDEN', 'You may not do this.');
  return {
    where: `(s.council_id = $COUNCIL or (s.council_id is null and (s.org_id = $COUNCIL or exists (
      select 1 from record.child_relationship mine
        join record.child_relationship la
          on la.child_id = mine.child_id and la.kind = 'la_responsible' and la.active and la.org_id = $COUNCIL
       where mine.org_id = s.org_id and mine.active))))`,
    param: council,
  };
}
