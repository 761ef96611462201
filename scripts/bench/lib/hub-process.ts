// One hub process for the record benchmark (scripts/bench/record-load.ts), started with
// `child_process.fork` so that its CPU time is its own and it answers the benchmark over IPC.
//
// BENCH_ROLE picks what it runs: a subgraph (record, education, health, social-care, audit)
// built exactly as its server.ts builds it (same config parsing, migrations and synthetic
// seed), the gateway, or the "floor" (a Fastify hello-world and a postgres.js primary-key
// select, the two baselines). On top of what production runs it only counts, for the
// benchmark: HTTP requests received (hops) and SQL statements sent (postgres.js `debug` hook
// on the service's own client, read at query time), and reports process.cpuUsage().
// The `bare-*` roles are the federation floor: the same GraphQL federation (the hub's own
// subgraph schemas, @mercuriusjs/gateway and @mercuriusjs/federation as the hub configures them,
// graphql-jit, an undici pool per subgraph) answering the same queries with the same answers,
// served from memory: no authentication, access decisions, audit, database or telemetry.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadGatewayConfig, loadSubgraphConfig } from '@hub/config';
import { type DbHandle, openDatabase } from '@hub/db';
import { SECTIONS } from '@hub/policy';
import type { SubgraphService } from '@hub/service-kit';
import { mercuriusFederationPlugin } from '@mercuriusjs/federation';
import mercuriusGateway from '@mercuriusjs/gateway';
import Fastify, { type FastifyInstance } from 'fastify';
import postgres from 'postgres';
import { Pool } from 'undici';

export interface ProcessStats {
  role: string;
  pid: number;
  /** Microseconds of CPU (user + system) since the process started. */
  cpuMicros: number;
  /** HTTP requests this process has received. */
  requests: number;
  /** SQL statements this process has sent to PostgreSQL. */
  statements: number;
}

export type ToBench = { type: 'ready'; port: number } | { type: 'stats'; stats: ProcessStats };

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const role = process.env.BENCH_ROLE ?? '';
const POOL = Number(process.env.BENCH_DB_POOL ?? 5);
let requests = 0;
let statements = 0;

/** Counts every statement the service's postgres.js client sends (connection.js calls options.debug per query). */
function countStatements(db: DbHandle): void {
  const client = (db.db as unknown as { $client?: { options?: Record<string, unknown> } }).$client;
  if (!client?.options) throw new Error('expected a postgres.js client behind drizzle (set DATABASE_URL)');
  client.options.debug = () => {
    statements++;
  };
}

async function subgraph(name: string): Promise<FastifyInstance> {
  const { service } = (await import(resolve(root, `services/${name}/src/app.ts`))) as {
    service: SubgraphService;
  };
  const config = loadSubgraphConfig(process.env);
  // A smaller pool than production's 10: six processes share one server with other work, and
  // 2 cores never keep more than a few statements running at once.
  const db = await openDatabase({ url: config.DATABASE_URL, maxConnections: POOL });
  await service.prepareDatabase(db);
  if (config.SEED === 'synthetic') await service.seedIfEmpty(db);
  countStatements(db);
  const app = service.buildApp(config, { db });
  app.addHook('onClose', () => db.close());
  return app;
}

async function gateway(): Promise<FastifyInstance> {
  const { buildApp } = await import(resolve(root, 'services/gateway/src/app.ts'));
  const { createGatewayVerifier } = (await import(
    resolve(root, 'services/gateway/src/verifier.ts')
  )) as typeof import('../../../services/gateway/src/verifier.ts');
  const config = loadGatewayConfig(process.env);
  return (buildApp as typeof import('../../../services/gateway/src/app.ts').buildApp)(config, {
    verifier: createGatewayVerifier(config).verifier,
    services: {
      record: config.RECORD_URL,
      education: config.EDUCATION_URL,
      health: config.HEALTH_URL,
      'social-care': config.SOCIAL_CARE_URL,
    },
    audit: config.AUDIT_URL,
  });
}

/** The floors: what one HTTP request and one primary-key SELECT cost on this machine, nothing else. */
function floor(): FastifyInstance {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const sql = postgres(url, {
    max: POOL,
    onnotice: () => {},
    debug: () => {
      statements++;
    },
  });
  const app = Fastify({ logger: false });
  app.get('/hello', async () => ({ hello: 'world' }));
  app.get<{ Querystring: { id: string } }>('/pk', async (request) => {
    const [row] = await sql`select id, given_name from record.child where id = ${request.query.id}`;
    return row ?? null;
  });
  app.addHook('onClose', () => sql.end({ timeout: 5 }));
  return app;
}

