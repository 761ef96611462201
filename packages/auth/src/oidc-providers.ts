import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isRole, type Principal, ROLE_ORG_TYPE, ROLES, type Role } from '@hub/policy';
import type { JWTPayload } from 'jose';
import { z } from 'zod';
import { AuthError } from './errors.ts';

/**
 * Which OpenID Connect providers the hub trusts, and how each provider's claims become a hub
 * role and organisation. This is CONFIGURATION (a JSON file, `OIDC_PROVIDERS_FILE`, or the
 * same JSON inline in `OIDC_PROVIDERS`), not code: connecting a council's Entra ID tenant or
 * NHS CIS2 means adding an entry, never changing the hub. See docs/sign-in.md.
 *
 * Deny by default: a token is refused unless its subject is in the provider's link table, or
 * its role claim maps to exactly one hub role AND its organisation claim maps to exactly one
 * hub organisation. A value the table does not list is refused, never guessed.
 */

const roleSchema = z.enum(ROLES as unknown as [Role, ...Role[]]);

/** A claim to read, by name or dotted path (`realm_access.roles`); arrays are read value by value. */
const claimPath = z.string().regex(/^[A-Za-z0-9_:$-]+(\.[A-Za-z0-9_:$-]+)*$/, 'a claim name or dotted path');

const subjectLinkSchema = z.strictObject({
  /** The hub's own id for this person (a family member's id); default: the provider's subject. */
  sub: z.string().min(1).optional(),
  role: roleSchema,
  orgId: z.string().min(1),
  name: z.string().min(1).optional(),
});
export type SubjectLink = z.infer<typeof subjectLinkSchema>;

const providerSchema = z
  .strictObject({
    /** Short id: names the provider in the portal's storage, logs and the hub's subject prefix. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lower-case letters, digits and dashes'),
    /** What the sign-in button says: "Sign in with <name>". */
    name: z.string().min(1),
    /** Exactly the `issuer` of the provider's discovery document and of its tokens. */
    issuer: z.string().url(),
    /** The portal's client id at this provider (a public client: authorization code + PKCE). */
    clientId: z.string().min(1),
    /** Scopes the portal asks for. */
    scopes: z.array(z.string().min(1)).min(1).default(['openid', 'profile']),
    /** RFC 8707 resource indicator sent with the authorization and token requests, if the provider needs one. */
    resource: z.string().min(1).optional(),
    /**
     * Which token the portal sends to the gateway: the access token (its `aud` must be
     * `audience`), or the ID token for providers whose access tokens are only for their own
     * userinfo endpoint (then `audience` is the client id). See docs/sign-in.md.
     */
    bearer: z.enum(['access_token', 'id_token']).default('access_token'),
    /** The `aud` the gateway requires in the bearer token. */
    audience: z.string().min(1),
    /** Signature algorithms accepted (never `none`, never HMAC). */
    algorithms: z
      .array(z.enum(['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA']))
      .min(1)
      .default(['ES256', 'RS256', 'PS256']),
    /** The provider's key set; default: `jwks_uri` from its discovery document. */
    jwksUri: z.string().url().optional(),
    /** The claim with the person's display name. */
    nameClaim: claimPath.default('name'),
    /**
     * The hub's subject for people mapped by claims: `<prefix><claim value>`. The prefix
     * (default `<id>:`) keeps two providers' subjects apart.
     */
    subject: z
      .strictObject({ claim: claimPath.default('sub'), prefix: z.string().optional() })
      .default({ claim: 'sub' }),
    /** Provider value → hub role, from the claim named. Values not listed map to nothing. */
    role: z.strictObject({ claim: claimPath, map: z.record(z.string(), roleSchema) }).optional(),
    /** Provider value → hub organisation id; or one fixed organisation for the whole provider. */
    organisation: z
      .union([
        z.strictObject({ claim: claimPath, map: z.record(z.string(), z.string().min(1)) }),
        z.strictObject({ value: z.string().min(1) }),
      ])
      .optional(),
    /** Subject link table: the provider's `sub` → a hub person (families from GOV.UK One Login). */
    subjects: z.record(z.string(), subjectLinkSchema).optional(),
    /** The same table in its own JSON file (path relative to the providers file). */
    subjectsFile: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    const url = new URL(value.issuer);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: 'must be https (http only on this machine)',
      });
    }
    if (!value.role !== !value.organisation) {
      ctx.addIssue({
        code: 'custom',
        path: [value.role ? 'organisation' : 'role'],
        message: 'role and organisation are mapped together (or neither, with a subject link table only)',
      });
    }
    if (!value.role && !value.subjects && !value.subjectsFile) {
      ctx.addIssue({
        code: 'custom',
        path: ['role'],
        message: 'map a role and organisation, or give a subject link table: otherwise nobody can sign in',
      });
    }
  });

export type OidcProviderConfig = z.infer<typeof providerSchema>;
export type OidcProviderInput = z.input<typeof providerSchema>;

