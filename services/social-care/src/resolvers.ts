import {
  guardedFieldResolvers,
  loadGuardedSections,
  requireCaller,
  type SubgraphResolvers,
} from '@hub/service-kit';
import type { MercuriusLoaders } from 'mercurius';
import { socialCareAdviceLifecycle } from './advice.ts';
import type { Resolvers } from './generated/graphql.ts';
import { findSections } from './repository.ts';

export const resolvers: SubgraphResolvers<Resolvers> = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  SocialCareSection: guardedFieldResolvers('SocialCareSection'),
  Mutation: socialCareAdviceLifecycle.mutations,
};

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
