import { Writable } from 'node:stream';
import { guardedFieldResolvers } from '@hub/access';
import { INTERNAL_CONTEXT_HEADER, signInternalContext } from '@hub/auth';
import type { DbHandle } from '@hub/db';
import { aPrincipal, someFacts } from '@hub/policy/testing';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { describe, expect, it } from 'vitest';
import { buildSubgraph } from './subgraph.ts';

/**
 * The subgraph plumbing refuses child data that did not go through the access door. A test
 * subgraph registers, next to resolvers that use the door, resolvers that read a child's data
 * without it (as a forgetful resolver would): their answer must never leave the service.
 */
const secret = 's'.repeat(40);
const CHILD = '3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60';
const OTHER = '4a1b2c3d-8b1d-4c5e-9a7f-1b2c3d4e5f61';
const row = (id: string) => ({ id, givenName: 'Ada', familyName: 'Example', dateOfBirth: '2015-06-01' });

const sdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query {
    checkedChild(id: ID!): Child
    uncheckedChild(id: ID!): Child
    uncheckedNotes(childId: ID!): [Note!]!
  }
  type Child @key(fields: "id") {
    id: ID!
    givenName: String
    familyName: String
    dateOfBirth: String
    nhsNumber: String
    upn: String
    laId: String
    notes: [Note!]
  }
  type Note { childId: ID!, text: String! }
`;

const notes = (childId: string) => [{ childId, text: 'Private note' }];

const resolvers = {
  Query: {
    // Through the door: the child's facts, the decision, the guarded row.
    checkedChild: async (_: unknown, args: { id: string }, ctx: { door: import('@hub/access').AccessDoor }) =>
      (await ctx.door.seeChildren([row(args.id)]))[0] ?? null,
    // Deliberately unchecked: child data straight from "the store".
    uncheckedChild: (_: unknown, args: { id: string }) => row(args.id),
    uncheckedNotes: (_: unknown, args: { childId: string }) => notes(args.childId),
  },
  Child: {
    ...guardedFieldResolvers('Child'),
    __resolveReference: (reference: { id: string }) => reference,
  },
} as unknown as IResolvers;

// A section loader that forgot the door (entity calls from the gateway end up here).
const loaders = {
  Child: { notes: async (queries: { obj: { id: string } }[]) => queries.map((q) => notes(q.obj.id)) },
} as unknown as MercuriusLoaders;

function subgraph() {
  const lines: string[] = [];
  const app = buildSubgraph({
    name: 'door-check-test',
    sdl,
    db: {} as DbHandle,
    internalContextSecret: secret,
    logLevel: 'error',
    resolvers,
    loaders,
    logStream: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
    accessFacts: () => async (ids) => new Map(ids.map((id) => [id, someFacts({ childId: id })])),
  });
  return { app, lines };
}

async function ask(app: ReturnType<typeof buildSubgraph>, query: string, variables: object = {}) {
  const token = await signInternalContext(secret, {
    principal: aPrincipal({ role: 'senco' }),
    requestId: 'req-door',
    purpose: null,
  });
  const response = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: token },
    payload: { query, variables },
  });
  return response.json() as {
    data: Record<string, unknown> | null;
    errors?: { message: string; extensions: { code: string } }[];
    extensions?: { hubAccess?: unknown[] };
  };
}

describe('the access door is enforced by the subgraph plumbing', () => {
  it('answers child data that went through the door, with its access reported', async () => {
    const { app } = subgraph();
    const body = await ask(app, 'query($id: ID!) { checkedChild(id: $id) { id givenName } }', { id: CHILD });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ checkedChild: { id: CHILD, givenName: 'Ada' } });
    expect(body.extensions?.hubAccess).toEqual([
      expect.objectContaining({ childId: CHILD, subject: 'Child', fieldsReturned: ['id', 'givenName'] }),
    ]);
    await app.close();
  });

  it('refuses the whole answer when a resolver returns a child without the door', async () => {
    const { app, lines } = subgraph();
    const body = await ask(
      app,
      'query($id: ID!, $other: ID!) { checkedChild(id: $other) { id } uncheckedChild(id: $id) { id givenName } }',
      { id: CHILD, other: OTHER },
    );
    expect(body.data).toBeNull();
    expect(body.errors).toEqual([{ message: 'Internal error.', extensions: { code: 'INTERNAL' } }]);
    expect(JSON.stringify(body)).not.toContain('Ada');
    expect(lines.join('')).toContain(`Query.uncheckedChild for child ${CHILD}`);
    await app.close();
  });

  it('refuses rows carrying a childId returned without the door', async () => {
    const { app } = subgraph();
    const body = await ask(app, 'query($id: ID!) { uncheckedNotes(childId: $id) { text } }', { id: CHILD });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('Private note');
    await app.close();
  });

  it('refuses a Child field loaded without the door (a federation entity call)', async () => {
    const { app } = subgraph();
    const body = await ask(
      app,
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Child { notes { text } } } }',
      { r: [{ __typename: 'Child', id: CHILD }] },
    );
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('Private note');
    await app.close();
  });
});
