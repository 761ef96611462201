import { guardedFieldResolvers, loadGuardedSections, requireCaller } from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { findSections } from './repository.ts';

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  SocialCareSection: guardedFieldResolvers('SocialCareSection'),
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async socialCare(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'socialCare', 'SocialCareSection', (ids) =>
        findSections(ctx.db, ids),
      );
    },
  },
};
