import { guardedFieldResolvers, loadGuardedSections, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  EducationSection: guardedFieldResolvers('EducationSection'),
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async education(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'education', 'EducationSection', (ids) =>
        findSections(ctx.db, ids),
      );
    },
  },
};
