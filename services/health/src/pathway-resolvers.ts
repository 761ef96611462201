import { isIsoDate } from '@hub/ehc-clock';
import { canSeeKpis } from '@hub/policy';
import { HubError, parseDashboardKey, requireCaller, type SubgraphContext } from '@hub/service-kit';
import { parseStandardWeeks, pathwayDistributions } from './pathway-distribution.ts';

/** The health part of the council's SEND dashboard (the record subgraph owns the entity). */
export const sendDashboardResolvers = {
  SendDashboard: {
    __resolveReference: (reference: { id: string }) => reference,
    async pathways(parent: { id: string }, args: { standardWeeks?: number | null }, ctx: SubgraphContext) {
      requireCaller(ctx);
      // Checked again here: the health service answers for its own figures.
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      const key = parseDashboardKey(parent.id);
      if (!isIsoDate(key.asAt)) throw new HubError('INVALID_INPUT', 'Not a dashboard key.');
      // TODO(tenancy, issue 13 / P3): when key.councilId is set, pass that council's children
      // (the record's /internal/kpi-children, as sendKpis.pathwayWaits does) instead of null.
      return pathwayDistributions(ctx.db, key.asAt, parseStandardWeeks(args.standardWeeks), null);
    },
  },
};
