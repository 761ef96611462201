import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadAuditServiceConfig, loadGatewayConfig, loadSubgraphConfig } from '@hub/config';
import { validate as lintDockerfile } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { REPO_ROOT, SERVICE_NAMES, type ServiceName } from './lib/build-services.ts';

/**
 * The deployment files under infra/, checked without a Docker engine or a cluster:
 * - every Kubernetes manifest against the Kubernetes JSON schema for its kind (kubernetes-models:
 *   the API's OpenAPI schemas compiled with ajv), plus the hub's own rules (probes, limits,
 *   non-root, secrets from the platform, replicas, disruption budgets, network policy);
 * - each service's environment, in compose and in Kubernetes, through the service's own config
 *   loader from @hub/config (so a variable made required there fails here, with no copied list);
 * - the Dockerfile with a Dockerfile linter and the image rules (multi-stage, non-root, prod install).
 */
const INFRA = join(REPO_ROOT, 'infra');
const K8S_BASE = join(INFRA, 'k8s', 'base');
const SUBGRAPHS = SERVICE_NAMES.filter((name) => name !== 'gateway');

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
type EnvVar = {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string };
    configMapKeyRef?: { name: string; key: string };
  };
};
type Container = {
  name: string;
  command?: string[];
  env?: EnvVar[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string }; tcpSocket?: unknown };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
};
type PodSpec = {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean };
  automountServiceAccountToken?: boolean;
};
type Workload = Doc & {
  spec: { replicas: number; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
};

function readDocs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      return doc.toJS() as Doc | null;
    })
    .filter((doc): doc is Doc => doc !== null);
}

const manifestFiles = readdirSync(K8S_BASE).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests = manifestFiles.flatMap((file) =>
  readDocs(join(K8S_BASE, file)).map((doc) => ({ file, doc })),
);
const ofKind = <T extends Doc>(kind: string) =>
  manifests.filter((m) => m.doc.kind === kind).map((m) => m.doc as T);
const workloads = [...ofKind<Workload>('Deployment'), ...ofKind<Workload>('StatefulSet')];
const workloadOf = (name: ServiceName) => workloads.find((w) => w.metadata.name === name);
const configMap = ofKind<Doc & { data: Record<string, string> }>('ConfigMap').find(
  (c) => c.metadata.name === 'hub-config',
);

