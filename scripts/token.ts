// `pnpm -s demo-token --user demo-senco-1` or `pnpm -s demo-token --role senco [--org school-1]`:
// prints a token from the DEMO identity provider for a synthetic demo user.
// `pnpm -s demo-token --system trust-1`: a client-credentials token for that organisation's
// system (health → scope ingest:fhir, school → ingest:ctf, social care/LA → ingest:cin).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevIssuer } from '@hub/auth';
import { buildSyntheticDataset, DEMO_USERS } from '@hub/synthetic';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    role: { type: 'string' },
    org: { type: 'string' },
    list: { type: 'boolean' },
    system: { type: 'string' },
    // At most the gateway's JWT_MAX_LIFETIME_SECONDS (1 h by default): longer tokens are refused.
    'expires-in': { type: 'string', default: '1h' },
  },
});

if (values.system) {
  const dataset = buildSyntheticDataset();
  const org = [
    ...dataset.schools,
    ...dataset.healthOrgs,
    ...dataset.socialCareOrgs,
    dataset.localAuthority,
  ].find((o) => o.id === values.system);
  if (!org) {
    console.error(`No synthetic organisation ${values.system}. Try trust-1, school-1, sc-1 or la-1.`);
    process.exit(2);
  }
  const scope = {
    health: 'ingest:fhir',
    school: 'ingest:ctf',
    social_care: 'ingest:cin',
    local_authority: 'ingest:cin',
  } as const;
  const orgType = org.type as keyof typeof scope;
  const issuer = await loadOrCreateDevIssuer(
    resolve(import.meta.dirname, '..', process.env.DATA_DIR ?? '.data', 'demo-idp'),
  );
  console.log(
    await issuer.signSystem(
      { clientId: `${org.id}-system`, orgId: org.id, orgType, scopes: [scope[orgType]] },
      { expiresIn: values['expires-in'] },
    ),
  );
  process.exit(0);
}

if (values.list) {
  const shown = DEMO_USERS.filter((u) => u.role !== 'parent_carer' && u.role !== 'young_person');
  const families = DEMO_USERS.filter((u) => u.role === 'parent_carer' || u.role === 'young_person');
  for (const u of shown)
    console.log(`${u.sub.padEnd(20)} ${u.role.padEnd(20)} ${u.orgId.padEnd(10)} ${u.name}`);
  console.log(
    `… and ${families.length} family logins, e.g. ${families
      .slice(0, 3)
      .map((u) => u.sub)
      .join(', ')}`,
  );
  process.exit(0);
}

const user = values.user
  ? DEMO_USERS.find((u) => u.sub === values.user)
  : DEMO_USERS.find((u) => u.role === values.role && (!values.org || u.orgId === values.org));
if (!user) {
  console.error(
    values.user || values.role
      ? `No demo user matches ${values.user ? `--user ${values.user}` : `--role ${values.role}${values.org ? ` --org ${values.org}` : ''}`}. Try --list.`
      : 'Usage: pnpm -s demo-token --user <sub> | --role <role> [--org <orgId>] | --list',
  );
  process.exit(2);
}
const issuer = await loadOrCreateDevIssuer(
  resolve(import.meta.dirname, '..', process.env.DATA_DIR ?? '.data', 'demo-idp'),
);
console.log(await issuer.sign(user, { expiresIn: values['expires-in'] }));
