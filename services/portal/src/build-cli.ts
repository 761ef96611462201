// `pnpm --filter @hub/portal build`: builds the portal into services/portal/dist.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPortal } from './build.ts';

const dir = await buildPortal();
console.log(`portal built into ${dir}`);
// What a browser downloads: each file as built and as sent with brotli or gzip.
for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.(br|gz)$/.test(entry.name)) continue;
  const path = join(entry.parentPath, entry.name);
  const size = async (p: string) => (await stat(p).catch(() => null))?.size;
  const kb = (n: number | undefined) => (n === undefined ? '–' : `${(n / 1024).toFixed(1)} KB`);
  console.log(
    `${path.slice(dir.length + 1)}: ${kb(await size(path))} (brotli ${kb(await size(`${path}.br`))}, gzip ${kb(await size(`${path}.gz`))})`,
  );
}
