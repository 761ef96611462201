// Regenerates schema/supergraph.graphql, the composed schema the gateway serves.
// CI fails when the checked-in file differs from a fresh composition (supergraph.test.ts).
import { writeFileSync } from 'node:fs';
import { composeSupergraph, supergraphFile } from './lib/supergraph.ts';

writeFileSync(supergraphFile, composeSupergraph());
console.log(`wrote ${supergraphFile}`);
