import { type IsoDate, weeksWaited } from '@hub/ehc-clock';
import { idsOf, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
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
      const sections = await findSections(ctx.db, idsOf(queries));
      return queries.map(({ obj }) => sections.get(String(obj.id)) ?? null);
    },
  },
};
