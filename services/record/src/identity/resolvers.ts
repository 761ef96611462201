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
 * Tells the gateway which children the operation named (one audit event per operation):
 * the candidates and linked child an officer saw, or the child a decision linked or unlinked.
 */
function report(ctx: SubgraphContext, views: MatchView[], action?: string, extra: string[] = []) {
  const children = new Set(extra);
  for (const view of views) {
    if (view.childId) children.add(view.childId);
    for (const c of view.candidates) children.add(c.childId);
  }
  for (const childId of children) {
    ctx.access.push({
      childId,
      subject: 'IdentityMatch',
      ...(action ? { action } : {}),
      fieldsReturned: action ? [] : ['identityMatches'],
      fieldsDenied: [],
      breakGlass: false,
    });
  }
}

/** The council SEND team's review of the master child index (schema/record.graphql). */
export const identityResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async identityMatches(_root, args, ctx) {
      requireCaller(ctx);
      const page = await listMatches(ctx.db, ctx.hub.principal, args);
      report(ctx, page.nodes);
      return page;
    },
  },
  Mutation: {
    async confirmMatch(_root, args, ctx) {
      requireCaller(ctx);
      const view = await confirmMatch(
        ctx.db,
        ctx.hub.principal,
        ctx.hub.requestId,
        uuidArg(args.matchId, 'matchId'),
        uuidArg(args.childId, 'childId'),
      );
      report(ctx, [view], 'confirmMatch');
      return view;
    },
    async rejectMatch(_root, args, ctx) {
      requireCaller(ctx);
      const view = await rejectMatch(
        ctx.db,
        ctx.hub.principal,
        ctx.hub.requestId,
        uuidArg(args.matchId, 'matchId'),
        args.createNewChild === true,
      );
      report(ctx, [view], 'rejectMatch');
      return view;
    },
    async unlinkSource(_root, args, ctx) {
      requireCaller(ctx);
      const view = await unlinkSource(ctx.db, ctx.hub.principal, ctx.hub.requestId, {
        system: textArg(args.system, 'system', 100),
        sourceId: textArg(args.sourceId, 'sourceId', 200),
        reason: typeof args.reason === 'string' ? args.reason : '',
      });
      const previous = view.history.at(-1)?.previousChildId;
      report(ctx, [view], 'unlinkSource', previous ? [previous] : []);
      return view;
    },
  },
};
