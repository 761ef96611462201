import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from '@hub/synthetic';
import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { validateR4 } from './definitions.ts';
import { buildFhirBundles } from './synthetic.ts';
import { FHIR_FIXTURES_DIR } from './write-fixtures.ts';

describe('synthetic FHIR fixtures', () => {
  const bundles = buildFhirBundles(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }));

  it('are the committed files (regenerate: node --import tsx services/health/src/fhir/write-fixtures.ts)', () => {
    expect(bundles.map((b) => b.name)).toEqual(['fhir-icb-1.json', 'fhir-trust-1.json']);
    for (const { name, bundle } of bundles)
      expect(JSON.parse(readFileSync(join(FHIR_FIXTURES_DIR, name), 'utf8'))).toEqual(bundle);
  });

  it('are valid FHIR R4, every resource', () => {
    for (const { bundle } of bundles)
      for (const entry of bundle.entry as { resource: Resource }[]) {
        const errors = validateR4(entry.resource).filter((i) => i.severity === 'error');
        expect(errors, `${entry.resource.resourceType}/${entry.resource.id}`).toEqual([]);
      }
  });
});
