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

/** Fired on `window` when a session starts, so the page redraws even if the address stays the same. */
export const SESSION_EVENT = 'hub-session';

export function saveSession(token: string, user: SessionUser): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  window.dispatchEvent(new Event(SESSION_EVENT));
}

export function clearSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(USER_KEY);
  // The OpenID Connect tokens (oidc.ts), refresh token included.
  sessionStorage.removeItem('hub.oidc');
}

/**
 * What the user has typed but not saved, per user and form (sessionStorage: gone when the tab
 * closes). Kept when a sign-in ends so nothing typed is lost; removed on save and on sign-out.
 */
const DRAFT_PREFIX = 'hub.draft.';
export function draftKey(form: string): string | null {
  const session = getSession();
  return session ? `${DRAFT_PREFIX}${session.user.sub}.${form}` : null;
}
/** Also typed and kept, under keys of their own: sharing answers not yet confirmed, a break-glass reason. */
const KEPT_PREFIXES = [DRAFT_PREFIX, 'hub.sharing-answers.', 'hub.breakGlassReason.'];
export function clearDrafts(): void {
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const key = sessionStorage.key(i);
    if (key && KEPT_PREFIXES.some((prefix) => key.startsWith(prefix))) sessionStorage.removeItem(key);
  }
}

export function getPurpose(): string {
  return sessionStorage.getItem(PURPOSE_KEY) ?? 'ehc_assessment';
}

export function setPurpose(purpose: string): void {
  sessionStorage.setItem(PURPOSE_KEY, purpose);
}

/** Error codes the portal adds for failures that never reached the hub's GraphQL. */
export const NETWORK = 'NETWORK';

/**
 * A read that failed because the hub or the network did (not because of what the user did):
 * the page shows "Sorry, there is a problem with the service" with a "Try again" button.
 */
const SERVICE_FAILURE_CODES = new Set([
  NETWORK,
  'UNAVAILABLE',
  'INTERNAL',
  'INTERNAL_SERVER_ERROR',
  'TIMEOUT',
  'OVERLOADED',
  'RATE_LIMITED',
]);

export function isServiceFailure(errors: GqlError[]): boolean {
  return errors.some((e) => SERVICE_FAILURE_CODES.has(e.extensions?.code ?? ''));
}

/**
 * A read that failed this way is reported once, page-wide (main.tsx: "Sorry, there is a problem
 * with the service" and one "Try again" that loads the whole screen again). The screen itself then
 * adds no error summary and no button of its own: one message and one action per failure.
 */
export function shownPageWide(result: GqlResult<unknown>): boolean {
  return !result.data && isServiceFailure(result.errors);
}

/** What a screen says itself about a read: nothing when the page-wide message already says it. */
export function readErrors(result: GqlResult<unknown>): string[] {
  return shownPageWide(result) ? [] : result.errors.map((e) => e.message);
}

export const SERVICE_PROBLEM = 'Sorry, there is a problem with the service. Try again.';
const NETWORK_PROBLEM =
  'Sorry, the service could not be reached. Check your internet connection and try again.';
const SIGNED_OUT = 'Your sign-in has ended. Sign in again.';

/**
 * The words a user sees for an error. The hub's own messages for CONFLICT, FORBIDDEN and the like
 * are written for people; anything that names the API's insides (a type or field such as
 * `Child.nhsNumber`, a GraphQL variable, "must be a UUID") is replaced by plain English. The
 * original stays in `extensions.detail` for support.
 */
export function userMessage(error: GqlError): string {
  const code = error.extensions?.code ?? '';
  const text = error.message ?? '';
  if (code === NETWORK) return NETWORK_PROBLEM;
  if (code === 'UNAUTHENTICATED') return SIGNED_OUT;
  if (code === 'RATE_LIMITED')
    return 'You have done that too many times in a short time. Wait a minute, then try again.';
  if (SERVICE_FAILURE_CODES.has(code)) return SERVICE_PROBLEM;
  if (code === 'NOT_FOUND')
    return 'You cannot see this record, or it does not exist. Check the link or find the child again.';
  if (code === 'FORBIDDEN_FIELD') return 'Some information is not shown to you.';
  if (/must be a UUID|uuid/i.test(text)) {
    return 'The link you followed is not complete or not right. Go back and try again.';
  }
  if (INTERNAL_WORDS.test(text) || !code) {
    return code === 'INVALID_INPUT' || code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED'
      ? 'Some of the information you entered could not be used. Check it and try again.'
      : SERVICE_PROBLEM;
  }
  return text;
}

