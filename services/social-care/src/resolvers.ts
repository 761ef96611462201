import { guardedFieldResolvers, loadGuardedSections, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { socialCareAdviceLifecycle } from './advice.ts';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  SocialCareSection: guardedFieldResolvers('SocialCareSection'),
  Mutation: socialCareAdviceLifecycle.mutations,
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async socialCare(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'socialCare', 'SocialCareSection', (ids) =>
        findSections(ctx.db, ids),
      );
    },
    socialCareAdvice: (queries, ctx) => socialCareAdviceLifecycle.loader(queries, ctx),
  },
};
