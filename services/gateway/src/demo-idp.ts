import type { DevIssuer } from '@hub/auth';
import type { Principal } from '@hub/policy';
import type { FastifyInstance } from 'fastify';

/**
 * The DEMO identity provider's sign-in endpoint, for the portal's demo sign-in page.
 * Registered only when the gateway is given a demo issuer (`pnpm start`, tests): a real
 * deployment has no `demoIdp` dependency, so these routes do not exist there and the portal
 * would redirect to a real OpenID Connect provider instead.
 */
export interface DemoIdpDeps {
  issuer: DevIssuer;
  /** The synthetic demo users one may sign in as. */
  users: ReadonlyArray<Principal & { name?: string }>;
}

export async function demoIdpRoutes(app: FastifyInstance, options: DemoIdpDeps): Promise<void> {
  // The list lets the sign-in page offer every demo user; it holds no personal data
  // (demo users are synthetic) and no secrets.
  app.get('/demo-idp/users', async () => ({
    demo: true,
    users: options.users.map((u) => ({ sub: u.sub, name: u.name ?? u.sub, role: u.role, orgId: u.orgId })),
  }));

  app.post<{ Body: { sub?: unknown } }>('/demo-idp/token', async (request, reply) => {
    const sub = request.body?.sub;
    const user = typeof sub === 'string' ? options.users.find((u) => u.sub === sub) : undefined;
    if (!user) return reply.code(400).send({ error: 'unknown_user', message: 'No demo user has that id.' });
    const token = await options.issuer.sign(
      {
        sub: user.sub,
        role: user.role,
        orgId: user.orgId,
        orgType: user.orgType,
        ...(user.name ? { name: user.name } : {}),
      },
      // As long as the gateway accepts by default (JWT_MAX_LIFETIME_SECONDS): the portal asks
      // the user to sign in again when it has expired.
      { expiresIn: '1h' },
    );
    // Only who the user is, as an OpenID Connect provider would say; which records a family
    // holds comes from the hub (myRecords).
    return {
      token,
      user: {
        sub: user.sub,
        name: user.name ?? user.sub,
        role: user.role,
        orgId: user.orgId,
      },
    };
  });
}
