import {
  type AdviceDomain,
  type ChildAccessFacts,
  canEditFamilyInformation,
  canManageConsent,
  canManageEhcWorkflow,
  canWriteAdvice,
  POLICY_TABLE,
  type Principal,
} from '@hub/policy';
import { type HubError, isHubError, requireCaller, type SubgraphContext } from '@hub/service-kit';

/**
 * `Query.viewer` and `Child.viewer`: what the caller may do, decided by the same @hub/policy
 * functions the record (and the adapters) enforce with when the action is tried, so the portal
 * offers an action only where the hub would allow it and never re-runs a rule itself.
 */

const ADVICE_DOMAINS: readonly AdviceDomain[] = ['health', 'education', 'social_care'];

export function viewer(principal: Principal) {
  return { canBreakGlass: POLICY_TABLE[principal.role].mayBreakGlass };
}

export function childViewer(principal: Principal, facts: ChildAccessFacts, now: Date) {
  return {
    canManageConsent: canManageConsent(principal, facts, now, 'give').allowed,
    canWithdrawConsent: canManageConsent(principal, facts, now, 'withdraw').allowed,
    canEditFamilyInformation: canEditFamilyInformation(principal, facts, now).allowed,
    canBreakGlass: viewer(principal).canBreakGlass,
    canManageEhcWorkflow: canManageEhcWorkflow(principal, facts, now).allowed,
    // The writer of that advice for this child: allowed, or refused only for the family's consent
    // (the form then says what it waits for).
    writesAdvice: ADVICE_DOMAINS.filter((domain) => {
      const decision = canWriteAdvice(domain, principal, facts, now);
      return decision.allowed || decision.code === 'NO_CONSENT';
    }),
  };
}

type ChildViewer = ReturnType<typeof childViewer>;

/**
 * `Child.viewer` as a mercurius loader, through the access door like every other Child field
 * (`ctx.door.gate`, one facts read per request however many children): a child the caller
 * cannot see is NOT_FOUND, and each child's viewer is reported for the audit event.
 */
export async function childViewerLoader(
  queries: { obj: { id?: unknown } }[],
  ctx: SubgraphContext,
): Promise<Array<ChildViewer | HubError>> {
  requireCaller(ctx);
  const ids = [...new Set(queries.map((q) => String(q.obj.id)))];
  const seen = await ctx.door.gate(ids, () => ({ allowed: true }), {
    subject: 'Child',
    field: 'viewer',
    deniedReason: 'NOT_PERMITTED',
  });
  const now = new Date();
  return queries.map((q) => {
    const child = seen.get(String(q.obj.id))!;
    return isHubError(child) ? child : childViewer(ctx.hub.principal, child.facts, now);
  });
}
