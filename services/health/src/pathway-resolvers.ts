import { isIsoDate } from '@hub/ehc-clock';
import { canSeeKpis } from '@hub/policy';
import {
  callRecord,
  HubError,
  parseDashboardKey,
  requireCaller,
  type SubgraphResolvers,
} from '@hub/service-kit';
import type { Resolvers } from './generated/graphql.ts';
import { parseStandardWeeks, pathwayDistributions } from './pathway-distribution.ts';

/** The health part of the council's SEND dashboard (the record subgraph owns the entity). */
export const sendDashboardResolvers: SubgraphResolvers<Pick<Resolvers, 'SendDashboard'>> = {
  SendDashboard: {
    __resolveReference: (reference: { id: string }) => reference,
    async pathways(parent: { id: string }, args, ctx) {
      requireCaller(ctx);
      // Checked again here: the health service answers for its own figures.
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      const key = parseDashboardKey(parent.id);
      if (!isIsoDate(key.asAt)) throw new HubError('INVALID_INPUT', 'Not a dashboard key.');
      if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for the health service');
      // Tenancy: the record says which children's figures this caller may see (the same councils
      // as the record's part of the dashboard, worked out from the same principal).
      const scope = await callRecord(
        ctx.recordBaseUrl,
        'kpiChildren',
        {},
        {
          context: ctx.hubToken,
          unavailable: 'The record service is unavailable; the figures cannot be shown right now.',
        },
      );
      return pathwayDistributions(ctx.db, key.asAt, parseStandardWeeks(args.standardWeeks), scope.childIds);
    },
  },
};
