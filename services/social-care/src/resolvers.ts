import { guardedFieldResolvers, type SubgraphResolvers, sectionLoader } from '@hub/service-kit';
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
    socialCare: sectionLoader('socialCare', 'SocialCareSection', (ctx, ids, fields) =>
      findSections(ctx.db, ids, fields),
    ),
    socialCareAdvice: (queries, ctx) => socialCareAdviceLifecycle.loader(queries, ctx),
  },
};
