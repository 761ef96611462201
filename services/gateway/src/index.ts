export { buildApp, type GatewayDeps } from './app.ts';
export { PURPOSE_HEADER } from './auth-plugin.ts';
export { createGatewayVerifier } from './verifier.ts';
