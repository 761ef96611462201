import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { OidcProviderInput } from '@hub/auth';
import type { Role } from '@hub/policy';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A LOCAL OpenID Connect provider for development and tests: the real `oidc-provider` (panva),
 * not a mock, on 127.0.0.1, with the synthetic users as its accounts. It speaks like a
 * professional's or a family's provider would: its tokens carry a job title (`job_role`) and
 * an organisation code (`org`) in its own words, and the hub maps them to hub roles and
 * organisations through the same configuration a real provider gets (devProviderConfig).
 *
 * Never for production: anyone can sign in as anyone by picking a name from a list.
 */

export const DEV_OIDC_CLIENT_ID = 'hub-portal';
/** The hub's API as a resource (RFC 8707): the audience of the access tokens. */
export const DEV_OIDC_RESOURCE = 'urn:tell-it-once:hub';
export const DEV_OIDC_SCOPES = ['openid', 'profile', 'hub'];

/** How this provider names each hub role: the hub's configuration maps these back. */
export const DEV_JOB_TITLES: Record<Role, string> = {
  senco: 'Special educational needs co-ordinator',
  health_practitioner: 'Health practitioner',
  social_worker: 'Social worker',
  la_send_officer: 'SEND officer',
  parent_carer: 'Parent or carer',
  young_person: 'Young person',
  auditor: 'Information governance auditor',
};

export interface DevOidcAccount {
  sub: string;
  name: string;
  /** The provider's own job title (not a hub role): mapped by configuration. */
  jobRole: string;
  /** The provider's organisation code: mapped by configuration. */
  org: string;
}

/** The synthetic demo users as this provider's accounts. */
export function accountsFromUsers(
  users: ReadonlyArray<{ sub: string; name?: string; role: Role; orgId: string }>,
): DevOidcAccount[] {
  return users.map((u) => ({
    sub: u.sub,
    name: u.name ?? u.sub,
    jobRole: DEV_JOB_TITLES[u.role],
    org: u.orgId,
  }));
}

/**
 * The hub's configuration for this provider (OIDC_PROVIDERS): job titles and organisation
 * codes mapped to hub roles and organisations, every organisation listed (deny by default).
 * The synthetic accounts' subjects are the hub's own ids, so the subject prefix is empty.
 */
export function devProviderConfig(issuer: string, accounts: readonly DevOidcAccount[]): OidcProviderInput {
  const orgs = [...new Set(accounts.map((a) => a.org))].sort();
  return {
    id: 'dev',
    name: 'the local test sign-in',
    issuer,
    clientId: DEV_OIDC_CLIENT_ID,
    scopes: DEV_OIDC_SCOPES,
    resource: DEV_OIDC_RESOURCE,
    bearer: 'access_token',
    audience: DEV_OIDC_RESOURCE,
    algorithms: ['ES256'],
    subject: { claim: 'sub', prefix: '' },
    role: {
      claim: 'job_role',
      map: Object.fromEntries(Object.entries(DEV_JOB_TITLES).map(([role, title]) => [title, role as Role])),
    },
    organisation: { claim: 'org', map: Object.fromEntries(orgs.map((o) => [o, o])) },
  };
}

export interface DevOidcServer {
  /** `http://127.0.0.1:<port>`: the provider's issuer, known as soon as it listens. */
  issuer: string;
  /** Starts answering as an OpenID Connect provider for the portal at `portalOrigin`. */
  start(options: DevOidcStartOptions): Promise<void>;
  close(): Promise<void>;
  /** Sign-ins, refreshes and logouts seen, for tests and the dev console. */
  readonly events: { name: string }[];
}

export interface DevOidcStartOptions {
  /** The web portal's origin (`http://127.0.0.1:4000`): its redirect and post-logout URIs. */
  portalOrigin: string;
  accounts: readonly DevOidcAccount[];
  /** Folder keeping the signing key across restarts; without it a fresh key each start. */
  keyDir?: string;
  /** Access token lifetime in seconds (default 300: the portal refreshes them). */
  accessTokenTtl?: number;
}

/**
 * Listens first (so the issuer, with its port, is known before anything is configured), then
 * `start()` creates the provider. Until then every request gets 503.
 */
