import { type IsoDate, isIsoDate } from '@hub/ehc-clock';
import { canSeeKpis } from '@hub/policy';
import { formatDashboardKey, HubError, requireCaller, type SubgraphResolvers } from '@hub/service-kit';
import { councilsInScope } from '../council.ts';
import { adviceReusedInWindow, ehcExceptionSource, todayInEngland } from '../ehc/index.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { sendDashboard } from './dashboard.ts';

/** `sendDashboard`: the same audience as `sendKpis` (canSeeKpis), scoped to the caller's councils. */
export const dashboardResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async sendDashboard(_root, args, ctx) {
      requireCaller(ctx);
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      const scope = { councils: await councilsInScope(ctx.db, ctx.hub.principal) };
      // Exceptions recorded through the EHC lifecycle API (regs 5(4), 8(2), 10(4), 13(3)), as at
      // asAt (a bad asAt is reported, with every other problem, by sendDashboard's own parsing).
      const exceptionsAsAt = isIsoDate(args.asAt) ? args.asAt : todayInEngland();
      const figures = await sendDashboard(ctx.db, args, scope, ehcExceptionSource(exceptionsAsAt));
      return {
        ...figures,
        id: formatDashboardKey({ asAt: figures.asAt, months: figures.months, councils: scope.councils }),
        familyInformationConfirmations: {
          ...figures.familyInformationConfirmations,
          // Reg 6(4): existing advice reused with the family's agreement, in the same 12 months.
          adviceReusedWithConsent: await adviceReusedInWindow(
            ctx.db,
            scope.councils,
            figures.familyInformationConfirmations.from as IsoDate,
            figures.familyInformationConfirmations.to as IsoDate,
          ),
          adviceReuseModelled: true,
        },
      };
    },
  },
};