/** What the federation floor serves (written by record-load.ts from the hub's own answers). */
export interface BareData {
  /** Each child's record part (identity fields and the access grant) and sections, by id. */
  children: Record<string, Record<string, unknown>>;
  /** The fifty-children search's answer, in order. */
  page: string[];
}

/** A subgraph of the federation floor: the hub's schema, answers from memory. */
function bareSubgraph(name: string): FastifyInstance {
  const data = JSON.parse(readFileSync(process.env.BENCH_BARE_DATA ?? '', 'utf8')) as BareData;
  const part = (id: string, keys: readonly string[]) => {
    const child = data.children[id];
    return child ? Object.fromEntries(keys.map((k) => [k, child[k]])) : null;
  };
  const identity = ['id', 'givenName', 'familyName', 'dateOfBirth', 'nhsNumber', 'upn', 'accessGrant'];
  const section = Object.values(SECTIONS).find((s) => s.service === name)?.field;
  const resolvers =
    name === 'record'
      ? {
          Query: {
            child: (_: unknown, args: { id: string }) => part(args.id, identity),
            children: () => data.page.map((id) => part(id, identity)),
          },
        }
      : { Child: { [section!]: (parent: { id: string }) => data.children[parent.id]?.[section!] ?? null } };
  const app = Fastify({ logger: false });
  app.register(mercuriusFederationPlugin, {
    schema: readFileSync(resolve(root, `schema/${name}.graphql`), 'utf8'),
    resolvers: resolvers as never,
    graphiql: false,
    jit: 1,
  });
  return app;
}

/** The gateway of the federation floor: the hub gateway's mercurius options, nothing else. */
function bareGateway(): FastifyInstance {
  const urls = JSON.parse(process.env.BENCH_BARE_SERVICES ?? '{}') as Record<string, string>;
  const app = Fastify({ logger: false });
  const plugin = ((mercuriusGateway as unknown as { default?: unknown }).default ??
    mercuriusGateway) as never;
  app.register(plugin, {
    gateway: {
      services: Object.entries(urls).map(([name, url]) => ({
        name,
        url,
        mandatory: name === 'record',
        // As the hub's access tap builds each subgraph's pool (services/gateway/src/access-tap.ts).
        agent: new Pool(new URL(url).origin, {
          connections: 10,
          bodyTimeout: 30_000,
          headersTimeout: 30_000,
          keepAliveMaxTimeout: 5_000,
        }),
      })),
    },
    graphiql: false,
    jit: 1,
  });
  // The hub gateway's work-around for the library's plan-cache key, so that the floor is the library's
  // cost and not that of a known waste: mercurius-gateway keys each sub-query's plan by
  // `__currentQuery` (the whole query text by default) joined with the field's path, so on a page
  // every child's every section built and hashed a string as long as the query (tiny-lru's get:
  // 7.4% of this gateway's CPU on fifty children). The hub names each parsed document instead
  // (services/gateway/src/field-guard.ts planKey); so does the floor.
  const names = new WeakMap<object, string>();
  let documents = 0;
  app.after(() => {
    const graphql = (
      app as unknown as { graphql: { addHook: (name: 'preExecution', hook: unknown) => void } }
    ).graphql;
    graphql.addHook(
      'preExecution',
      async (_schema: unknown, document: object, context: { __currentQuery?: string }) => {
        let name = names.get(document);
        if (!name) {
          name = `document#${++documents}`;
          names.set(document, name);
        }
        context.__currentQuery = name;
      },
    );
  });
  return app;
}

const SUBGRAPHS = new Set(['record', 'education', 'health', 'social-care', 'audit']);
const app = SUBGRAPHS.has(role)
  ? await subgraph(role)
  : role === 'gateway'
    ? await gateway()
    : role === 'floor'
      ? floor()
      : role === 'bare-gateway'
        ? bareGateway()
        : role.startsWith('bare-') && SUBGRAPHS.has(role.slice(5))
          ? bareSubgraph(role.slice(5))
          : null;
if (!app) throw new Error(`unknown BENCH_ROLE ${role}`);

await app.listen({ host: '127.0.0.1', port: 0 });
// After listen: every request reaching the HTTP server counts, whatever route or hook answers it.
app.server.on('request', () => {
  requests++;
});
const address = app.server.address();
const send = (message: ToBench) => process.send?.(message);
send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stats') {
    const cpu = process.cpuUsage();
    send({
      type: 'stats',
      stats: { role, pid: process.pid, cpuMicros: cpu.user + cpu.system, requests, statements },
    });
  } else if (message?.type === 'stop') {
    void app.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => void app.close().then(() => process.exit(0)));
