// `pnpm -s demo-token --user demo-senco-1` or `pnpm -s demo-token --role senco [--org school-1]`:
// prints a token from the DEMO identity provider for a synthetic demo user.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadOrCreateDevIssuer } from '@hub/auth';
import { DEMO_USERS } from '@hub/synthetic';

const { values } = parseArgs({
  options: {
    user: { type: 'string' },
    role: { type: 'string' },
    org: { type: 'string' },
    list: { type: 'boolean' },
    // At most the gateway's JWT_MAX_LIFETIME_SECONDS (1 h by default): longer tokens are refused.
    'expires-in': { type: 'string', default: '1h' },
  },
});

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
