import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, subgraphSdlFiles, supergraphFile } from './lib/supergraph.ts';

describe('supergraph composition', () => {
  it('composes every subgraph SDL under schema/', () => {
    expect(subgraphSdlFiles()).toEqual(
      expect.arrayContaining([
        'record.graphql',
        'education.graphql',
        'health.graphql',
        'social-care.graphql',
      ]),
    );
    const composed = composeSupergraph();
    for (const field of [
      'education: EducationSection',
      'health: HealthSection',
      'socialCare: SocialCareSection',
    ]) {
      expect(composed).toContain(field);
    }
  });

  it('matches the checked-in schema/supergraph.graphql (run `pnpm supergraph` after an intended change)', () => {
    expect(composeSupergraph()).toBe(readFileSync(supergraphFile, 'utf8'));
  });

  it('fails loudly on a composition error', async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { buildFederationSchema } = require('@mercuriusjs/federation');
    const broken = 'extend type Child @key(fields: "id") { id: ID! @external education: NoSuchType }';
    expect(() => buildFederationSchema(broken, { isGateway: true })).toThrow();
  });
});
