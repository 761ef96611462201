import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schema');

export function schemaPath(name: string): string {
  return join(schemaDir, `${name}.graphql`);
}

/** The SDL under `schema/` is the contract; services load it rather than inline copies. */
export function readSchema(name: string): string {
  return readFileSync(schemaPath(name), 'utf8');
}
