import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAINS, ORG_TYPES, PURPOSES, SECTION_SUBJECTS, SUBJECT_FIELDS } from '@hub/policy';
import { Kind, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedFile, generateTypes } from './lib/codegen.ts';
import { schemaDir, supergraphFile } from './lib/supergraph.ts';

describe('types generated from the SDL (codegen.ts)', () => {
  let files: GeneratedFile[];
  // One generation (GraphQL Code Generator, in memory, no network) for both checks.
  beforeAll(async () => {
    files = await generateTypes();
  });

  it('generates resolver types for every subgraph and the portal document types', () => {
    expect(files.map((f) => f.filename).sort()).toEqual([
      'services/audit/src/generated/graphql.ts',
      'services/education/src/generated/graphql.ts',
      'services/health/src/generated/graphql.ts',
      'services/portal/app/generated/graphql.ts',
      'services/record/src/generated/graphql.ts',
      'services/social-care/src/generated/graphql.ts',
    ]);
    const record = files.find((f) => f.filename.startsWith('services/record/'))!.content;
    // Arguments as the SDL declares them, and the federation entry point.
    expect(record).toMatch(/export type QueryChildArgs = \{\s+id: Scalars\['ID'\]\['input'\];/);
    expect(record).toContain('__resolveReference?: ReferenceResolver');
  });

  it('matches the committed files (run `pnpm codegen` after changing an SDL file or a portal document)', () => {
    const stale = files
      .filter((file) => {
        try {
          return readFileSync(join(schemaDir, '..', file.filename), 'utf8') !== file.content;
        } catch {
          return true;
        }
      })
      .map((file) => file.filename);
    expect(stale).toEqual([]);
  });
});

describe('the SDL and the policy speak one vocabulary (@hub/policy vocabulary.ts)', () => {
  const definitions = parse(readFileSync(supergraphFile, 'utf8')).definitions;
  const enums = new Map(
    definitions.flatMap((d) =>
      d.kind === Kind.ENUM_TYPE_DEFINITION ? [[d.name.value, (d.values ?? []).map((v) => v.name.value)]] : [],
    ),
  );
  const fields = new Map(
    definitions.flatMap((d) =>
      d.kind === Kind.OBJECT_TYPE_DEFINITION
        ? [[d.name.value, (d.fields ?? []).map((f) => f.name.value)]]
        : [],
    ),
  );

  it('spells purposes and domains as the policy does, and names only its organisation types', () => {
    expect(enums.get('Purpose')).toEqual([...PURPOSES]);
    expect(enums.get('Domain')).toEqual([...DOMAINS]);
    expect(ORG_TYPES).toEqual(expect.arrayContaining(enums.get('RecipientOrgType') ?? ['missing']));
  });

  it("lists every field of each section type in the policy's subjects, and only the SDL's fields", () => {
    // A section field missing from SUBJECT_FIELDS could never be granted (deny by default); one the
    // SDL does not have would be a policy about nothing.
    for (const section of SECTION_SUBJECTS) {
      expect([...SUBJECT_FIELDS[section]].sort(), section).toEqual([...(fields.get(section) ?? [])].sort());
    }
    expect(fields.get('Child')).toEqual(expect.arrayContaining([...SUBJECT_FIELDS.Child]));
  });
});
