import { idsOf, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async education(queries, ctx) {
      requireCaller(ctx);
      const sections = await findSections(ctx.db, idsOf(queries));
      return queries.map(({ obj }) => sections.get(String(obj.id)) ?? null);
    },
  },
};
