import type { DbHandle } from '@hub/db';
import { ADVICE_SUBJECT, type AdviceDomain, canWrite, type Principal } from '@hub/policy';
import { HubError } from '@hub/service-kit';
import { and, eq, isNull } from 'drizzle-orm';
import { loadAccessFacts } from '../repository.ts';
import { ehcAdviceRequest, ehcAssessment } from '../tables.ts';
import { type AdviceAgency, todayInEngland } from './workflow.ts';

/**
 * The agencies' side of the council's advice requests (SEND Regulations 2014 reg 6(1)): which
 * children wait for an agency's advice, and marking a request answered when the advice is
 * written in the hub.
 */

/** The council's advice request each agency's advice written in the hub answers. */
const AGENCY_OF_ADVICE_DOMAIN: Record<AdviceDomain, AdviceAgency> = {
  health: 'health',
  education: 'education',
  social_care: 'social_care',
};

/**
 * Advice submitted through the hub (health, educational or social care) reaches the council at
 * once, so the council's request for it is answered: marks this assessment's outstanding requests
 * to that agency received today. Called by the adapter on submit, for a writer who may write that
 * advice (checked again here). Idempotent: nothing outstanding marks nothing.
 */
export async function markAdviceReceived(
  db: DbHandle,
  principal: Principal,
  assessmentId: string,
  domain: AdviceDomain,
): Promise<{ marked: number }> {
  const [a] = await db.db.select().from(ehcAssessment).where(eq(ehcAssessment.id, assessmentId));
  if (!a) throw new HubError('NOT_FOUND', `No EHC needs assessment has id ${assessmentId}.`);
  const facts = (await loadAccessFacts(db, [a.childId])).get(a.childId);
  const decision = facts ? canWrite(principal, facts, new Date(), ['write', ADVICE_SUBJECT[domain]]) : null;
  if (!decision?.allowed) throw new HubError('FORBIDDEN', decision?.reason ?? 'You may not do this.');
  const marked = await db.db
    .update(ehcAdviceRequest)
    .set({ receivedDate: todayInEngland() })
    .where(
      and(
        eq(ehcAdviceRequest.assessmentId, assessmentId),
        eq(ehcAdviceRequest.agency, AGENCY_OF_ADVICE_DOMAIN[domain]),
        isNull(ehcAdviceRequest.receivedDate),
      ),
    )
    .returning({ id: ehcAdviceRequest.id });
  return { marked: marked.length };
}

/** Which agency's advice each role gives for an EHC needs assessment. */
export const ADVICE_AGENCY_OF_ROLE: Partial<Record<Principal['role'], AdviceAgency>> = {
  health_practitioner: 'health',
  social_worker: 'social_care',
  senco: 'education',
};

/**
 * Children whose in-progress assessment waits for `agency`'s advice and who have an active
 * relationship of one of `relationships` with `orgId` (the caller's remit), most overdue first.
 */
export async function childrenAwaitingAdvice(
  db: DbHandle,
  agency: AdviceAgency,
  orgId: string,
  relationships: readonly string[],
  limit = 200,
): Promise<string[]> {
  const rows = await db.query<{ child_id: string }>(
    `select r.child_id, min(r.sent_date) as oldest
       from record.ehc_advice_request r
       join record.ehc_assessment a on a.id = r.assessment_id
      where r.agency = $1 and r.received_date is null
        and a.final_plan_issued_date is null and a.decision is distinct from 'not_assess'
        and a.plan_decision is distinct from 'not_issue'
        and exists (select 1 from record.child_relationship cr
                     where cr.child_id = r.child_id and cr.org_id = $2 and cr.active
                       and cr.kind = any($3::text[]))
      group by r.child_id
      order by oldest, r.child_id
      limit $4`,
    [agency, orgId, [...relationships], limit],
  );
  return rows.map((r) => r.child_id);
}