/** The Kubernetes model (schema + validator) for an apiVersion/kind, from kubernetes-models. */
async function modelFor(apiVersion: string, kind: string) {
  const path = apiVersion.includes('/') ? apiVersion : `v1`;
  const module = (await import(/* @vite-ignore */ `kubernetes-models/${path}/${kind}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const model = module[kind];
  if (!model) throw new Error(`no Kubernetes schema for ${apiVersion} ${kind}`);
  return model;
}

/** A stand-in for a value the platform provides (a Secret, a compose variable). */
function placeholderFor(name: string): string {
  if (/DATABASE(_MIGRATION)?_URL$/.test(name)) return 'postgres://user:pw@db.example.invalid:5432/hub';
  if (/_URL$/.test(name)) return 'https://example.invalid/x';
  return `placeholder-${'x'.repeat(40)}`;
}

/** What each service's config loader says (it throws ConfigError listing every problem). */
function loaderOf(name: ServiceName) {
  if (name === 'gateway') return loadGatewayConfig;
  if (name === 'audit') return loadAuditServiceConfig;
  return loadSubgraphConfig;
}

/** The variables a service cannot start without, as its loader reports them for an empty env. */
function requiredVariables(name: ServiceName): string[] {
  try {
    loaderOf(name)({});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.split(':')[0]!);
  }
  return [];
}

describe('required environment, derived from @hub/config', () => {
  it('finds the variables every service needs', () => {
    // A sanity check of the derivation itself (the compose and k8s tests rely on it).
    const gateway = requiredVariables('gateway');
    expect(gateway).toEqual(
      expect.arrayContaining(['INTERNAL_CONTEXT_SECRET', 'PORT', 'RECORD_URL', 'AUDIT_URL']),
    );
    expect(requiredVariables('record')).toEqual(expect.arrayContaining(['INTERNAL_CONTEXT_SECRET', 'PORT']));
    // Who signs users in is checked once those are present: JWT_ISSUER and JWT_AUDIENCE, unless
    // OIDC providers are configured instead (so they are not in the empty-environment list).
    const env = Object.fromEntries(
      gateway.map((name) => [name, name === 'PORT' ? '4000' : placeholderFor(name)]),
    );
    expect(() => loadGatewayConfig(env)).toThrow(/JWT_ISSUER: required \(or set OIDC_PROVIDERS_FILE\)/);
  });
});

describe('Kubernetes manifests (infra/k8s/base)', () => {
  it('every manifest is valid against the Kubernetes schema for its kind', async () => {
    expect(manifests.length).toBeGreaterThan(20);
    const failures: string[] = [];
    for (const { file, doc } of manifests) {
      try {
        new (await modelFor(doc.apiVersion, doc.kind))(doc).validate();
      } catch (error) {
        failures.push(`${file} ${doc.kind}/${doc.metadata?.name}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the schema validator does reject a broken manifest', async () => {
    const deployment = structuredClone(workloadOf('record')!);
    (deployment.spec as { replicas: unknown }).replicas = 'two';
    delete (deployment.spec.template.spec.containers[0] as Partial<Container>).name;
    const model = await modelFor('apps/v1', 'Deployment');
    expect(() => new model(deployment).validate()).toThrow(/replicas must be integer|required property/);
  });

  it('the kustomization lists every manifest, and commits no Secret', () => {
    const kustomization = parseYaml(readFileSync(join(K8S_BASE, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...manifestFiles].sort());
    expect(ofKind('Secret')).toEqual([]);
  });

  it.each(SERVICE_NAMES)('%s: probes on /health, limits, non-root, read-only, no capabilities', (name) => {
    const workload = workloadOf(name);
    expect(workload, `no Deployment/StatefulSet named ${name}`).toBeDefined();
    const pod = workload!.spec.template.spec;
    expect(workload!.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const container of pod.containers) {
      expect(container.command).toEqual(['node', '--enable-source-maps', 'dist/server.mjs']);
      expect(container.readinessProbe?.httpGet?.path).toBe('/health');
      expect(
        container.livenessProbe?.httpGet?.path ?? (container.livenessProbe?.tcpSocket && 'tcp'),
      ).toBeTruthy();
      for (const bound of ['requests', 'limits'] as const) {
        expect(container.resources?.[bound]?.cpu, `${name} ${bound}.cpu`).toBeDefined();
        expect(container.resources?.[bound]?.memory, `${name} ${bound}.memory`).toBeDefined();
      }
      expect(container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it.each(SERVICE_NAMES)(
    '%s: its environment satisfies its config loader, secrets come from Secrets',
    (name) => {
      const container = workloadOf(name)!.spec.template.spec.containers[0]!;
      const env: Record<string, string> = {};
      for (const variable of container.env ?? []) {
        const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
        if (secretKeyRef) env[variable.name] = placeholderFor(variable.name);
        else if (configMapKeyRef) {
          expect(configMapKeyRef.name).toBe('hub-config');
          const value = configMap?.data[configMapKeyRef.key];
          expect(value, `hub-config has no ${configMapKeyRef.key}`).toBeDefined();
          env[variable.name] = value!;
        } else env[variable.name] = variable.value ?? '';
      }
      for (const required of requiredVariables(name)) expect(Object.keys(env)).toContain(required);
      expect(() => loaderOf(name)(env)).not.toThrow();
      // Secrets never appear as literal values in a manifest.
      for (const secretName of ['INTERNAL_CONTEXT_SECRET', 'DATABASE_URL', 'DATABASE_MIGRATION_URL']) {
        const variable = container.env?.find((v) => v.name === secretName);
        if (variable) expect(variable.valueFrom?.secretKeyRef, `${name} ${secretName}`).toBeDefined();
      }
      // The long-running pods never hold the schema owner's credentials.
      expect(env.DATABASE_MIGRATION_URL).toBeUndefined();
      if (name !== 'gateway') expect(env.DATABASE_MIGRATIONS).toBe('skip');
    },
  );

  it('every Secret the workloads and jobs reference has a placeholder example', () => {
    const example = readDocs(join(INFRA, 'k8s', 'secrets.example.yaml'));
    const referenced = new Set<string>();
    for (const { doc } of manifests) {
      const text = JSON.stringify(doc);
      for (const match of text.matchAll(
        /"(?:secretKeyRef|secret)":\{[^}]*?"(?:name|secretName)":"([^"]+)"/g,
      )) {
        referenced.add(match[1]!);
      }
    }
    expect(referenced.size).toBeGreaterThanOrEqual(7);
    for (const name of referenced) {
      const secret = example.find((doc) => doc.kind === 'Secret' && doc.metadata.name === name) as
        | (Doc & { stringData: Record<string, string> })
        | undefined;
      expect(secret, `secrets.example.yaml has no ${name}`).toBeDefined();
      for (const value of Object.values(secret!.stringData)) expect(value).toContain('CHANGE-ME');
    }
  });

  it('each stateless service has a Service and a PodDisruptionBudget selecting its pods', () => {
    for (const name of SERVICE_NAMES) {
      const labels = workloadOf(name)!.spec.template.metadata.labels;
      const service = ofKind<Doc & { spec: { selector: Record<string, string> } }>('Service').find(
        (s) => s.metadata.name === name,
      );
      const pdb = ofKind<Doc & { spec: { selector: { matchLabels: Record<string, string> } } }>(
        'PodDisruptionBudget',
      ).find((p) => p.metadata.name === name);
      expect(service && Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v)).toBe(true);
      expect(pdb && Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => labels[k] === v)).toBe(
        true,
      );
    }
  });

  it('a migration job per context runs dist/migrate.mjs with the owner URL from a Secret', () => {
    const jobs = ofKind<Doc & { spec: { template: { spec: PodSpec } } }>('Job');
    for (const name of SUBGRAPHS) {
      const job = jobs.find((j) => j.metadata.name === `${name}-migrate`);
      expect(job, `no job ${name}-migrate`).toBeDefined();
      const container = job!.spec.template.spec.containers[0]!;
      expect(container.command).toEqual(['node', '--enable-source-maps', 'dist/migrate.mjs']);
      const owner = container.env?.find((v) => v.name === 'DATABASE_MIGRATION_URL');
      expect(owner?.valueFrom?.secretKeyRef?.name).toBe('hub-db-owner');
    }
  });

  it('network policy: default deny; only the gateway open; subgraphs only from the gateway (+ adapters → record, audit)', () => {
    type Peer = { podSelector?: { matchLabels?: Record<string, string> }; ipBlock?: unknown };
    type Policy = Doc & {
      spec: {
        podSelector: { matchLabels?: Record<string, string> };
        policyTypes: string[];
        ingress?: Array<{ from?: Peer[] }>;
      };
    };
    const policies = ofKind<Policy>('NetworkPolicy');
    const deny = policies.find((p) => Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0);
    expect(deny?.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny?.spec.ingress ?? []).toEqual([]);
    const allowedFrom = (name: string) => {
      const rules = policies
        .filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === name)
        .flatMap((p) => p.spec.ingress ?? []);
      return rules.flatMap((rule) =>
        rule.from === undefined
          ? ['*']
          : rule.from.map((peer) => peer.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? '*'),
      );
    };
    expect(allowedFrom('gateway')).toEqual(['*']);
    expect(allowedFrom('record').sort()).toEqual(['audit', 'education', 'gateway', 'health', 'social-care']);
    expect(allowedFrom('audit').sort()).toEqual(['education', 'gateway', 'health', 'social-care']);
    for (const adapter of ['education', 'health', 'social-care'])
      expect(allowedFrom(adapter)).toEqual(['gateway']);
  });
});

