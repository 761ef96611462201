import { createUserTokenVerifier, loadOrCreateDevIssuer } from '@hub/auth';
import { loadGatewayConfig } from '@hub/config';
import { DEMO_USERS } from '@hub/synthetic';
import { buildApp } from './app.ts';

const config = loadGatewayConfig(process.env);
const app = buildApp(config, {
  verifier: createUserTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwksUrl: config.JWKS_URL,
    jwksFile: config.JWKS_FILE,
    maxLifetimeSeconds: config.JWT_MAX_LIFETIME_SECONDS,
    clockSkewSeconds: config.JWT_CLOCK_SKEW_SECONDS,
  }),
  services: {
    record: config.RECORD_URL,
    education: config.EDUCATION_URL,
    health: config.HEALTH_URL,
    'social-care': config.SOCIAL_CARE_URL,
  },
  audit: config.AUDIT_URL,
  ...(config.PORTAL_DIR ? { portalDir: config.PORTAL_DIR } : {}),
  // The demo sign-in only exists when the demo identity provider is configured (pnpm start).
  ...(config.DEMO_IDP_DIR
    ? { demoIdp: { issuer: await loadOrCreateDevIssuer(config.DEMO_IDP_DIR), users: DEMO_USERS } }
    : {}),
});

const shutdown = async (signal: string) => {
  app.log.info({ signal }, 'shutting down');
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
await app.listen({ host: config.HOST, port: config.PORT });
