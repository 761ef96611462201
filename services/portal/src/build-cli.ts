// `pnpm --filter @hub/portal build`: builds the portal into services/portal/dist.
import { buildPortal } from './build.ts';

console.log(`portal built into ${await buildPortal()}`);
