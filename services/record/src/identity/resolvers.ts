import { isUuid } from '@hub/identifiers';
import { HubError, requireCaller, type SubgraphContext, type SubgraphResolvers } from '@hub/service-kit';
import type { Resolvers } from '../generated/graphql.ts';
import { confirmMatch, listMatches, type MatchView, rejectMatch, unlinkSource } from './review.ts';

function uuidArg(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value))
    throw new HubError('INVALID_INPUT', `${field} must be a UUID.`, { field });
  return value.toLowerCase();
}

function textArg(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max)
    throw new HubError('INVALID_INPUT', `${field} must be 1 to ${max} characters.`, { field });
  return value.trim();
}

/**
 * Tells the gateway, through the access door, which children the operation named (one audit
 * event per operation): the candidates and linked child an officer saw, or the child a decision
 * linked or unlinked. review.ts checks the officer's access (@hub/policy) itself.
 */
function audited<T>(
  ctx: SubgraphContext,
  views: (value: T) => MatchView[],
  work: () => Promise<T>,
  action?: string,
  extra: (value: T) => string[] = () => [],
): Promise<T> {
  const children = (value: T) => {
    const ids = new Set(extra(value));
    for (const view of views(value)) {
      if (view.childId) ids.add(view.childId);
      for (const c of view.candidates) ids.add(c.childId);
    }
    return ids;
  };
  return ctx.door.audited(
    { subject: 'IdentityMatch', ...(action ? { action } : { field: 'identityMatches' }), children },
    work,
  );
}

/** The council SEND team's review of the master child index (schema/record.graphql). */
export const identityResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async identityMatches(_root, args, ctx) {
      requireCaller(ctx);
      return audited(
        ctx,
        (page) => page.nodes,
        () => listMatches(ctx.db, ctx.hub.principal, args),
      );
    },
  },
  Mutation: {
    async confirmMatch(_root, args, ctx) {
      requireCaller(ctx);
      const matchId = uuidArg(args.matchId, 'matchId');
      const childId = uuidArg(args.childId, 'childId');
      return audited(
        ctx,
        (view) => [view],
        () => confirmMatch(ctx.db, ctx.hub.principal, ctx.hub.requestId, matchId, childId),
        'confirmMatch',
      );
    },
    async rejectMatch(_root, args, ctx) {
      requireCaller(ctx);
      const matchId = uuidArg(args.matchId, 'matchId');
      return audited(
        ctx,
        (view) => [view],
        () =>
          rejectMatch(ctx.db, ctx.hub.principal, ctx.hub.requestId, matchId, args.createNewChild === true),
        'rejectMatch',
      );
    },
    async unlinkSource(_root, args, ctx) {
      requireCaller(ctx);
      const source = {
        system: textArg(args.system, 'system', 100),
        sourceId: textArg(args.sourceId, 'sourceId', 200),
        reason: typeof args.reason === 'string' ? args.reason : '',
      };
      return audited(
        ctx,
        (view) => [view],
        () => unlinkSource(ctx.db, ctx.hub.principal, ctx.hub.requestId, source),
        'unlinkSource',
        (view) => {
          const previous = view.history.at(-1)?.previousChildId;
          return previous ? [previous] : [];
        },
      );
    },
  },
};
