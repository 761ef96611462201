/**
 * Signing in through an OpenID Connect provider (docs/sign-in.md), with oauth4webapi (panva):
 * the portal is a public client in the browser, using the authorization code flow with PKCE
 * (S256), `state` and `nonce`, the provider's discovery document, refresh tokens, token
 * revocation and RP-initiated logout (`end_session_endpoint`).
 *
 * Which providers exist comes from the gateway (`GET /auth/providers`); who the person is to
 * the hub (role and organisation) also comes from the gateway (`GET /auth/me`), which maps the
 * provider's claims by configuration and verifies the token by the provider's JWKS. The
 * portal never decides a role itself.
 *
 * Tokens stay in sessionStorage like the demo sign-in's (api.ts explains why); the refresh
 * token too, so it lasts only as long as the tab and dies with the provider session.
 */
import * as oauth from 'oauth4webapi';
import { clearSession, getSession, type SessionUser, saveSession } from './api.ts';

export interface OidcProvider {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  resource?: string;
  bearer: 'access_token' | 'id_token';
}

export interface SignInOptions {
  providers: OidcProvider[];
  /** Whether this hub also offers the demo sign-in (never in production). */
  demo: boolean;
}

/** The signed-in person's tokens, beside api.ts's session (which holds the bearer token). */
interface OidcState {
  providerId: string;
  refreshToken?: string;
  idToken?: string;
  /** When the bearer token expires, in ms since the epoch. */
  expiresAt: number;
}

/** What the sign-in started, for the callback to check. */
interface PendingSignIn {
  providerId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export const OIDC_KEY = 'hub.oidc';
const PENDING_KEY = 'hub.oidc.pending';
/** Refresh this long before the bearer token expires. */
const REFRESH_AHEAD_MS = 60_000;

let options: Promise<SignInOptions> | null = null;
export function signInOptions(): Promise<SignInOptions> {
  options ??= fetch('/auth/providers')
    .then((r) => (r.ok ? (r.json() as Promise<SignInOptions>) : Promise.reject(new Error(String(r.status)))))
    .catch((error: unknown) => {
      options = null;
      throw error;
    });
  return options;
}

async function providerById(id: string): Promise<OidcProvider> {
  const provider = (await signInOptions()).providers.find((p) => p.id === id);
  if (!provider) throw new Error('That sign-in service is no longer offered here.');
  return provider;
}

/** http only for a provider on this machine (the local test sign-in); https everywhere else. */
function httpOptions(issuer: string): { [oauth.allowInsecureRequests]?: boolean } {
  const url = new URL(issuer);
  const local = url.protocol === 'http:' && (url.hostname === '127.0.0.1' || url.hostname === 'localhost');
  return local ? { [oauth.allowInsecureRequests]: true } : {};
}

const servers = new Map<string, Promise<oauth.AuthorizationServer>>();
function discover(provider: OidcProvider): Promise<oauth.AuthorizationServer> {
  let server = servers.get(provider.issuer);
  if (!server) {
    const issuer = new URL(provider.issuer);
    server = oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(provider.issuer) })
      .then((response) => oauth.processDiscoveryResponse(issuer, response));
    server.catch(() => servers.delete(provider.issuer));
    servers.set(provider.issuer, server);
  }
  return server;
}

const client = (provider: OidcProvider): oauth.Client => ({ client_id: provider.clientId });
const redirectUri = () => `${window.location.origin}/`;

