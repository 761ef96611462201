import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  return outDir;
}
