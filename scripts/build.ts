// `pnpm build [service ...]`: the production build. Each service's src/server.ts (with the
// workspace packages it imports) becomes plain JavaScript in services/<name>/dist/server.mjs,
// run with `node dist/server.mjs` (no tsx at run time); building the gateway also builds the
// web portal into services/portal/dist (the gateway serves it with PORTAL_DIR).
// Without arguments every service is built. See infra/README.md.
import { buildPortal } from '@hub/portal';
import { buildService, SERVICE_NAMES, type ServiceName } from './lib/build-services.ts';

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(SERVICE_NAMES as string[]).includes(name));
if (unknown.length > 0) {
  console.error(`Unknown service(s): ${unknown.join(', ')}. Known: ${SERVICE_NAMES.join(', ')}.`);
  process.exit(2);
}
const services = requested.length > 0 ? (requested as ServiceName[]) : SERVICE_NAMES;

for (const name of services) {
  const started = Date.now();
  const outfile = await buildService(name);
  console.log(`✓ ${name}: ${outfile} (${Date.now() - started} ms)`);
}
if (services.includes('gateway')) {
  const started = Date.now();
  console.log(`✓ portal: ${await buildPortal()} (${Date.now() - started} ms)`);
}