/** Signs of a message written for developers: Type.field, $variables, GraphQL type names, stack words. */
const INTERNAL_WORDS =
  /\b[A-Z][A-Za-z]+\.[a-z][A-Za-z]+\b|\$[a-zA-Z]|\b(GraphQL|Int!?|String!?|ID!|Boolean!?|Variable|Cannot query field|Syntax Error|Unexpected token|ECONN\w+|undefined|null)\b/;

/**
 * Where the user was when their sign-in ended (or when they opened a link in a new tab), so
 * that signing in takes them back there. Kept in sessionStorage: it dies with the tab.
 */
const RETURN_KEY = 'hub.returnTo';

export function rememberReturnTo(route: string, sub?: string): void {
  if (!route.startsWith('/') || route === '/') return;
  sessionStorage.setItem(RETURN_KEY, JSON.stringify({ route, sub: sub ?? null }));
}

/** The page to go back to after signing in as `sub` (a page remembered for someone else is dropped). */
export function takeReturnTo(sub: string): string | null {
  const raw = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  if (!raw) return null;
  try {
    const saved = JSON.parse(raw) as { route?: string; sub?: string | null };
    if (!saved.route || (saved.sub && saved.sub !== sub)) return null;
    return `#${saved.route}`;
  } catch {
    return null;
  }
}

/** Why the sign-in page is showing: set when a sign-in ends, read once by the sign-in page. */
const ENDED_KEY = 'hub.sessionEnded';
export function takeSessionEnded(): boolean {
  const ended = sessionStorage.getItem(ENDED_KEY) === '1';
  sessionStorage.removeItem(ENDED_KEY);
  return ended;
}

/** The sign-in ended (expired or revoked token): keep drafts and the page, show the sign-in page. */
export function endSession(): void {
  const session = getSession();
  rememberReturnTo(window.location.hash.slice(1), session?.user.sub);
  clearSession();
  sessionStorage.setItem(ENDED_KEY, '1');
  window.location.hash = '#/';
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Listeners told when a read fails because of the service (the page offers "Try again"). */
const problemListeners = new Set<(message: string) => void>();
export function onServiceProblem(listener: (message: string) => void): () => void {
  problemListeners.add(listener);
  return () => problemListeners.delete(listener);
}
function reportProblem(message: string): void {
  for (const listener of problemListeners) listener(message);
}

/**
 * A GraphQL document marked with the result and variables types GraphQL Code Generator wrote for
 * it from the supergraph (app/generated/graphql.ts, `pnpm codegen`): `gql(doc, variables)` then
 * checks the variables and types the answer. Types only: at run time it is the document's text,
 * so the bundle carries nothing more.
 */
export type TypedDocument<Result, Variables> = string & {
  readonly __result?: Result;
  readonly __variables?: Variables;
};

export function gql<T, V extends Record<string, unknown>>(
  query: TypedDocument<T, V>,
  variables?: V,
  options?: { purpose?: boolean },
): Promise<GqlResult<T>>;
export function gql<T>(
  query: string,
  variables?: Record<string, unknown>,
  options?: { purpose?: boolean },
  retryAfterRefresh?: boolean,
): Promise<GqlResult<T>>;
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
  const isRead = !/^\s*mutation\b/.test(query);
  const failed = (code: string, message: string): GqlResult<T> => {
    const error: GqlError = { message, extensions: { code } };
    const result = { data: null, errors: [{ ...error, message: userMessage(error) }] };
    if (isRead) reportProblem(result.errors[0]?.message ?? SERVICE_PROBLEM);
    return result;
  };
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    return failed(NETWORK, 'fetch failed');
  }
  if (response.status === 401) {
    // Refused before any GraphQL ran, so asking again cannot do anything twice.
    if (retryAfterRefresh && (await refreshSignIn())) return gql<T>(query, variables, options, false);
    endSession();
    return { data: null, errors: [{ message: SIGNED_OUT, extensions: { code: 'UNAUTHENTICATED' } }] };
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = (await response.json()) as { data?: T | null; errors?: GqlError[] };
  } catch {
    // A proxy's HTML error page (502, 503, 504) or a cut-off answer.
    return failed(response.status === 429 ? 'RATE_LIMITED' : 'UNAVAILABLE', `HTTP ${response.status}`);
  }
  const errors = (body.errors ?? []).map((e) => ({
    ...e,
    message: userMessage(e),
    extensions: { ...e.extensions, detail: e.message },
  }));
  if (!body.data && errors.length === 0 && !response.ok)
    return failed('UNAVAILABLE', `HTTP ${response.status}`);
  const result = { data: body.data ?? null, errors };
  if (isRead && shownPageWide(result)) reportProblem(errors[0]?.message ?? SERVICE_PROBLEM);
  return result;
}
