import type { ChildAccessFacts } from '@hub/policy';
import {
  type ActionRule,
  decide,
  gateChildren,
  HubError,
  reportChildDenied,
  type SubgraphContext,
} from '@hub/service-kit';
import { loadAccessFacts } from './repository.ts';

/**
 * The one way the "tell it once" and EHC parts of the record check access: read the child's
 * access facts fresh, apply a policy function from @hub/policy, and report the access for the
 * audit event. A child the caller cannot see at all reads as NOT_FOUND (nothing leaks about
 * children outside their remit); a visible child with the action refused is FORBIDDEN.
 */
export type { ActionRule };

export async function requireChildAction(
  ctx: SubgraphContext,
  childId: string,
  rule: ActionRule,
  audit: { subject: string; action?: string; field?: string },
): Promise<{ facts: ChildAccessFacts; breakGlass: boolean }> {
  const now = new Date();
  const facts = (await loadAccessFacts(ctx.db, [childId])).get(childId);
  const decision = facts ? decide(ctx, facts) : null;
  if (!facts || !decision?.canSeeChild) {
    reportChildDenied(ctx, childId);
    throw new HubError('NOT_FOUND', `No child record has id ${childId} that you can see.`, { childId });
  }
  const allowed = rule(facts, now);
  const field = audit.field ?? audit.action ?? audit.subject;
  if (!allowed.allowed) {
    ctx.access.push({
      childId,
      subject: audit.subject,
      ...(audit.action ? { action: audit.action } : {}),
      fieldsReturned: [],
      fieldsDenied: [{ field, reason: 'NOT_PERMITTED' }],
      breakGlass: decision.breakGlass,
    });
    throw new HubError('FORBIDDEN', allowed.reason ?? 'You may not do this.', { childId });
  }
  ctx.access.push({
    childId,
    subject: audit.subject,
    ...(audit.action ? { action: audit.action } : {}),
    fieldsReturned: audit.action ? [] : [field],
    fieldsDenied: [],
    breakGlass: decision.breakGlass,
    ...(decision.breakGlassReason ? { breakGlassReason: decision.breakGlassReason } : {}),
  });
  return { facts, breakGlass: decision.breakGlass };
}

/** For loaders over a batch of children: `gateChildren` (service-kit) on fresh access facts. */
export async function readableChildren(
  ctx: SubgraphContext,
  childIds: string[],
  rule: ActionRule,
  audit: { subject: string; field: string },
): Promise<Map<string, true | HubError>> {
  const facts = await loadAccessFacts(ctx.db, childIds);
  return gateChildren(ctx, facts, childIds, rule, { ...audit, deniedReason: 'NOT_PERMITTED' });
}
