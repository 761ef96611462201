import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The light entry (no medplum): the bundles are plain JSON built from the data set.
import { buildFhirBundles } from '@hub/health/fhir-synthetic';
import { buildAgencyFiles, type SyntheticDataset } from '@hub/synthetic';

/**
 * The synthetic data set as the files the agencies' systems send: a DfE Common Transfer File
 * per school, a DfE Children in Need census per council (packages/synthetic agency-files.ts) and a
 * FHIR R4 UK Core batch bundle per health organisation (services/health fhir/synthetic.ts).
 * Deterministic from the data set (and so from its reference date): the same data set always
 * gives the same bytes.
 */
export function buildAllAgencyFiles(dataset: SyntheticDataset): Array<{ name: string; text: string }> {
  return [
    ...buildAgencyFiles(dataset).map((f) => ({ name: f.name, text: f.xml })),
    ...buildFhirBundles(dataset).map((b) => ({
      name: b.name,
      text: `${JSON.stringify(b.bundle, null, 2)}\n`,
    })),
  ];
}

/** Writes them to `dir` (created if needed); returns the file names. */
export function writeAgencyFiles(dataset: SyntheticDataset, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = buildAllAgencyFiles(dataset);
  for (const f of files) writeFileSync(join(dir, f.name), f.text);
  return files.map((f) => f.name);
}
