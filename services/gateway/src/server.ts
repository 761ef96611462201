import { loadOrCreateDevIssuer } from '@hub/auth';
import { loadGatewayConfig } from '@hub/config';
import { DEMO_USERS } from '@hub/synthetic';
import { loadTelemetryConfig, startTelemetry } from '@hub/telemetry';
import { buildApp } from './app.ts';
import { createGatewayVerifier } from './verifier.ts';

const config = loadGatewayConfig(process.env);
const telemetryConfig = loadTelemetryConfig(process.env);
// Before the app is built: its plugins look once whether tracing is on.
const telemetry = startTelemetry('gateway', telemetryConfig);
const app = buildApp(
  { ...config, METRICS_TOKEN: telemetryConfig.metricsToken },
  {
    ...createGatewayVerifier(config),
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
  },
);

const shutdown = async (signal: string) => {
  app.log.info({ signal }, 'shutting down');
  await app.close();
  // Sends the spans still buffered.
  await telemetry.shutdown();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown('SIGTERM'));
process.once('SIGINT', () => void shutdown('SIGINT'));
await app.listen({ host: config.HOST, port: config.PORT });
