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

/**
 * capacity.ts checks who may read or record (@hub/policy); the door reports the access for the
 * audit event (one event per operation, written by the gateway).
 */
const read = <T>(
  ctx: SubgraphContext,
  childId: string,
  subject: string,
  field: string,
  work: () => Promise<T>,
) => ctx.door.audited({ subject, field, children: () => [childId] }, work);
const write = <T>(
  ctx: SubgraphContext,
  action: string,
  childOf: (value: T) => string,
  work: () => Promise<T>,
) => ctx.door.audited({ subject: 'CapacityRepresentative', action, children: (v) => [childOf(v)] }, work);

/** Who decides: the handover date and notices, and capacity representatives. */
export const capacityResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async decisionHandover(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      return read(ctx, childId, 'DecisionHandover', 'decisionHandover', () =>
        decisionHandoverFor(ctx.db, ctx.hub.principal, childId, args.asAt),
      );
    },
    async capacityRepresentatives(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      return read(ctx, childId, 'CapacityRepresentative', 'capacityRepresentatives', () =>
        listCapacityRepresentatives(ctx.db, ctx.hub.principal, childId),
      );
    },
  },
  Mutation: {
    async recordCapacityRepresentative(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.input?.childId, 'childId');
      return write(
        ctx,
        'recordCapacityRepresentative',
        () => childId,
        () => recordCapacityRepresentative(ctx.db, ctx.hub.principal, { ...args.input, childId }),
      );
    },
    async endCapacityRepresentative(_root, args, ctx) {
      requireCaller(ctx);
      return write(
        ctx,
        'endCapacityRepresentative',
        (ended) => ended.childId,
        () =>
          endCapacityRepresentative(ctx.db, ctx.hub.principal, {
            id: uuidArg(args.id, 'id'),
            reason: args.reason,
          }),
      );
    },
  },
};
