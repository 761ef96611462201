import { AuthError, type UserTokenVerifier } from '@hub/auth';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GraphQLObjectType } from 'graphql';

/**
 * `GET /capabilities`: the names of the query and mutation fields the hub offers right now,
 * and the fields of Child as `Child.<name>` (a subgraph that is down at start has none yet).
 * The portal asks for this to show "not available yet" for parts still being built. It used
 * schema introspection for that, which is off by default (SECURITY.md): this answers the one
 * question the portal has, names only, to a signed-in caller, and nothing more.
 */
export const capabilitiesRoute = fp(
  async (app: FastifyInstance, options: { verifier: UserTokenVerifier }) => {
    app.get('/capabilities', async (request, reply) => {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      try {
        if (!match?.[1])
          throw new AuthError('Sign in first: send an "Authorization: Bearer <token>" header.');
        await options.verifier.verify(match[1]);
      } catch (error) {
        const message = error instanceof AuthError ? error.message : 'Token could not be verified.';
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: { code: 'UNAUTHENTICATED', message } });
      }
      const schema = app.graphql.schema;
      const names = (type: GraphQLObjectType | null | undefined, prefix = '') =>
        Object.keys(type?.getFields() ?? {})
          .filter((name) => !name.startsWith('_'))
          .map((name) => `${prefix}${name}`);
      const child = schema.getType('Child') as GraphQLObjectType | undefined;
      return {
        fields: [
          ...names(schema.getQueryType()),
          ...names(schema.getMutationType()),
          ...names(child, 'Child.'),
        ],
      };
    });
  },
  { name: 'hub-capabilities' },
);