const providersSchema = z
  .array(providerSchema)
  .min(1)
  .superRefine((providers, ctx) => {
    const seen = new Set<string>();
    for (const [i, p] of providers.entries()) {
      for (const key of [`id:${p.id}`, `issuer:${p.issuer}`]) {
        if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${key}` });
        seen.add(key);
      }
    }
  });

/** What the portal needs to start a sign-in: nothing secret (public clients have no secret). */
export interface PublicOidcProvider {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  scopes: string[];
  resource?: string;
  bearer: 'access_token' | 'id_token';
}

export function publicProviderInfo(p: OidcProviderConfig): PublicOidcProvider {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer,
    clientId: p.clientId,
    scopes: p.scopes,
    ...(p.resource ? { resource: p.resource } : {}),
    bearer: p.bearer,
  };
}

/**
 * Parses and checks the providers' configuration, listing every problem at once. A
 * `subjectsFile` is read here (relative to `baseDir`), so a missing file stops start-up.
 */
export function parseOidcProviders(input: unknown, baseDir = process.cwd()): OidcProviderConfig[] {
  const result = providersSchema.safeParse(input);
  if (!result.success) {
    throw new Error(
      `OIDC providers configuration is not valid:\n${result.error.issues
        .map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('\n')}`,
    );
  }
  return result.data.map((p) => {
    if (!p.subjectsFile) return p;
    const file = isAbsolute(p.subjectsFile) ? p.subjectsFile : resolve(baseDir, p.subjectsFile);
    const links = z.record(z.string(), subjectLinkSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
    return { ...p, subjects: { ...links, ...p.subjects } };
  });
}

/** `OIDC_PROVIDERS_FILE` (a JSON file) or `OIDC_PROVIDERS` (the JSON itself); none: []. */
export function loadOidcProviders(env: { OIDC_PROVIDERS_FILE?: string; OIDC_PROVIDERS?: string }) {
  if (env.OIDC_PROVIDERS_FILE && env.OIDC_PROVIDERS) {
    throw new Error('Set OIDC_PROVIDERS_FILE or OIDC_PROVIDERS, not both.');
  }
  if (env.OIDC_PROVIDERS_FILE) {
    const file = resolve(env.OIDC_PROVIDERS_FILE);
    return parseOidcProviders(JSON.parse(readFileSync(file, 'utf8')), resolve(file, '..'));
  }
  if (env.OIDC_PROVIDERS) return parseOidcProviders(JSON.parse(env.OIDC_PROVIDERS));
  return [];
}

/** Every string value at a dotted path; arrays (at any step) are read element by element. */
export function claimValues(payload: JWTPayload, path: string): string[] {
  let current: unknown[] = [payload];
  for (const step of path.split('.')) {
    current = current
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .map((v) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[step] : undefined))
      .filter((v) => v !== undefined);
  }
  return current
    .flatMap((v) => (Array.isArray(v) ? v : [v]))
    .filter((v): v is string => typeof v === 'string');
}

/** Looks a value up in a table without reaching Object.prototype (`constructor`, `__proto__`). */
function lookup<T>(table: Record<string, T> | undefined, key: string): T | undefined {
  return table && Object.hasOwn(table, key) ? table[key] : undefined;
}

/**
 * The hub principal for a verified token from `provider`, or AuthError. Messages name the
 * provider and the claim, never the claim's value (it may be personal).
 */
export function mapClaims(provider: OidcProviderConfig, payload: JWTPayload): Principal {
  const providerSub = payload.sub;
  if (typeof providerSub !== 'string' || providerSub === '')
    throw new AuthError('Token has no subject (sub).');
  const nameValue = claimValues(payload, provider.nameClaim)[0];
  const name = nameValue ? { name: nameValue } : {};

  const link = lookup(provider.subjects, providerSub);
  if (link) {
    return {
      sub: link.sub ?? providerSub,
      role: link.role,
      orgId: link.orgId,
      orgType: ROLE_ORG_TYPE[link.role],
      ...(link.name ? { name: link.name } : name),
    };
  }
  if (!provider.role || !provider.organisation) {
    throw new AuthError(`Your account at ${provider.name} is not linked to this service.`);
  }
  const roles = new Set(
    claimValues(payload, provider.role.claim)
      .map((v) => lookup(provider.role?.map, v))
      .filter(isRole),
  );
  if (roles.size === 0) {
    throw new AuthError(
      `Your role at ${provider.name} (claim "${provider.role.claim}") does not give access to this service.`,
    );
  }
  if (roles.size > 1) {
    throw new AuthError(
      `Your account at ${provider.name} has more than one role for this service (claim "${provider.role.claim}"): choose one role there.`,
    );
  }
  const organisation = provider.organisation;
  const orgs =
    'value' in organisation
      ? new Set([organisation.value])
      : new Set(
          claimValues(payload, organisation.claim)
            .map((v) => lookup(organisation.map, v))
            .filter((v): v is string => typeof v === 'string'),
        );
  if (orgs.size !== 1) {
    const claim = 'claim' in organisation ? organisation.claim : '';
    throw new AuthError(
      orgs.size === 0
        ? `Your organisation at ${provider.name} (claim "${claim}") is not set up for this service.`
        : `Your account at ${provider.name} names more than one organisation for this service (claim "${claim}").`,
    );
  }
  const [role] = roles as Set<Role>;
  const [orgId] = orgs as Set<string>;
  const subjectValue = claimValues(payload, provider.subject.claim)[0];
  if (!subjectValue) throw new AuthError(`Token has no "${provider.subject.claim}" claim.`);
  return {
    sub: `${provider.subject.prefix ?? `${provider.id}:`}${subjectValue}`,
    role: role as Role,
    orgId: orgId as string,
    orgType: ROLE_ORG_TYPE[role as Role],
    ...name,
  };
}
