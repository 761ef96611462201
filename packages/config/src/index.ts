import { z } from 'zod';

/**
 * Configuration is parsed once, in each service's `server.ts`, from the environment.
 * `loadConfig` is pure: it takes the env object and returns a typed config or throws a
 * ConfigError listing every problem at once (a newcomer fixes them in one go).
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

const common = {
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel,
  /**
   * Secret shared by the gateway and the subgraphs to sign/verify the internal context
   * (HS256). At least 32 characters. The dev runner generates one per data folder.
   */
  INTERNAL_CONTEXT_SECRET: z.string().min(32, 'must be at least 32 characters'),
};

const subgraphSchema = z.object({
  ...common,
  PORT: port,
  /**
   * postgres:// URL the service runs on. When absent the service uses embedded PGlite persisted
   * in DATA_DIR. Production: the service's own LOGIN user (e.g. `record_app`, a member of
   * `hub_record` only), never the owner or a superuser.
   */
  DATABASE_URL: z.string().url().optional(),
  /**
   * postgres:// URL of the schema owner, used only at startup to apply migrations (and the
   * synthetic seed), then closed. Defaults to DATABASE_URL (development: one user for all).
   */
  DATABASE_MIGRATION_URL: z.string().url().optional(),
  /**
   * The role the service assumes on every connection (PostgreSQL only). Default: its bounded
   * context's role (hub_record, hub_education, hub_health, hub_social_care, hub_audit_writer);
   * `none` runs with the login user's own privileges.
   */
  DATABASE_ROLE: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'must be a role name (lower case, digits, _) or none')
    .optional(),
  /**
   * `on-start` (default): the service applies its pending migrations (and SEED) at start-up as
   * DATABASE_MIGRATION_URL's user. `skip`: it does neither and only serves — for deployments
   * where a separate job (`node dist/migrate.mjs`, infra/k8s) migrates with the owner's
   * credentials, so the long-running pods never hold them.
   */
  DATABASE_MIGRATIONS: z.enum(['on-start', 'skip']).default('on-start'),
  DATA_DIR: z.string().default('.data'),
  /**
   * `synthetic` seeds the deterministic synthetic data set when the service's tables are empty.
   * `synthetic-local` seeds only what no agency file carries (the hub's own entries: councils,
   * schools, SENCO notes, provision, workers, short breaks, statuses outside the CIN census); the
   * rest comes in through the adapters (`pnpm start` ingests the synthetic CTF/CIN/FHIR files).
   */
  SEED: z.enum(['none', 'synthetic', 'synthetic-local']).default('none'),
  /** The core record service (adapters ask it for consent and relationship facts). */
  RECORD_BASE_URL: z.string().url().optional(),
  /**
   * Adapters that take records from agency systems (POST /fhir, /ctf, /cin) verify those
   * systems' client-credentials tokens against the same identity provider as user tokens, and
   * write one audit event per ingest to the audit service. Without these the ingest routes refuse.
   */
  AUDIT_URL: z.string().url().optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWKS_URL: z.string().url().optional(),
  JWKS_FILE: z.string().min(1).optional(),
});
export type SubgraphConfig = z.infer<typeof subgraphSchema>;

const serviceUrl = z.string().url();
const positiveInt = z.coerce.number().int().positive();
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * The gateway's protections against expensive or abusive requests (SECURITY.md "Query limits").
 * Every real query of the portal stays far below them (it needs ≈250 tokens, depth 5, 3 aliases).
 */
const gatewayLimitsShape = {
  /** Lexical tokens in one GraphQL document; parsing stops at the first token over the limit. */
  GATEWAY_MAX_TOKENS: positiveInt.default(2000),
  /** Nesting depth of selections (fragments followed). */
  GATEWAY_MAX_DEPTH: positiveInt.default(10),
  /** Aliased fields in one operation. */
  GATEWAY_MAX_ALIASES: positiveInt.default(30),
  /** Directives in one operation. */
  GATEWAY_MAX_DIRECTIVES: positiveInt.default(20),
  /** The same field (response name) in one selection set: graphql's merge check is quadratic in it. */
  GATEWAY_MAX_REPEATED_FIELDS: positiveInt.default(10),
  /**
   * graphql-armor cost: 1 per scalar, 2 per object, ×1.5 per nesting level, ×`first`. The
   * benchmark's 50 full records (`children(first: 50)` with every section) cost ≈4,800.
   */
  GATEWAY_MAX_COST: positiveInt.default(20_000),
  /** Request body size in bytes (every HTTP route of the gateway). */
  GATEWAY_BODY_LIMIT_BYTES: positiveInt.default(256 * 1024),
  /** Time budget of one GraphQL request, subgraph calls included, in milliseconds. */
  GATEWAY_REQUEST_TIMEOUT_MS: positiveInt.default(15_000),
  /** GraphQL requests per principal (per IP when anonymous) per rate-limit window. */
  GATEWAY_RATE_LIMIT_MAX: positiveInt.default(600),
  GATEWAY_RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000),
  /** Shed load (503 + Retry-After) above this mean event-loop delay, in milliseconds. */
  GATEWAY_MAX_EVENT_LOOP_DELAY_MS: positiveInt.default(1000),
  /** Shed load above this heap use, in MiB (0: 90% of the V8 heap limit). */
  GATEWAY_MAX_HEAP_USED_MB: z.coerce.number().int().min(0).default(0),
  /** Schema introspection (`__schema`, `__type`) and "did you mean" hints: off unless set. */
  GATEWAY_INTROSPECTION: flag.default(false),
};
const gatewayLimitsSchema = z.object(gatewayLimitsShape);
export type GatewayLimits = z.infer<typeof gatewayLimitsSchema>;
/** The defaults, for callers (tests) that build the gateway without an environment. */
export const GATEWAY_LIMIT_DEFAULTS: GatewayLimits = gatewayLimitsSchema.parse({});

