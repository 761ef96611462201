import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/** The portal's folder and its build output, for the gateway to serve. */
export const PORTAL_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PORTAL_DIST = join(PORTAL_ROOT, 'dist');

/**
 * Builds the portal with Vite (a few seconds). Done programmatically so `pnpm start` and the
 * end-to-end tests need no separate build step. Vite 8 compiles TSX itself (React's automatic
 * JSX runtime), so no React plugin is needed.
 */
export async function buildPortal(options: { outDir?: string } = {}): Promise<string> {
  const { build } = await import('vite');
  const outDir = options.outDir ?? PORTAL_DIST;
  await build({
    root: PORTAL_ROOT,
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    // Under vitest NODE_ENV is 'test', which would bundle React's development build.
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    oxc: { jsx: { runtime: 'automatic', development: false } },
    build: { outDir, emptyOutDir: true },
  });
  await precompress(outDir);
  return outDir;
}

const COMPRESSIBLE = /\.(js|css|html|svg|json|txt|map)$/;

/**
 * Writes `<file>.br` and `<file>.gz` beside every text file of the build, once, at the highest
 * levels (the gateway serves them with `preCompressed`: no compression work per request).
 * A file that would not get smaller is left alone.
 */
export async function precompress(
  dir: string,
): Promise<{ file: string; bytes: number; br: number; gz: number }[]> {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  const sizes: { file: string; bytes: number; br: number; gz: number }[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !COMPRESSIBLE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const raw = await readFile(path);
    const [b, g] = await Promise.all([
      brotli(raw, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        },
      }),
      gz(raw, { level: 9 }),
    ]);
    if (b.length < raw.length) await writeFile(`${path}.br`, b);
    if (g.length < raw.length) await writeFile(`${path}.gz`, g);
    sizes.push({ file: path.slice(dir.length + 1), bytes: raw.length, br: b.length, gz: g.length });
  }
  return sizes;
}
