import { type IsoDate, weeksWaited } from '@hub/ehc-clock';
import { guardedFieldResolvers, loadGuardedSections, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  HealthSection: guardedFieldResolvers('HealthSection'),
  PathwayWait: {
    // Computed at read time so it is never stale: whole weeks to the seen date, or to today.
    weeksWaited: (wait: { referralDate: IsoDate; seenDate: IsoDate | null }) =>
      weeksWaited(wait.referralDate, wait.seenDate, new Date().toISOString().slice(0, 10) as IsoDate),
  },
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async health(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'health', 'HealthSection', (ids) => findSections(ctx.db, ids));
    },
  },
};
