/**
 * Talking to the hub: every request goes to the gateway's /graphql with the user's token and,
 * for partners, the purpose they declared (consent is given per purpose).
 *
 * The token lives in sessionStorage: it is gone when the tab closes, is not sent
 * automatically with every request like a cookie (so no cross-site request forgery), and is
 * not shared with other tabs. The price is that script on the page could read it, so the
 * portal loads no third-party script. The OpenID Connect sign-in (oidc.ts) keeps the same
 * shape: its token is refreshed before it expires, and once more when the gateway says 401.
 */
import { currentToken, refreshSignIn } from './oidc.ts';

export interface SessionUser {
  sub: string;
  name: string;
  role: string;
  orgId: string;
}

export interface GqlError {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; reason?: string; childId?: string; [key: string]: unknown };
}

export interface GqlResult<T> {
  data: T | null;
  errors: GqlError[];
}

const TOKEN_KEY = 'hub.token';
const USER_KEY = 'hub.user';
const PURPOSE_KEY = 'hub.purpose';

export function getSession(): { token: string; user: SessionUser } | null {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const user = sessionStorage.getItem(USER_KEY);
  return token && user ? { token, user: JSON.parse(user) as SessionUser } : null;
}

export function saveSession(token: string, user: SessionUser): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  // The OpenID Connect tokens (oidc.ts), refresh token included.
  sessionStorage.removeItem('hub.oidc');
}

export function getPurpose(): string {
  return sessionStorage.getItem(PURPOSE_KEY) ?? 'ehc_assessment';
}

export function setPurpose(purpose: string): void {
  sessionStorage.setItem(PURPOSE_KEY, purpose);
}

export async function gql<T>(
  query: string,
  variables: Record<string, unknown> = {},
  options: { purpose?: boolean } = {},
  retryAfterRefresh = true,
): Promise<GqlResult<T>> {
  const token = await currentToken();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.purpose) headers['x-hub-purpose'] = getPurpose();
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  if (response.status === 401) {
    // Refused before any GraphQL ran, so asking again cannot do anything twice.
    if (retryAfterRefresh && (await refreshSignIn())) return gql<T>(query, variables, options, false);
    clearSession();
    window.location.hash = '#/';
    return { data: null, errors: [{ message: 'Your sign-in has ended. Sign in again.' }] };
  }
  const body = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

/**
 * The query and mutation names the hub offers today: screens for parts still being built say so.
 * Child fields come as "Child.<name>": the record screens ask for sections still being built only
 * once they exist. From the gateway's `/capabilities` (schema introspection is off).
 */
let capabilities: Promise<Set<string>> | null = null;
export function hubCapabilities(): Promise<Set<string>> {
  const session = getSession();
  capabilities ??= fetch('/capabilities', {
    headers: session ? { authorization: `Bearer ${session.token}` } : {},
  })
    .then(async (response) => (response.ok ? ((await response.json()) as { fields?: string[] }) : {}))
    .then((body: { fields?: string[] }) => new Set<string>(body.fields ?? []))
    .catch(() => new Set<string>());
  return capabilities;
}

export function resetCapabilities(): void {
  capabilities = null;
}
