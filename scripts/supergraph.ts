// Regenerates schema/supergraph.graphql, the composed schema the gateway serves, and then the
// types generated from the SDL (scripts/codegen.ts). CI fails when the checked-in files differ
// from a fresh run (supergraph.test.ts, codegen.test.ts).
import { writeFileSync } from 'node:fs';
import { composeSupergraph, supergraphFile } from './lib/supergraph.ts';

writeFileSync(supergraphFile, composeSupergraph());
console.log(`wrote ${supergraphFile}`);
await import('./codegen.ts');
