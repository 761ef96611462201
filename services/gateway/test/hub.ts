import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_COLUMNS, type EventRow, rowToEvent, type StoredAuditEvent } from '@hub/audit';
import { service as auditService } from '@hub/audit-service';
import {
  createOidcTokenVerifier,
  createUserTokenVerifier,
  DEV_AUDIENCE,
  DEV_ISSUER,
  loadOrCreateDevIssuer,
  type OidcProviderInput,
  parseOidcProviders,
  publicProviderInfo,
  verifierByIssuer,
} from '@hub/auth';
import type { GatewayLimits } from '@hub/config';
import type { DbHandle } from '@hub/db';
import { service as education, seedEducation, seedEducationLocal } from '@hub/education';
import { service as health, seedHealth } from '@hub/health';
import { buildFhirBundles } from '@hub/health/fhir-synthetic';
import { isOverCompulsorySchoolAge, type Principal } from '@hub/policy';
import { service as record, seedRecord } from '@hub/record';
import { seedSocialCare, seedSocialCareLocal, service as socialCare } from '@hub/social-care';
import {
  buildAgencyFiles,
  buildSyntheticDataset,
  type DemoUser,
  type SyntheticChild,
  type SyntheticDataset,
  TEST_REFERENCE_DATE,
} from '@hub/synthetic';
import { createTestDatabase, type TestDatabase } from '@hub/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp, PURPOSE_HEADER } from '../src/index.ts';
import type { ServiceName } from '../src/sections.ts';

const SERVICES = [
  { name: 'record', service: record, seed: seedRecord, seedLocal: seedRecord },
  { name: 'education', service: education, seed: seedEducation, seedLocal: seedEducationLocal },
  { name: 'health', service: health, seed: seedHealth, seedLocal: async () => 0 },
  { name: 'social-care', service: socialCare, seed: seedSocialCare, seedLocal: seedSocialCareLocal },
] as const;

/** Every migration the hub's database runs: part of a template database's key. */
const MIGRATIONS_HASH = createHash('sha256')
  .update(JSON.stringify([...SERVICES.map((s) => s.service), auditService].map((s) => s.migrations)))
  .digest('hex');

export interface GraphQLResponse<T = Record<string, unknown>> {
  statusCode: number;
  data: T | null;
  errors?: Array<{ message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }>;
}

