import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The internal-context secret for local runs: generated once per data folder and kept
 * there (mode 600), never committed. Deployments set INTERNAL_CONTEXT_SECRET themselves.
 */
export function loadOrCreateInternalSecret(dataDir: string): string {
  const file = join(dataDir, 'internal-context-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}
