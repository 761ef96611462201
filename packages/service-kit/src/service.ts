import {
  createSystemTokenVerifier,
  type SystemTokenVerifier,
  type UserTokenVerifierOptions,
} from '@hub/auth';
import type { SubgraphConfig } from '@hub/config';
import { type DbHandle, loadMigrations, type Migration, migrate } from '@hub/db';
import type { FastifyInstance } from 'fastify';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import type { DestinationStream } from 'pino';
import { buildSubgraph, type SubgraphOptions } from './subgraph.ts';

export type AppConfig = Pick<SubgraphConfig, 'INTERNAL_CONTEXT_SECRET' | 'LOG_LEVEL'> &
  Partial<
    Pick<
      SubgraphConfig,
      'RECORD_BASE_URL' | 'AUDIT_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWKS_URL' | 'JWKS_FILE'
    >
  > & {
    /** Inline JWKS (tests) for agency systems' tokens. */
    jwks?: UserTokenVerifierOptions['jwks'];
    /** From @hub/telemetry's loadTelemetryConfig: bearer token GET /metrics requires, when set. */
    METRICS_TOKEN?: string | undefined;
  };

export interface SubgraphServiceSpec {
  /** Service name; also its SDL file `schema/<name>.graphql` and its PGlite data folder. */
  name: string;
  /** The one Postgres schema this bounded context owns. */
  pgSchema: string;
  /**
   * The database role the service runs as (created and granted by its migrations; see
   * `DB_ROLES` in @hub/db). Default `hub_<pgSchema>`.
   */
  dbRole?: string;
  /** Folder of `NNNN_name.sql` migrations. */
  migrationsDir: string;
  resolvers: IResolvers;
  loaders?: MercuriusLoaders;
  /** Where the access door reads facts, when the service owns them (the record): see buildSubgraph. */
  accessFacts?: SubgraphOptions['accessFacts'];
  /** Seeds the synthetic data set when the context's tables are empty; returns rows written. */
  seedIfEmpty(db: DbHandle): Promise<number>;
  /**
   * Seeds only what no agency file carries (SEED=synthetic-local; the adapters ingest the rest).
   * Default: `seedIfEmpty` (a context no adapter feeds seeds everything either way).
   */
  seedLocalIfEmpty?(db: DbHandle): Promise<number>;
  /** Extra routes or plugins beyond /graphql and /health. */
  extend?(app: FastifyInstance, deps: { db: DbHandle; config: AppConfig }): void;
}

export interface SubgraphService {
  name: string;
  pgSchema: string;
  /** The least-privilege role the service's connections assume on PostgreSQL. */
  dbRole: string;
  migrations: Migration[];
  prepareDatabase(db: DbHandle): Promise<string[]>;
  buildApp(config: AppConfig, deps: { db: DbHandle; logStream?: DestinationStream }): FastifyInstance;
  seedIfEmpty(db: DbHandle): Promise<number>;
  seedLocalIfEmpty(db: DbHandle): Promise<number>;
}

/** Everything a subgraph service is, from one declaration: used by server.ts and tests alike. */
export function defineSubgraphService(spec: SubgraphServiceSpec): SubgraphService {
  const migrations = loadMigrations(spec.migrationsDir);
  return {
    name: spec.name,
    pgSchema: spec.pgSchema,
    dbRole: spec.dbRole ?? `hub_${spec.pgSchema}`,
    migrations,
    prepareDatabase: (db) => migrate(db, spec.pgSchema, migrations),
    seedIfEmpty: spec.seedIfEmpty,
    seedLocalIfEmpty: spec.seedLocalIfEmpty ?? spec.seedIfEmpty,
    buildApp(config, deps) {
      const app = buildSubgraph({
        name: spec.name,
        db: deps.db,
        internalContextSecret: config.INTERNAL_CONTEXT_SECRET,
        logLevel: config.LOG_LEVEL,
        resolvers: spec.resolvers,
        recordBaseUrl: config.RECORD_BASE_URL,
        logStream: deps.logStream,
        metricsToken: config.METRICS_TOKEN,
        systemTokens: systemTokensFor(config),
        ...(spec.loaders ? { loaders: spec.loaders } : {}),
        ...(spec.accessFacts ? { accessFacts: spec.accessFacts } : {}),
      });
      spec.extend?.(app, { db: deps.db, config });
      return app;
    },
  };
}

/** Agency systems' token verifier when the identity provider is configured (JWKS and issuer). */
function systemTokensFor(config: AppConfig): SystemTokenVerifier | undefined {
  if (!config.JWT_ISSUER || !config.JWT_AUDIENCE) return undefined;
  if (!config.jwks && !config.JWKS_FILE && !config.JWKS_URL) return undefined;
  return createSystemTokenVerifier({
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    jwks: config.jwks,
    jwksFile: config.JWKS_FILE,
    jwksUrl: config.JWKS_URL,
  });
}
