import { guardedFieldResolvers, type SubgraphResolvers, sectionLoader } from '@hub/service-kit';
import type { MercuriusLoaders } from 'mercurius';
import { educationalAdviceLifecycle } from './advice.ts';
import type { Resolvers } from './generated/graphql.ts';
import { findSections } from './repository.ts';

export const resolvers: SubgraphResolvers<Resolvers> = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  EducationSection: guardedFieldResolvers('EducationSection'),
  Mutation: educationalAdviceLifecycle.mutations,
};

export const loaders: MercuriusLoaders = {
  Child: {
    education: sectionLoader('education', 'EducationSection', (ctx, ids, fields) =>
      findSections(ctx.db, ids, fields),
    ),
    educationalAdvice: (queries, ctx) => educationalAdviceLifecycle.loader(queries, ctx),
  },
};
