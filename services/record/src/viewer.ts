import {
  ADVICE_SUBJECT,
  type AdviceDomain,
  type ChildAccessFacts,
  canWrite,
  decideWrite,
  defineAbilityFor,
  type Principal,
  type WriteCheck,
} from '@hub/policy';
import { type HubError, isHubError, requireCaller, type SubgraphContext } from '@hub/service-kit';

/**
 * `Query.viewer` and `Child.viewer`: what the caller may do, asked of the same CASL ability
 * (@hub/policy defineAbilityFor) the record (and the adapters) enforce with when the action is
 * tried, so the portal offers an action only where the hub would allow it and never re-runs a
 * rule itself.
 */

const ADVICE_DOMAINS: readonly AdviceDomain[] = ['health', 'education', 'social_care'];

export function viewer(principal: Principal) {
  return { canBreakGlass: canWrite(principal, null, new Date(), ['open', 'BreakGlass']).allowed };
}

export function childViewer(principal: Principal, facts: ChildAccessFacts, now: Date) {
  const ability = defineAbilityFor(principal, facts, { now, purpose: null });
  const decide = (check: WriteCheck) => decideWrite(ability, principal, check, facts.childId);
  return {
    canManageConsent: decide(['give', 'Consent']).allowed,
    canWithdrawConsent: decide(['withdraw', 'Consent']).allowed,
    canEditFamilyInformation: decide(['edit', 'FamilyInformation']).allowed,
    canBreakGlass: decide(['open', 'BreakGlass']).allowed,
    canManageEhcWorkflow: decide(['record', 'EhcAssessment']).allowed,
    // The writer of that advice for this child: allowed, or refused only for the family's consent
    // (the form then says what it waits for).
    writesAdvice: ADVICE_DOMAINS.filter((domain) => {
      const decision = decide(['write', ADVICE_SUBJECT[domain]]);
      return decision.allowed || decision.audit === 'NO_CONSENT';
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
