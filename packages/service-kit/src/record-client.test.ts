import { signInternalContext } from '@hub/auth';
import { aPrincipal } from '@hub/policy/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from './errors.ts';
import { internalContextPlugin } from './internal-context-plugin.ts';
import { callRecord } from './record-client.ts';
import { recordRoute, typedRoutes } from './record-route.ts';

const secret = 's'.repeat(40);
const unavailable = 'record unavailable';
const CHILD = '3f2b8c1e-9d4a-4b6f-8a2e-1c5d7e9f0a1b';

/**
 * A stand-in record over real HTTP on port 0, its routes registered from the same definitions
 * as the real one (recordRoute), behind the real guard. What each handler does is set per test,
 * so every kind of answer reaches the typed client as the record would send it.
 */
describe('callRecord ↔ recordRoute (typed internal calls, faithful errors)', () => {
  let app: FastifyInstance;
  let base: string;
  let answer: () => unknown = () => ({ councils: [], childIds: [] });
  const sockets = new Set<unknown>();
  const context = () =>
    signInternalContext(secret, { principal: aPrincipal({ role: 'senco' }), requestId: 'r', purpose: null });

  function routes(scope: FastifyInstance) {
    const typed = typedRoutes(scope);
    typed.route({
      ...recordRoute('kpiChildren'),
      // The caller's context comes back in `councils`, to show it went along.
      handler: async (request) => {
        const out = answer();
        if (out instanceof Error) throw out;
        return (out ?? { councils: [String(request.headers['x-hub-context'])], childIds: [] }) as never;
      },
    });
    typed.route({
      ...recordRoute('accessFacts'),
      handler: async (request) => ({
        facts: request.body.childIds.map((childId) => ({
          childId,
          dateOfBirth: '2015-01-01',
          relationships: [{ orgId: 'school-1', kind: 'on_roll' as const, active: true, note: 'dropped' }],
          parentCarerSubs: [],
          youngPersonSub: null,
          parentAccessConfirmedByYoungPerson: false,
          consents: [],
          breakGlass: [],
          internalOnly: 'never sent',
        })),
      }),
    });
  }

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.register(internalContextPlugin, { secret });
    app.register(async (scope) => routes(scope));
    app.register(async (scope) => routes(scope), { prefix: '/prefix' });
    app.post('/internal/undeclared', async () => ({ leaked: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    app.server.on('connection', (socket) => sockets.add(socket));
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => app?.close());

  const kpi = async (url = base, token?: string) =>
    callRecord(url, 'kpiChildren', {}, { context: token ?? (await context()), unavailable });

  it('sends the body and the caller’s context, and reuses its connections (keep-alive)', async () => {
    answer = () => undefined;
    let opened = 0;
    for (let i = 0; i < 10; i++) {
      if (i === 3) opened = sockets.size; // undici may open a second socket while the first is released
      const token = await context();
      expect(await kpi(base, token)).toEqual({ councils: [token], childIds: [] });
    }
    expect(opened).toBeGreaterThan(0);
    expect(sockets.size).toBe(opened);
  });

  it('keeps a path prefix of the base URL (a proxy in front of the record)', async () => {
    answer = () => ({ councils: ['la-1'], childIds: [CHILD] });
    expect(await kpi(`${base}/prefix/`)).toEqual({ councils: ['la-1'], childIds: [CHILD] });
  });

  it('answers exactly the declared shape: the serializer drops what the schema does not name', async () => {
    const { facts } = await callRecord(
      base,
      'accessFacts',
      { childIds: [CHILD] },
      { context: await context(), unavailable },
    );
    expect(facts).toEqual([
      {
        childId: CHILD,
        dateOfBirth: '2015-01-01',
        relationships: [{ orgId: 'school-1', kind: 'on_roll', active: true }],
        parentCarerSubs: [],
        youngPersonSub: null,
        parentAccessConfirmedByYoungPerson: false,
        consents: [],
        breakGlass: [],
      },
    ]);
  });

  it('maps 403, 404 and 409 to the catalogue with the record’s own message', async () => {
    for (const [code, message] of [
      ['FORBIDDEN', 'Only a health practitioner involved with this child may write health advice.'],
      ['NOT_FOUND', 'No EHC needs assessment has id x.'],
      ['CONFLICT', 'Already marked.'],
    ] as const) {
      answer = () => new HubError(code, message);
      await expect(kpi()).rejects.toMatchObject({ code, message });
    }
  });

  it('a body the schema refuses is 400 INVALID_INPUT with the definition’s message, before the handler', async () => {
    const refused = callRecord(
      base,
      'accessFacts',
      { childIds: ['not-a-uuid'] },
      { context: await context(), unavailable },
    );
    await expect(refused).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/^childIds must be an array of at most 500 UUIDs \(body\/childIds\/0 /),
    });
  });

  it('only a 5xx, a refused context, a broken answer or no record at all is UNAVAILABLE', async () => {
    answer = () => new Error('database exploded at 10.0.0.7');
    await expect(kpi()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: unavailable });
    // The context expired on its way: a new request (a new context) fixes it, not signing in again.
    await expect(kpi(base, 'expired')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: unavailable });
    // A handler answering another shape than its schema's is the record's fault (500).
    answer = () => ({ councils: 'not a list', childIds: [] });
    await expect(kpi()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: unavailable });
    const closed = Fastify({ logger: false });
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const address = closed.server.address();
    await closed.close();
    const gone = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await expect(kpi(gone)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: unavailable });
    // And the pool still works after all of that.
    answer = () => ({ councils: [], childIds: [] });
    expect(await kpi()).toEqual({ councils: [], childIds: [] });
  });

  it('a route that declares no access kind is closed, even to a caller with a valid context', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/internal/undeclared',
      headers: { 'x-hub-context': await context() },
      payload: {},
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({
      error: { code: 'FORBIDDEN', message: 'This route declares no access kind, so it is closed.' },
    });
  });
});
