import { isUuid } from '@hub/identifiers';
import { HubError, requireCaller, type SubgraphContext, type SubgraphResolvers } from '@hub/service-kit';
import type { Resolvers } from '../generated/graphql.ts';
import {
  decisionHandoverFor,
  endCapacityRepresentative,
  listCapacityRepresentatives,
  recordCapacityRepresentative,
} from './capacity.ts';

function uuidArg(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value))
    throw new HubError('INVALID_INPUT', `${field} must be a UUID.`, { field });
  return value.toLowerCase();
}

/** Reports the access for the audit event (one event per operation, written by the gateway). */
function report(ctx: SubgraphContext, childId: string, subject: string, field: string, action?: string) {
  ctx.access.push({
    childId,
    subject,
    ...(action ? { action } : {}),
    fieldsReturned: action ? [] : [field],
    fieldsDenied: [],
    breakGlass: false,
  });
}

/** Who decides: the handover date and notices, and capacity representatives. */
export const capacityResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async decisionHandover(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      const result = await decisionHandoverFor(ctx.db, ctx.hub.principal, childId, args.asAt);
      report(ctx, childId, 'DecisionHandover', 'decisionHandover');
      return result;
    },
    async capacityRepresentatives(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      const list = await listCapacityRepresentatives(ctx.db, ctx.hub.principal, childId);
      report(ctx, childId, 'CapacityRepresentative', 'capacityRepresentatives');
      return list;
    },
  },
  Mutation: {
    async recordCapacityRepresentative(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.input?.childId, 'childId');
      const created = await recordCapacityRepresentative(ctx.db, ctx.hub.principal, {
        ...args.input,
        childId,
      });
      report(ctx, childId, 'CapacityRepresentative', '', 'recordCapacityRepresentative');
      return created;
    },
    async endCapacityRepresentative(_root, args, ctx) {
      requireCaller(ctx);
      const ended = await endCapacityRepresentative(ctx.db, ctx.hub.principal, {
        id: uuidArg(args.id, 'id'),
        reason: args.reason,
      });
      report(ctx, ended.childId, 'CapacityRepresentative', '', 'endCapacityRepresentative');
      return ended;
    },
  },
};
