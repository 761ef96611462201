import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOMAINS, ORG_TYPES, PURPOSES } from '@hub/policy';
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
  const enums = new Map(
    parse(readFileSync(supergraphFile, 'utf8')).definitions.flatMap((d) =>
      d.kind === Kind.ENUM_TYPE_DEFINITION ? [[d.name.value, (d.values ?? []).map((v) => v.name.value)]] : [],
    ),
  );

  it('spells purposes and domains as the policy does, and names only its organisation types', () => {
    expect(enums.get('Purpose')).toEqual([...PURPOSES]);
    expect(enums.get('Domain')).toEqual([...DOMAINS]);
    expect(ORG_TYPES).toEqual(expect.arrayContaining(enums.get('RecipientOrgType') ?? ['missing']));
  });
});