describe('compose file (infra/compose.yaml)', () => {
  type ComposeService = {
    image?: string;
    build?: { args?: Record<string, string> };
    command?: string[];
    environment?: Record<string, string | number>;
    ports?: string[];
    user?: string;
    read_only?: boolean;
  };
  const compose = parseYaml(readFileSync(join(INFRA, 'compose.yaml'), 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };

  /** Compose interpolation: ${VAR:-default} → default, ${VAR:?message} / ${VAR} → a stand-in. */
  function interpolate(value: string | number): string {
    return String(value).replace(/\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}/g, (_all, name: string, op, arg) =>
      op === '-' ? String(arg) : placeholderFor(name),
    );
  }

  it('names PostgreSQL and every service, each built from infra/Dockerfile for itself', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', ...SERVICE_NAMES]));
    for (const name of SERVICE_NAMES) expect(compose.services[name]!.build?.args?.SERVICE).toBe(name);
  });

  it.each(SERVICE_NAMES)(
    '%s: its environment names every required variable and passes its config loader',
    (name) => {
      const raw = compose.services[name]!.environment ?? {};
      const env = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, interpolate(value)]));
      for (const required of requiredVariables(name)) expect(Object.keys(env)).toContain(required);
      expect(() => loaderOf(name)(env)).not.toThrow();
      expect(env.DATABASE_MIGRATION_URL).toBeUndefined();
    },
  );

  it('a migration service per context runs as the owner; only the gateway publishes a port', () => {
    for (const name of SUBGRAPHS) {
      const job = compose.services[`${name}-migrate`];
      expect(job?.command).toEqual(['node', '--enable-source-maps', 'dist/migrate.mjs']);
      expect(job?.environment?.DATABASE_MIGRATION_URL).toMatch(/^postgres:\/\/hub_owner:/);
      expect(compose.services[name]!.environment?.DATABASE_MIGRATIONS).toBe('skip');
    }
    const published = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0);
    expect(published.map(([name]) => name)).toEqual(['gateway']);
    for (const name of SERVICE_NAMES) expect(compose.services[name]!.read_only).toBe(true);
    expect(existsSync(join(INFRA, 'postgres', '10-hub-logins.sh'))).toBe(true);
  });
});