/** Sends the browser to the provider's sign-in page. */
export async function startSignIn(provider: OidcProvider): Promise<void> {
  const as = await discover(provider);
  if (!as.authorization_endpoint) throw new Error('The sign-in service has no authorization endpoint.');
  const pending: PendingSignIn = {
    providerId: provider.id,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    // Back to the page the person was on (a bookmarked record, or where their sign-in ended).
    returnTo: window.location.hash,
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', provider.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', provider.scopes.join(' '));
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(pending.codeVerifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (provider.resource) url.searchParams.set('resource', provider.resource);
  window.location.assign(url.href);
}

/** True when this page load is the provider sending the browser back (`/?code=…&state=…`). */
export function isSignInCallback(): boolean {
  const params = new URLSearchParams(window.location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** Why `/auth/me` refused the token, in the gateway's words (safe to show). */
export class SignInRefused extends Error {}

let completing: Promise<{ user: SessionUser; returnTo: string }> | null = null;
/**
 * Finishes a sign-in: checks `state`, swaps the code (with the PKCE verifier) for tokens,
 * checks the ID token (issuer, audience, nonce, times), then asks the gateway who this is.
 * Runs once per page load: a code can be used only once.
 */
export function completeSignIn(): Promise<{ user: SessionUser; returnTo: string }> {
  completing ??= finishSignIn().finally(() => {
    // The code and state are spent either way: take them out of the address bar and history.
    window.history.replaceState(null, '', `/${window.location.hash}`);
  });
  return completing;
}

async function finishSignIn(): Promise<{ user: SessionUser; returnTo: string }> {
  const saved = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (!saved) throw new Error('This sign-in was not started here, or was already used. Sign in again.');
  const pending = JSON.parse(saved) as PendingSignIn;
  const provider = await providerById(pending.providerId);
  const as = await discover(provider);
  const params = oauth.validateAuthResponse(
    as,
    client(provider),
    new URL(window.location.href),
    pending.state,
  );
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client(provider),
    oauth.None(),
    params,
    redirectUri(),
    pending.codeVerifier,
    {
      ...httpOptions(provider.issuer),
      ...(provider.resource ? { additionalParameters: { resource: provider.resource } } : {}),
    },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client(provider), response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const { bearer, state } = tokensToState(provider, tokens);
  const me = await fetch('/auth/me', { headers: { authorization: `Bearer ${bearer}` } });
  if (!me.ok) {
    const body = (await me.json().catch(() => ({}))) as { error?: { message?: string } };
    if (state.refreshToken) await revoke(provider, state.refreshToken);
    throw new SignInRefused(body.error?.message ?? 'The hub did not accept this sign-in.');
  }
  const user = (await me.json()) as SessionUser;
  saveSession(bearer, user);
  sessionStorage.setItem(OIDC_KEY, JSON.stringify(state));
  return { user, returnTo: pending.returnTo };
}

function tokensToState(
  provider: OidcProvider,
  tokens: oauth.TokenEndpointResponse,
  previous?: OidcState,
): { bearer: string; state: OidcState } {
  const claims = oauth.getValidatedIdTokenClaims(tokens);
  const idToken = tokens.id_token ?? previous?.idToken;
  const bearer = provider.bearer === 'id_token' ? idToken : tokens.access_token;
  if (!bearer) throw new Error('The sign-in service sent no token for the hub.');
  const expiresAt =
    provider.bearer === 'id_token'
      ? (claims?.exp ?? 0) * 1000
      : Date.now() + (tokens.expires_in ?? 300) * 1000;
  const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
  return {
    bearer,
    state: {
      providerId: provider.id,
      expiresAt,
      ...(refreshToken ? { refreshToken } : {}),
      ...(idToken ? { idToken } : {}),
    },
  };
}

function oidcState(): OidcState | null {
  const saved = sessionStorage.getItem(OIDC_KEY);
  return saved ? (JSON.parse(saved) as OidcState) : null;
}

let refreshing: Promise<boolean> | null = null;
/**
 * Swaps the refresh token for new tokens (the provider may rotate the refresh token too).
 * One refresh at a time however many requests ask. False when there is nothing to refresh
 * with or the provider said no (signed out there, or the refresh token expired).
 */
export function refreshSignIn(): Promise<boolean> {
  refreshing ??= (async () => {
    const state = oidcState();
    const session = getSession();
    if (!state?.refreshToken || !session) return false;
    try {
      const provider = await providerById(state.providerId);
      const as = await discover(provider);
      const response = await oauth.refreshTokenGrantRequest(
        as,
        client(provider),
        oauth.None(),
        state.refreshToken,
        {
          ...httpOptions(provider.issuer),
          ...(provider.resource ? { additionalParameters: { resource: provider.resource } } : {}),
        },
      );
      const tokens = await oauth.processRefreshTokenResponse(as, client(provider), response);
      const next = tokensToState(provider, tokens, state);
      saveSession(next.bearer, session.user);
      sessionStorage.setItem(OIDC_KEY, JSON.stringify(next.state));
      return true;
    } catch {
      return false;
    }
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** The bearer token for the next request, refreshed first when it is about to expire. */
export async function currentToken(): Promise<string | null> {
  const state = oidcState();
  if (state?.refreshToken && state.expiresAt - Date.now() < REFRESH_AHEAD_MS) await refreshSignIn();
  return getSession()?.token ?? null;
}

async function revoke(provider: OidcProvider, token: string): Promise<void> {
  try {
    const as = await discover(provider);
    if (!as.revocation_endpoint) return;
    const response = await oauth.revocationRequest(as, client(provider), oauth.None(), token, {
      ...httpOptions(provider.issuer),
      additionalParameters: { token_type_hint: 'refresh_token' },
    });
    await oauth.processRevocationResponse(response);
  } catch {
    // Best effort: signing out at the provider ends the refresh token's session anyway.
  }
}

/**
 * Signs out of the hub and, for an OpenID Connect sign-in, starts signing out at the provider:
 * revokes the refresh token, clears this tab's session, and returns the provider's
 * end-session address (RP-initiated logout) for the caller to go to, or null.
 */
export async function signOutEverywhere(): Promise<string | null> {
  const state = oidcState();
  clearSession();
  if (!state) return null;
  let provider: OidcProvider;
  try {
    provider = await providerById(state.providerId);
  } catch {
    return null;
  }
  if (state.refreshToken) await revoke(provider, state.refreshToken);
  const as = await discover(provider).catch(() => null);
  if (!as?.end_session_endpoint) return null;
  const url = new URL(as.end_session_endpoint);
  url.searchParams.set('client_id', provider.clientId);
  if (state.idToken) url.searchParams.set('id_token_hint', state.idToken);
  url.searchParams.set('post_logout_redirect_uri', redirectUri());
  return url.href;
}
