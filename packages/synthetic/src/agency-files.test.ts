import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildAgencyFiles } from './agency-files.ts';
import { buildSyntheticDataset, TEST_REFERENCE_DATE } from './dataset.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

describe('synthetic agency files', () => {
  it('the committed fixtures are exactly what the generator writes for the default data set (deterministic)', () => {
    const files = buildAgencyFiles(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }));
    expect(
      readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.xml'))
        .sort(),
    ).toEqual(files.map((f) => f.name).sort());
    for (const f of files) expect(readFileSync(join(FIXTURES, f.name), 'utf8'), f.name).toBe(f.xml);
    expect(buildAgencyFiles(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }))).toEqual(files);
  });

  it('uses obviously synthetic identities only: LA codes 99x, Testchild names, UPNs of LA 999', () => {
    for (const { xml } of buildAgencyFiles(buildSyntheticDataset({ referenceDate: TEST_REFERENCE_DATE }))) {
      for (const m of xml.matchAll(/<LEA>(\d+)<\/LEA>/g)) expect(m[1]).toMatch(/^99\d$/);
      for (const m of xml.matchAll(/<Surname>([^<]+)<\/Surname>/g)) expect(m[1]).toMatch(/^Testchild-/);
      for (const m of xml.matchAll(/<UPN>([^<]+)<\/UPN>/g)) expect(m[1]!.slice(1, 4)).toBe('999');
    }
  });
});