const gatewaySchema = z
  .object({
    ...common,
    ...gatewayLimitsShape,
    PORT: port,
    RECORD_URL: serviceUrl,
    EDUCATION_URL: serviceUrl,
    HEALTH_URL: serviceUrl,
    SOCIAL_CARE_URL: serviceUrl,
    /** Base URL of the audit service (its /graphql is composed; events are written to /internal/audit-events). */
    AUDIT_URL: serviceUrl,
    /**
     * Accepted issuer and audience of end-user JWTs from ONE identity provider with a fixed
     * claim shape (role, org_id, org_type): the demo identity provider. Optional when
     * OIDC_PROVIDERS(_FILE) configures real OpenID Connect providers.
     */
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    /**
     * OpenID Connect providers and their claim mapping (docs/sign-in.md): a JSON file, or the
     * same JSON inline. Parsed and checked by @hub/auth's loadOidcProviders at start.
     */
    OIDC_PROVIDERS_FILE: z.string().min(1).optional(),
    OIDC_PROVIDERS: z.string().min(1).optional(),
    /**
     * Longest accepted end-user token lifetime (exp - iat) in seconds; tokens without exp are
     * always refused. 1 hour suits most OIDC providers; Entra ID issues 60-90 minutes (5400).
     */
    JWT_MAX_LIFETIME_SECONDS: z.coerce.number().int().positive().default(3600),
    /** Accepted clock difference with the identity provider, in seconds (exp, nbf, iat). */
    JWT_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(60),
    /** A real identity provider's JWKS URL... */
    JWKS_URL: z.string().url().optional(),
    /** ...or, for the demo identity provider, a local JWKS file written by the dev issuer. */
    JWKS_FILE: z.string().optional(),
    DATABASE_URL: z.string().url().optional(),
    DATA_DIR: z.string().default('.data'),
    /** DEMO identity provider key folder: when set, the gateway offers the portal's demo sign-in. Never in production. */
    DEMO_IDP_DIR: z.string().optional(),
    /** Folder of the built web portal (services/portal/dist), served from `/` when set. */
    PORTAL_DIR: z.string().optional(),
  })
  .superRefine((value, ctx) => {
    const oidc = value.OIDC_PROVIDERS_FILE !== undefined || value.OIDC_PROVIDERS !== undefined;
    if (value.OIDC_PROVIDERS_FILE !== undefined && value.OIDC_PROVIDERS !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['OIDC_PROVIDERS'],
        message: 'set OIDC_PROVIDERS_FILE or OIDC_PROVIDERS, not both',
      });
    }
    const single = value.JWT_ISSUER !== undefined || value.JWT_AUDIENCE !== undefined;
    if (!oidc || single) {
      for (const key of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
        if (value[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: oidc ? 'required with JWT_ISSUER/JWT_AUDIENCE' : 'required (or set OIDC_PROVIDERS_FILE)',
          });
        }
      }
      if (!value.JWKS_URL === !value.JWKS_FILE) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWKS_URL'],
          message: 'set exactly one of JWKS_URL or JWKS_FILE',
        });
      }
    }
  });
export type GatewayConfig = z.infer<typeof gatewaySchema>;

function parse<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>): T {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
  );
}

export function loadSubgraphConfig(env: Record<string, string | undefined>): SubgraphConfig {
  return parse(subgraphSchema, env);
}

export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  return parse(gatewaySchema, env);
}

/**
 * The audit service's signed checkpoints (SECURITY.md "Audit chain"): an Ed25519 private key the
 * database never holds, and an append-only NDJSON file outside the database where the service
 * publishes signed heads of the chain. Both or neither; required when NODE_ENV=production.
 */
const auditCheckpointShape = {
  /** PKCS#8 PEM Ed25519 private key file (a mounted secret, mode 600). */
  AUDIT_CHECKPOINT_KEY_FILE: z.string().min(1).optional(),
  /** NDJSON file the signed checkpoints are appended to (ship it on to write-once storage). */
  AUDIT_CHECKPOINTS_FILE: z.string().min(1).optional(),
  /** Publish after a committed batch once this many events are not yet covered... */
  AUDIT_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().positive().default(1000),
  /** ...or once this many seconds have passed since the last checkpoint. */
  AUDIT_CHECKPOINT_EVERY_SECONDS: z.coerce.number().positive().default(10),
  NODE_ENV: z.string().optional(),
};
const auditSchema = subgraphSchema.extend(auditCheckpointShape).superRefine((value, ctx) => {
  if (!value.AUDIT_CHECKPOINT_KEY_FILE !== !value.AUDIT_CHECKPOINTS_FILE) {
    ctx.addIssue({
      code: 'custom',
      path: [value.AUDIT_CHECKPOINT_KEY_FILE ? 'AUDIT_CHECKPOINTS_FILE' : 'AUDIT_CHECKPOINT_KEY_FILE'],
      message: 'set both AUDIT_CHECKPOINT_KEY_FILE and AUDIT_CHECKPOINTS_FILE (or neither)',
    });
  } else if (!value.AUDIT_CHECKPOINT_KEY_FILE && value.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['AUDIT_CHECKPOINT_KEY_FILE'],
      message:
        'required in production (with AUDIT_CHECKPOINTS_FILE): without signed checkpoints a database superuser can rewrite the audit chain undetected',
    });
  }
});
export type AuditServiceConfig = z.infer<typeof auditSchema>;

export function loadAuditServiceConfig(env: Record<string, string | undefined>): AuditServiceConfig {
  return parse(auditSchema, env);
}
