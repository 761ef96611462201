/**
 * Writes the synthetic agency files (packages/synthetic/fixtures): a CTF per school and a CIN
 * census per council, from the default data set `pnpm start` seeds. Deterministic: running it
 * again gives the same bytes (agency-files.test.ts checks the committed files against it).
 *   node --import tsx packages/synthetic/src/write-agency-fixtures.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildAgencyFiles } from './agency-files.ts';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from './dataset.ts';

const AGENCY_FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

const dir = AGENCY_FIXTURES_DIR;
mkdirSync(dir, { recursive: true });
for (const { name, xml } of buildAgencyFiles(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE })))
  writeFileSync(join(dir, name), xml);
console.log(`wrote ${dir}`);
