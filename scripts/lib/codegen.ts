import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import config from '../../codegen.ts';
import { schemaDir } from './supergraph.ts';

const root = join(schemaDir, '..');

export interface GeneratedFile {
  /** Path from the repository root. */
  filename: string;
  content: string;
}

/**
 * Runs GraphQL Code Generator (codegen.ts) in memory: every generated file, fresh from the SDL
 * under schema/ and the portal's documents. Reads only local files (no network).
 */
export async function generateTypes(): Promise<GeneratedFile[]> {
  // codegen.ts names its files from the repository root.
  const files: GeneratedFile[] = await generate({ ...config, cwd: root }, false);
  return files.map(({ filename, content }) => ({ filename, content }));
}
