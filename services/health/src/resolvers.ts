import { englandDate, type IsoDate, isIsoDate, weeksWaited } from '@hub/ehc-clock';
import { canSeeKpis } from '@hub/policy';
import {
  callRecord,
  guardedFieldResolvers,
  HubError,
  requireCaller,
  type SubgraphResolvers,
  sectionLoader,
} from '@hub/service-kit';
import type { MercuriusLoaders } from 'mercurius';
import { healthAdviceLifecycle } from './advice.ts';
import type { Resolvers } from './generated/graphql.ts';
import { pathwayWaitKpis } from './kpi.ts';
import { sendDashboardResolvers } from './pathway-resolvers.ts';
import { findSections } from './repository.ts';

// The date in England now (asked once per pathway wait of every child shown; englandDate
// remembers its answer for the rest of the UTC hour, so this costs nothing).
const today = () => englandDate(new Date());

export const resolvers: SubgraphResolvers<Resolvers> = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  HealthSection: guardedFieldResolvers('HealthSection'),
  PathwayWait: {
    // Computed at read time so it is never stale: whole weeks to the seen date, or to today (in England).
    weeksWaited: (wait: { referralDate: IsoDate; seenDate: IsoDate | null }) =>
      weeksWaited(wait.referralDate, wait.seenDate, today()),
  },
  SendKpis: {
    __resolveReference: (reference: { asAt: string }) => reference,
    async pathwayWaits(parent: { asAt: string }, _args, ctx) {
      requireCaller(ctx);
      // Checked again here: the health service answers for its own figures.
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      if (!isIsoDate(parent.asAt))
        throw new HubError('INVALID_INPUT', 'asAt must be a real date written YYYY-MM-DD.');
      if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for the health service');
      // Tenancy: the record says which children's figures this caller may see.
      const scope = await callRecord(
        ctx.recordBaseUrl,
        'kpiChildren',
        {},
        {
          context: ctx.hubToken,
          unavailable: 'The record service is unavailable; the figures cannot be shown right now.',
        },
      );
      return pathwayWaitKpis(ctx.db, parent.asAt, new Set(scope.childIds));
    },
  },
  ...sendDashboardResolvers,
  Mutation: healthAdviceLifecycle.mutations,
};

export const loaders: MercuriusLoaders = {
  Child: {
    health: sectionLoader('health', 'HealthSection', (ctx, ids, fields) => findSections(ctx.db, ids, fields)),
    healthAdvice: (queries, ctx) => healthAdviceLifecycle.loader(queries, ctx),
  },
};