export interface TestHub {
  database: TestDatabase;
  dataset: SyntheticDataset;
  gateway: FastifyInstance;
  /**
   * `db` is the schema owner's connection (migrations, seed, and tests playing an insider with
   * database rights); `appDb` is the service's own, running as its least-privilege role.
   */
  subgraphs: Record<ServiceName, { app: FastifyInstance; url: string; db: DbHandle; appDb: DbHandle }>;
  /** The audit service (base URL, no /graphql) and its database handles. */
  audit: { app: FastifyInstance; url: string; db: DbHandle; appDb: DbHandle };
  secret: string;
  token(user: DemoUser | Principal): Promise<string>;
  /** A GraphQL request through the gateway, as an end user would send it. */
  query<T = Record<string, unknown>>(
    query: string,
    options?: {
      as?: DemoUser | Principal;
      token?: string;
      variables?: Record<string, unknown>;
      purpose?: string;
      /** Sent as x-request-id, to find the request's audit events (auditEventsOf). */
      requestId?: string;
    },
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/**
 * The whole hub in one process: four subgraphs listening on port 0 over one fresh test
 * database (real PostgreSQL with DATABASE_URL, else PGlite), seeded with the synthetic
 * data set, and the gateway in front (used through `inject`).
 */
export async function startHub(
  // portal: the web portal's e2e tests also want the demo sign-in and the built portal served.
  // limits: the gateway's query limits (defaults from @hub/config); serviceUrl: put something
  // (a slow proxy) between the gateway and a subgraph.
  options: {
    children?: number;
    /**
     * Councils in the data set. The tests written before tenancy pick children and the LA
     * officer `demo-la-1` independently, so their hub keeps one council; tenancy tests ask for two.
     */
    councils?: number;
    /**
     * The data set's "today" (YYYY-MM-DD). Pinned to TEST_REFERENCE_DATE by default so every
     * figure a test checks is reproducible whatever day it runs; `pnpm start` seeds with today.
     */
    referenceDate?: string;
    portal?: { dir: string };
    limits?: Partial<GatewayLimits>;
    /** METRICS_TOKEN for the gateway's GET /metrics (absent: the gateway serves no /metrics). */
    metricsToken?: string;
    serviceUrl?: (name: ServiceName, url: string) => string | Promise<string>;
    /** Put something (a proxy that can refuse) between the adapters and the record's internal routes. */
    adapterRecordUrl?: (recordBaseUrl: string) => string | Promise<string>;
    /** OpenID Connect providers the gateway trusts besides the demo issuer (sign-in tests). */
    oidc?: OidcProviderInput[];
    /**
     * `direct` (default): each service seeds its own rows. `adapters`: as `pnpm start` does, the
     * services seed only what no agency file carries and the data set comes in as the agencies'
     * files (CTF per school, CIN per council, FHIR per health organisation) through the adapters.
     */
    seedVia?: 'direct' | 'adapters';
  } = {},
): Promise<TestHub> {
  const content = {
    referenceDate: options.referenceDate ?? TEST_REFERENCE_DATE,
    children: options.children ?? 60,
    councils: options.councils ?? 1,
    seedVia: options.seedVia ?? 'direct',
  } as const;
  const dataset = buildSyntheticDataset(content);
  // Migrated and seeded once per run and data set (a PostgreSQL template database that this
  // file's database is copied from; see @hub/testkit), or here on PGlite: the same rows either way.
  const database = await createTestDatabase({
    template: {
      key: JSON.stringify({ ...content, migrations: MIGRATIONS_HASH }),
      async fill(owner) {
        for (const { service, seed, seedLocal } of SERVICES) {
          await service.prepareDatabase(owner);
          await (content.seedVia === 'adapters' ? seedLocal : seed)(owner, dataset);
        }
        await auditService.prepareDatabase(owner);
      },
    },
  });
  const secret = randomBytes(32).toString('hex');
  const config = {
    INTERNAL_CONTEXT_SECRET: secret,
    LOG_LEVEL: (process.env.HUB_TEST_LOG ?? 'silent') as 'silent',
  };
  const subgraphs = {} as TestHub['subgraphs'];
  // As in production (service-kit's server runner): the owner migrates and seeds, and each
  // service serves as its own least-privilege role, so every test through the hub also proves
  // the role's grants are enough (on PostgreSQL; PGlite has one user).
  const owner = await database.open({ maxConnections: 3 });
  for (const { name, service } of SERVICES) {
    // Nothing left to apply after the fill; as the server runner does at every start.
    await service.prepareDatabase(owner);
    const db = await database.open({ role: service.dbRole });
    // The record service starts first: the adapters ask it for access facts.
    const direct = subgraphs.record?.url.replace(/\/graphql$/, '');
    const recordBaseUrl =
      direct && options.adapterRecordUrl ? await options.adapterRecordUrl(direct) : direct;
    const app = service.buildApp({ ...config, RECORD_BASE_URL: recordBaseUrl }, { db });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    subgraphs[name] = { app, db: owner, appDb: db, url: `http://127.0.0.1:${port}/graphql` };
  }
  const audit = await startAuditService(database, owner, {
    ...config,
    RECORD_BASE_URL: subgraphs.record.url.replace(/\/graphql$/, ''),
  });
  const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'hub-idp-')));
  if (options.seedVia === 'adapters') await ingestAgencyFiles(dataset, subgraphs, audit.url, secret, issuer);
  const via = async (name: ServiceName) =>
    options.serviceUrl ? options.serviceUrl(name, subgraphs[name].url) : subgraphs[name].url;
  const demoVerifier = createUserTokenVerifier({
    issuer: DEV_ISSUER,
    audience: DEV_AUDIENCE,
    jwksFile: issuer.jwksFile,
  });
  const oidcProviders = options.oidc ? parseOidcProviders(options.oidc) : [];
  const oidcVerifier = oidcProviders.length ? createOidcTokenVerifier({ providers: oidcProviders }) : null;
  const gateway = buildApp(
    // Here every service, the database harness and the test itself share ONE event loop (in
    // production each service has its own process), and two test files run at once on a busy
    // 2-core machine: a start-up or seed elsewhere in this process can stall the loop for
    // seconds, and for over a minute when other work shares the machine (seen in review). Shedding
    // on that would fail unrelated tests with OVERLOADED, so the hub under test sheds only on a
    // ten-minute stall; query-limits.int.test.ts tests shedding itself.
    {
      ...config,
      GATEWAY_MAX_EVENT_LOOP_DELAY_MS: 600_000,
      ...options.limits,
      ...(options.metricsToken ? { METRICS_TOKEN: options.metricsToken } : {}),
    },
    {
      verifier: oidcVerifier
        ? verifierByIssuer(
            new Map([
              [DEV_ISSUER, demoVerifier],
              ...oidcVerifier.issuers.map((i) => [i, oidcVerifier] as const),
            ]),
          )
        : demoVerifier,
      ...(oidcProviders.length ? { oidcProviders: oidcProviders.map(publicProviderInfo) } : {}),
      services: {
        record: await via('record'),
        education: await via('education'),
        health: await via('health'),
        'social-care': await via('social-care'),
      },
      audit: audit.url,
      // The same reason as the loop-delay bound above: with every service in this one process on
      // a loaded machine, 200 concurrent appends (audit.int.test.ts) took over the production 5 s
      // and failed closed with 503. Fail-closed itself is tested by making the store refuse.
      auditTimeoutMs: 120_000,
      retry: { count: 1, intervalMs: 100 },
      ...(options.portal
        ? { portalDir: options.portal.dir, demoIdp: { issuer, users: dataset.demoUsers } }
        : {}),
    },
  );
  await gateway.ready();

  const token = (user: DemoUser | Principal) =>
    issuer.sign({ sub: user.sub, role: user.role, orgId: user.orgId, orgType: user.orgType });

  return {
    database,
    dataset,
    gateway,
    subgraphs,
    audit,
    secret,
    token,
    async query(query, opts = {}) {
      const bearer = opts.token ?? (opts.as ? await token(opts.as) : undefined);
      const response = await gateway.inject({
        method: 'POST',
        url: '/graphql',
        headers: {
          'content-type': 'application/json',
          ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
          ...(opts.purpose ? { [PURPOSE_HEADER]: opts.purpose } : {}),
          ...(opts.requestId ? { 'x-request-id': opts.requestId } : {}),
        },
        payload: { query, variables: opts.variables ?? {} },
      });
      const body = response.json();
      return {
        statusCode: response.statusCode,
        data: body.data ?? null,
        ...(body.errors ? { errors: body.errors } : {}),
      };
    },
    async close() {
      await gateway.close();
      for (const { app } of Object.values(subgraphs)) await app.close();
      await audit.app.close();
      await database.destroy();
    },
  };
}

