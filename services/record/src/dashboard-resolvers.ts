import { canSeeKpis } from '@hub/policy';
import { formatDashboardKey, HubError, requireCaller, type SubgraphContext } from '@hub/service-kit';
import { dashboardScope, sendDashboard } from './dashboard.ts';

/** `sendDashboard`: the same audience as `sendKpis` (canSeeKpis), scoped to the caller's council. */
export const dashboardResolvers = {
  Query: {
    async sendDashboard(
      _root: unknown,
      args: { asAt?: string | null; months?: number | null; targets?: Record<string, unknown> | null },
      ctx: SubgraphContext,
    ) {
      requireCaller(ctx);
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      const scope = dashboardScope(ctx.hub.principal);
      const figures = await sendDashboard(ctx.db, args, scope);
      return {
        ...figures,
        id: formatDashboardKey({ asAt: figures.asAt, months: figures.months, councilId: scope.councilId }),
        familyInformationConfirmations: {
          ...figures.familyInformationConfirmations,
          // Reg 6(4) reuse of existing advice is not modelled in the hub yet (no record of it).
          adviceReusedWithConsent: null,
          adviceReuseModelled: false,
        },
      };
    },
  },
};
