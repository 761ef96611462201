import { guardedFieldResolvers, loadGuardedSections, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { educationalAdviceLifecycle } from './advice.ts';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  EducationSection: guardedFieldResolvers('EducationSection'),
  Mutation: educationalAdviceLifecycle.mutations,
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async education(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'education', 'EducationSection', (ids) =>
        findSections(ctx.db, ids),
      );
    },
    educationalAdvice: (queries, ctx) => educationalAdviceLifecycle.loader(queries, ctx),
  },
};
