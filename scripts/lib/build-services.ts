import { copyFile, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';

/** The repository root (this file is scripts/lib/build-services.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Each deployable service: its folder under services/ and its package name. */
export const SERVICES = {
  gateway: { dir: 'services/gateway', pkg: '@hub/gateway' },
  record: { dir: 'services/record', pkg: '@hub/record' },
  education: { dir: 'services/education', pkg: '@hub/education' },
  health: { dir: 'services/health', pkg: '@hub/health' },
  'social-care': { dir: 'services/social-care', pkg: '@hub/social-care' },
  audit: { dir: 'services/audit', pkg: '@hub/audit-service' },
} as const;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/**
 * Left to node_modules at run time instead of bundled. graphql: mercurius validates and executes
 * with graphql's CommonJS copy, and the gateway loads its validation rules with
 * `createRequire` (services/gateway/src/limits.ts, field-guard.ts) so that schema and AST classes
 * pass graphql's instanceof checks. A bundled copy would be a second instance next to the one
 * `createRequire` loads from node_modules; keeping it external leaves exactly one (every service
 * lists graphql as a direct dependency, so it resolves from services/<name>/node_modules).
 * Everything else (fastify, mercurius, postgres.js, drizzle, jose, undici, pino, zod) bundles
 * cleanly and is inlined.
 */
export const EXTERNAL = ['graphql'];

/**
 * Workspace sources find files next to themselves with `import.meta.url` (migrations folders,
 * the GraphQL SDL under schema/). In a bundle `import.meta.url` would be the bundle's own URL,
 * so a package's `../migrations` would point somewhere else (packages/audit/migrations would
 * become services/audit/migrations). This plugin rewrites each workspace file's
 * `import.meta.url` to the URL of that file's original location, relative to the bundle: the
 * compiled service keeps finding its assets wherever the repository layout (or the image, which
 * keeps the same layout under /app) is, without changing service code.
 */
function workspaceImportMetaUrl(outDir: string): Plugin {
  return {
    name: 'hub-workspace-import-meta-url',
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const fromBundle = relative(outDir, args.path).split(sep).join('/');
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * Bundles one service's `src/server.ts` (with the workspace packages it imports, which export
 * TypeScript sources) into `services/<name>/dist/server.mjs`, plain JavaScript that runs with
 * `node dist/server.mjs` — no tsx at run time. Each subgraph also gets `dist/migrate.mjs`, the
 * migration job's entry (scripts/lib/migration-job.ts). Returns the path of server.mjs.
 */
export async function buildService(name: ServiceName): Promise<string> {
  const serviceDir = join(REPO_ROOT, SERVICES[name].dir);
  const outDir = join(serviceDir, 'dist');
  await rm(outDir, { recursive: true, force: true });
  const outfile = join(outDir, 'server.mjs');
  await bundle(name, { entryPoints: [join(serviceDir, 'src', 'server.ts')], outfile }, outDir);
  if (name !== 'gateway') {
    // Every subgraph's app.ts exports its SubgraphService as `service`.
    const job = join(REPO_ROOT, 'scripts', 'lib', 'migration-job.ts');
    await bundle(
      name,
      {
        stdin: {
          contents: `import { service } from './app.ts';\nimport { runMigrationJob } from ${JSON.stringify(job)};\nawait runMigrationJob(service, process.env);\n`,
          resolveDir: join(serviceDir, 'src'),
          sourcefile: 'migrate.ts',
          loader: 'ts',
        },
        outfile: join(outDir, 'migrate.mjs'),
      },
      outDir,
    );
  }
  await copyPgliteAssets(outDir);
  return outfile;
}

async function bundle(name: ServiceName, entry: BuildOptions, outDir: string): Promise<void> {
  const result = await build({
    ...entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.19',
    // Node's own resolution order: graphql and friends have `main` (CommonJS) and `module`.
    mainFields: ['main', 'module'],
    external: EXTERNAL,
    // CommonJS dependencies inside an ES module bundle call `require` (for node: built-ins and
    // the external graphql); give them a real one, rooted at the bundle.
    banner: {
      js: "import { createRequire as __hubCreateRequire } from 'node:module'; const require = __hubCreateRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    // Keeps class and function names in stack traces and in fastify's plugin names.
    keepNames: true,
    legalComments: 'none',
    logLevel: 'silent',
    plugins: [workspaceImportMetaUrl(outDir)],
  });
  for (const warning of result.warnings) {
    console.warn(`[${name}] ${warning.text} (${warning.location?.file ?? '?'})`);
  }
}

/**
 * Embedded PGlite (used when DATABASE_URL is unset: demos, a laptop) loads its WebAssembly and
 * data files next to its own module (`new URL('./pglite.wasm', import.meta.url)`), which in a
 * bundle is dist/. Copying the three files there keeps the compiled service working without
 * PostgreSQL too; production runs on PostgreSQL and never loads them.
 */
async function copyPgliteAssets(outDir: string): Promise<void> {
  const fromDb = createRequire(join(REPO_ROOT, 'packages', 'db', 'package.json'));
  const pgliteDist = dirname(fromDb.resolve('@electric-sql/pglite'));
  for (const file of ['pglite.wasm', 'pglite.data', 'initdb.wasm']) {
    await copyFile(join(pgliteDist, file), join(outDir, file));
  }
}
