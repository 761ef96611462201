/**
 * Writes the synthetic health data as FHIR bundles (packages/synthetic/fixtures/fhir-<org>.json),
 * from the default data set `pnpm start` seeds. Deterministic (synthetic.test.ts checks the
 * committed files against it; the repository's formatter may lay them out, the content is what counts):
 *   node --import tsx services/health/src/fhir/write-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import { buildFhirBundles } from './synthetic.ts';

export const FHIR_FIXTURES_DIR = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'packages',
  'synthetic',
  'fixtures',
);

if (import.meta.filename === process.argv[1]) {
  mkdirSync(FHIR_FIXTURES_DIR, { recursive: true });
  for (const { name, bundle } of buildFhirBundles(
    buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }),
  ))
    writeFileSync(join(FHIR_FIXTURES_DIR, name), `${JSON.stringify(bundle, null, 2)}\n`);
  console.log(`wrote ${FHIR_FIXTURES_DIR}`);
}
