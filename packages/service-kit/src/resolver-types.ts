import type { GraphQLResolveInfo } from 'graphql';

/**
 * A subgraph's resolver map as mercurius calls it, from the `Resolvers` type GraphQL Code
 * Generator writes for that subgraph (`services/<name>/src/generated/graphql.ts`, `pnpm codegen`).
 *
 * One difference: with `federation: true` the generator types `__resolveReference` the Apollo way,
 * `(reference, context, info)`, but @mercuriusjs/federation calls it like any field resolver,
 * `(reference, {}, context, info)` (lib/federation.js). Every other signature is used as generated.
 */
export type SubgraphResolvers<R> = {
  [Type in keyof R]: NonNullable<R[Type]> extends {
    __resolveReference?: (
      reference: infer Reference,
      context: infer Context,
      info: GraphQLResolveInfo,
    ) => infer Result;
  }
    ? Omit<NonNullable<R[Type]>, '__resolveReference'> & {
        __resolveReference?: (
          reference: Reference,
          args: Record<string, never>,
          context: Context,
          info: GraphQLResolveInfo,
        ) => Result;
      }
    : R[Type];
};
