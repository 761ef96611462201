import { AuthError, type PublicOidcProvider, type UserTokenVerifier } from '@hub/auth';
import type { FastifyInstance } from 'fastify';

/**
 * What the portal needs to sign people in (docs/sign-in.md):
 * - `GET /auth/providers`: the OpenID Connect providers to offer (public information: issuer,
 *   client id, scopes; the portal is a public client with no secret) and whether the demo
 *   sign-in exists on this hub.
 * - `GET /auth/me`: who the bearer token says the caller is, as the hub maps it (role and
 *   organisation from the provider's claims, by configuration). The portal calls it right
 *   after signing in: a token whose claims do not map is refused here with the reason, before
 *   any page is shown.
 */
export async function signInRoutes(
  app: FastifyInstance,
  options: { verifier: UserTokenVerifier; providers: readonly PublicOidcProvider[]; demo: boolean },
): Promise<void> {
  app.get('/auth/providers', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { providers: options.providers, demo: options.demo };
  });

  app.get('/auth/me', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    try {
      if (!match?.[1]) throw new AuthError('Sign in first: send an "Authorization: Bearer <token>" header.');
      const principal = await options.verifier.verify(match[1]);
      return {
        sub: principal.sub,
        name: principal.name ?? principal.sub,
        role: principal.role,
        orgId: principal.orgId,
      };
    } catch (error) {
      const message = error instanceof AuthError ? error.message : 'Token could not be verified.';
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer error="invalid_token"')
        .send({ error: { code: 'UNAUTHENTICATED', message } });
    }
  });
}