/**
 * The data set's agency files sent through the adapters (POST /ctf, /cin, /fhir on apps built
 * with ingest config over each service's own database role), each with its system's token.
 * Throws unless every file and record is accepted and linked.
 */
async function ingestAgencyFiles(
  dataset: SyntheticDataset,
  subgraphs: TestHub['subgraphs'],
  auditUrl: string,
  secret: string,
  issuer: Awaited<ReturnType<typeof loadOrCreateDevIssuer>>,
): Promise<void> {
  const config = {
    INTERNAL_CONTEXT_SECRET: secret,
    LOG_LEVEL: 'silent' as const,
    RECORD_BASE_URL: subgraphs.record.url.replace(/\/graphql$/, ''),
    AUDIT_URL: auditUrl,
    JWT_ISSUER: DEV_ISSUER,
    JWT_AUDIENCE: DEV_AUDIENCE,
    JWKS_FILE: issuer.jwksFile,
  };
  const apps = {
    ctf: education.buildApp(config, { db: subgraphs.education.appDb }),
    cin: socialCare.buildApp(config, { db: subgraphs['social-care'].appDb }),
    fhir: health.buildApp(config, { db: subgraphs.health.appDb }),
  };
  const files = [
    ...buildAgencyFiles(dataset).map((f) => ({
      kind: f.name.startsWith('ctf') ? ('ctf' as const) : ('cin' as const),
      orgId: f.name.replace(/^(ctf|cin)-/, '').replace(/\.xml$/, ''),
      name: f.name,
      body: f.xml,
    })),
    ...buildFhirBundles(dataset).map((b) => ({
      kind: 'fhir' as const,
      orgId: b.orgId,
      name: b.name,
      body: JSON.stringify(b.bundle),
    })),
  ];
  const orgType = { ctf: 'school', cin: 'local_authority', fhir: 'health' } as const;
  try {
    for (const f of files) {
      const token = await issuer.signSystem({
        clientId: `${f.orgId}-${f.kind}-client`,
        orgId: f.orgId,
        orgType: orgType[f.kind],
        scopes: [`ingest:${f.kind}`],
      });
      const response = await apps[f.kind].inject({
        method: 'POST',
        url: `/${f.kind}`,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': f.kind === 'fhir' ? 'application/fhir+json' : 'application/xml',
          'x-file-name': f.name,
        },
        payload: f.body,
      });
      const body = response.json() as {
        counts?: { rejected: number };
        pending?: number;
        entry?: { response: { status: string } }[];
      };
      const failed = (body.entry ?? []).filter((e) => !/^20/.test(e.response.status));
      if (response.statusCode !== 200 || body.counts?.rejected || body.pending || failed.length)
        throw new Error(`${f.name} was not ingested whole: ${response.body.slice(0, 500)}`);
    }
  } finally {
    for (const app of Object.values(apps)) await app.close();
  }
}