describe('Dockerfile (infra/Dockerfile)', () => {
  const text = readFileSync(join(INFRA, 'Dockerfile'), 'utf8');
  const instructions = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const runtime = instructions.slice(instructions.findLastIndex((line) => /^FROM /i.test(line)));

  it('passes the Dockerfile linter without a diagnostic', () => {
    const diagnostics = lintDockerfile(text);
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('the linter does catch a broken Dockerfile', () => {
    expect(
      lintDockerfile('FROM node:20\nHEALTHCHECK --intervall=5s CMD true\nEXPOSE abc\n').length,
    ).toBeGreaterThan(0);
  });

  it('is multi-stage with a production install, and the runtime stage is non-root compiled JS', () => {
    expect(instructions.filter((line) => /^FROM /i.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/pnpm .*deploy --prod/);
    expect(text).toMatch(/pnpm install --frozen-lockfile/);
    expect(runtime.some((line) => /^USER node$/.test(line))).toBe(true);
    expect(runtime.some((line) => /^HEALTHCHECK .*\/health/.test(line))).toBe(true);
    expect(runtime.at(-1)).toBe('CMD ["node", "--enable-source-maps", "dist/server.mjs"]');
    expect(runtime.join('\n')).not.toMatch(/tsx|pnpm/);
  });
});
