/** Identity matching: who a child is across agencies (docs/identity-matching.md). */
export { identityResolvers } from './resolvers.ts';
export { registerIdentityRoutes } from './routes.ts';