/** The audit subgraph on its own handle to the test database, listening on port 0. */
async function startAuditService(
  database: TestDatabase,
  owner: DbHandle,
  config: Parameters<typeof auditService.buildApp>[0],
) {
  await auditService.prepareDatabase(owner);
  const appDb = await database.open({ role: auditService.dbRole });
  const app = auditService.buildApp(config, { db: appDb });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, db: owner, appDb, url: `http://127.0.0.1:${port}` };
}

export function demoUser(dataset: SyntheticDataset, sub: string): DemoUser {
  const user = dataset.demoUsers.find((u) => u.sub === sub);
  if (!user) throw new Error(`no demo user ${sub}`);
  return user;
}

/** The person who decides for the child today: the young person after compulsory school age, else a parent carer. */
export function decisionMaker(dataset: SyntheticDataset, child: SyntheticChild): DemoUser {
  const sub = isOverCompulsorySchoolAge(child.dateOfBirth, new Date())
    ? child.youngPersonSub
    : child.parentCarerSubs[0];
  if (!sub) throw new Error(`child ${child.id} has no decision maker login`);
  return demoUser(dataset, sub);
}

export const GRANT_CONSENT = /* GraphQL */ `
  mutation Grant($input: GrantConsentInput!) {
    grantConsent(input: $input) { id status domain recipientOrgType purpose }
  }
`;

/** The audit events one gateway request wrote (by its request id), in chain order. */
export async function auditEventsOf(hub: TestHub, requestId: string): Promise<StoredAuditEvent[]> {
  const rows = await hub.audit.db.query<EventRow>(
    `select ${EVENT_COLUMNS} from audit.event e where e.request_id = $1 order by e.seq`,
    [requestId],
  );
  return rows.map(rowToEvent);
}

/** Grants consent through the gateway, as the family would; returns the consent ids. */
export async function grantConsents(
  hub: TestHub,
  child: SyntheticChild,
  recipientOrgType: string,
  purpose: string,
  domains: string[] = ['education', 'health', 'social_care'],
): Promise<string[]> {
  const ids: string[] = [];
  for (const domain of domains) {
    const result = await hub.query<{ grantConsent: { id: string } }>(GRANT_CONSENT, {
      as: decisionMaker(hub.dataset, child),
      variables: { input: { childId: child.id, domain, recipientOrgType, purpose } },
    });
    if (result.errors) throw new Error(`grantConsent failed: ${JSON.stringify(result.errors)}`);
    ids.push(result.data!.grantConsent.id);
  }
  return ids;
}