export async function listenDevOidc(options: { host?: string; port?: number } = {}): Promise<DevOidcServer> {
  const host = options.host ?? '127.0.0.1';
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.statusCode = 503;
    res.end('starting');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const issuer = `http://${host}:${port}`;
  const events: DevOidcServer['events'] = [];
  return {
    issuer,
    events,
    async start(start) {
      const provider = await createProvider(issuer, start);
      provider.on('grant.success', (ctx) =>
        events.push({ name: `grant.success:${String(ctx.oidc.params?.grant_type)}` }),
      );
      provider.on('end_session.success', () => events.push({ name: 'end_session.success' }));
      provider.on('grant.revoked', () => events.push({ name: 'grant.revoked' }));
      const callback = provider.callback();
      handler = (req, res) => {
        const url = new URL(req.url ?? '/', issuer);
        if (url.pathname.startsWith('/interaction/')) {
          interaction(provider, start.accounts, req, res, url).catch((error: unknown) => {
            res.statusCode = 500;
            res.setHeader('content-type', 'text/plain');
            res.end(`Sign-in failed: ${(error as Error).message}`);
          });
          return;
        }
        callback(req, res);
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function signingKey(keyDir: string | undefined): Promise<JWK> {
  const file = keyDir ? join(keyDir, 'dev-oidc-signing.jwk.json') : undefined;
  if (file && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: `dev-oidc-${Date.now().toString(36)}`,
    alg: 'ES256',
    use: 'sig',
  };
  if (keyDir && file) {
    mkdirSync(keyDir, { recursive: true });
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
  }
  return jwk;
}

async function createProvider(issuer: string, options: DevOidcStartOptions): Promise<Provider> {
  const accounts = new Map(options.accounts.map((a) => [a.sub, a]));
  const claimsOf = (sub: string) => {
    const a = accounts.get(sub);
    return a ? { name: a.name, job_role: a.jobRole, org: a.org } : undefined;
  };
  const portal = options.portalOrigin.replace(/\/$/, '');
  const configuration: Configuration = {
    clients: [
      {
        client_id: DEV_OIDC_CLIENT_ID,
        // A public client (a browser app has no secret): authorization code with PKCE only.
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${portal}/`],
        post_logout_redirect_uris: [`${portal}/`],
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [await signingKey(options.keyDir)] },
    cookies: { keys: [crypto.randomUUID()] },
    findAccount: (_ctx, sub) => {
      const claims = claimsOf(sub);
      return claims ? { accountId: sub, claims: () => ({ sub, ...claims }) } : undefined;
    },
    claims: { openid: ['sub'], profile: ['name'], hub: ['job_role', 'org'] },
    scopes: ['openid', 'offline_access', 'hub'],
    // What a professional's provider puts in the access token for the hub's API.
    extraTokenClaims: (_ctx, token) =>
      token.kind === 'AccessToken' && token.accountId ? claimsOf(token.accountId) : undefined,
    features: {
      devInteractions: { enabled: false },
      // A client may revoke only its own tokens (the portal, at sign-out).
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEV_OIDC_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== DEV_OIDC_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: 'hub',
            audience: DEV_OIDC_RESOURCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: options.accessTokenTtl ?? 300,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    // Refresh tokens belong to the sign-in session (no offline_access): signing out at the
    // provider revokes them.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: options.accessTokenTtl ?? 300,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 8 * 3600,
      Interaction: 3600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    // Browsers call the token and revocation endpoints from the portal's origin.
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        `<h1>Sign-in error</h1><p>${html(String(out.error_description ?? out.error))}</p>`,
      );
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.proxy = false;
  return provider;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${html(title)} – local test sign-in</title>
<style>body{font-family:Arial,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.4}label{display:block;font-weight:bold;margin:1rem 0 .25rem}select,button{font-size:1rem;padding:.4rem}button{margin-top:1rem;background:#00703c;color:#fff;border:0;padding:.5rem 1rem}button.secondary{background:#505a5f}.warning{border-left:5px solid #d4351c;padding-left:1rem}</style></head>
<body><main>${body}</main></body></html>`;
}

async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out',
    `<h1>Sign out of the local test sign-in?</h1>${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign out</button> <button type="submit" class="secondary" form="op.logoutForm">No, stay signed in</button>`,
  );
}

async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<h1>You have signed out</h1>');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

/**
 * The provider's own sign-in page (the part a real provider does with passwords, smart
 * cards or GOV.UK One Login's checks): here, pick a synthetic account. Consent is given
 * automatically: the portal is this provider's first-party client.
 */
async function interaction(
  provider: Provider,
  accounts: readonly DevOidcAccount[],
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, uid } = details;
  if (prompt.name === 'login') {
    if (req.method === 'POST' && url.pathname === `/interaction/${uid}/login`) {
      const form = await readForm(req);
      const sub = form.get('account') ?? '';
      if (!accounts.some((a) => a.sub === sub)) {
        res.statusCode = 400;
        res.setHeader('content-type', 'text/html');
        res.end(
          page('Sign in', `<h1>Choose an account</h1><p><a href="/interaction/${uid}">Go back</a></p>`),
        );
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: sub } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const options = accounts
      .map(
        (a) =>
          `<option value="${html(a.sub)}">${html(a.name)} – ${html(a.jobRole)} (${html(a.sub)})</option>`,
      )
      .join('');
    res.setHeader('content-type', 'text/html');
    res.end(
      page(
        'Sign in',
        `<h1>Local test sign-in</h1><p class="warning">This OpenID Connect provider runs on your machine for development. It has only made-up accounts and checks no password.</p>
<form method="post" action="/interaction/${uid}/login"><label for="account">Account</label><select id="account" name="account" required><option value="">Choose an account</option>${options}</select><br><button type="submit">Continue</button></form>`,
      ),
    );
    return;
  }
  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({
          accountId: details.session?.accountId ?? '',
          clientId: String(params.client_id),
        });
    if (!grant) throw new Error('grant not found');
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.statusCode = 400;
  res.end(`Unknown sign-in step ${prompt.name}`);
}
