import type { ActionDecision, ChildAccessFacts } from '@hub/policy';
import { decide, HubError, reportChildDenied, type SubgraphContext } from '@hub/service-kit';
import { loadAccessFacts } from './repository.ts';

/**
 * The one way the "tell it once" and EHC parts of the record check access: read the child's
 * access facts fresh, apply a policy function from @hub/policy, and report the access for the
 * audit event. A child the caller cannot see at all reads as NOT_FOUND (nothing leaks about
 * children outside their remit); a visible child with the action refused is FORBIDDEN.
 */
export type ActionRule = (facts: ChildAccessFacts, now: Date) => ActionDecision;

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

/**
 * For loaders over a batch of children: which children may the caller read this part for?
 * Returns, per child id, either true or the error to put in that child's field.
 */
export async function readableChildren(
  ctx: SubgraphContext,
  childIds: string[],
  rule: ActionRule,
  audit: { subject: string; field: string },
): Promise<Map<string, true | HubError>> {
  const now = new Date();
  const facts = await loadAccessFacts(ctx.db, childIds);
  const out = new Map<string, true | HubError>();
  for (const childId of childIds) {
    const f = facts.get(childId);
    const decision = f ? decide(ctx, f) : null;
    if (!f || !decision?.canSeeChild) {
      reportChildDenied(ctx, childId);
      out.set(
        childId,
        new HubError('NOT_FOUND', `No child record has id ${childId} that you can see.`, { childId }),
      );
      continue;
    }
    const allowed = rule(f, now);
    ctx.access.push({
      childId,
      subject: audit.subject,
      fieldsReturned: allowed.allowed ? [audit.field] : [],
      fieldsDenied: allowed.allowed ? [] : [{ field: audit.field, reason: 'NOT_PERMITTED' }],
      breakGlass: decision.breakGlass,
      ...(decision.breakGlassReason ? { breakGlassReason: decision.breakGlassReason } : {}),
    });
    out.set(
      childId,
      allowed.allowed
        ? true
        : new HubError(
            'FORBIDDEN_FIELD',
            `You may not see Child.${audit.field}: ${allowed.reason ?? 'not permitted'}`,
            {
              field: `Child.${audit.field}`,
              reason: 'NOT_PERMITTED',
              childId,
            },
          ),
    );
  }
  return out;
}
