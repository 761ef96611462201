export { AuthError, createUserTokenVerifier, type UserTokenVerifier } from './user-token.ts';
export { loadOrCreateDevIssuer, type DevIssuer, DEV_ISSUER, DEV_AUDIENCE } from './dev-issuer.ts';
export {
  INTERNAL_CONTEXT_HEADER,
  signInternalContext,
  verifyInternalContext,
  type InternalContext,
} from './internal-context.ts';
export {
  SERVICE_TOKEN_HEADER,
  type ServiceAudience,
  signServiceToken,
  verifyServiceToken,
} from './service-token.ts';
