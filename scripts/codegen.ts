// Regenerates the TypeScript types generated from the SDL (codegen.ts): resolver types per
// subgraph and the portal's document types. Run after changing schema/*.graphql or a portal
// document; `pnpm supergraph` runs it too. CI fails when a committed file is stale (codegen.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateTypes } from './lib/codegen.ts';
import { schemaDir } from './lib/supergraph.ts';

for (const file of await generateTypes()) {
  const path = join(schemaDir, '..', file.filename);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, file.content);
  console.log(`wrote ${file.filename}`);
}
