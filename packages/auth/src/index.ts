export {
  ACCESS_GRANT_LIFETIME_MS,
  type AccessGrantBinding,
  type AccessGrantCheck,
  checkAccessGrant,
  type GrantedAssessment,
  signAccessGrant,
} from './access-grant.ts';
export { DEV_AUDIENCE, DEV_ISSUER, type DevIssuer, loadOrCreateDevIssuer } from './dev-issuer.ts';
export {
  INTERNAL_CONTEXT_HEADER,
  type InternalContext,
  internalContextToken,
  signInternalContext,
  verifyInternalContext,
} from './internal-context.ts';
export {
  claimValues,
  loadOidcProviders,
  mapClaims,
  type OidcProviderConfig,
  type OidcProviderInput,
  type PublicOidcProvider,
  parseOidcProviders,
  publicProviderInfo,
  type SubjectLink,
} from './oidc-providers.ts';
export {
  createOidcTokenVerifier,
  type OidcTokenVerifier,
  type OidcTokenVerifierOptions,
  verifierByIssuer,
} from './oidc-verifier.ts';
export {
  SERVICE_TOKEN_HEADER,
  type ServiceAudience,
  signServiceToken,
  verifyServiceToken,
} from './service-token.ts';
export {
  createSystemTokenVerifier,
  SYSTEM_ORG_TYPES,
  SYSTEM_SCOPES,
  type SystemOrgType,
  type SystemPrincipal,
  type SystemScope,
  type SystemTokenVerifier,
} from './system-token.ts';
export {
  checkTokenTimes,
  SERVICE_TOKEN_TIMES,
  type TokenTimePolicy,
  USER_TOKEN_TIMES,
} from './token-times.ts';
export {
  AuthError,
  createUserTokenVerifier,
  type UserTokenVerifier,
  type UserTokenVerifierOptions,
} from './user-token.ts';
export { cacheVerifiedTokens, type VerifiedTokenCacheOptions } from './verified-token-cache.ts';
