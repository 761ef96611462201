import {
  INTERNAL_CONTEXT_HEADER,
  SERVICE_TOKEN_HEADER,
  signInternalContext,
  signServiceToken,
} from '@hub/auth';
import { aPrincipal } from '@hub/policy/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internalContextPlugin, requireContext } from './internal-context-plugin.ts';

const secret = 'k'.repeat(40);
const senco = aPrincipal({ role: 'senco' });
const context = () => signInternalContext(secret, { principal: senco, requestId: 'req-1', purpose: null });

/**
 * A service shaped like buildSubgraph's: the guard first, then routes declared every way a
 * service might (synchronously at the top level, in an encapsulated plugin, under a prefix),
 * each with its access kind, and two that forgot it. None of them names a path the guard knows about.
 */
function buildService(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.register(internalContextPlugin, { secret });
  const who = (request: { hubContext: unknown }) => ({ ok: true, caller: request.hubContext !== null });
  const context = { config: { hubAccess: 'context' } } as const;
  app.get('/plain', context, async (request) => who(request));
  app.post('/internal/facts', context, async (request) => ({ facts: requireContext(request).principal.sub }));
  app.register(async (scoped) => {
    scoped.get('/scoped', context, async (request) => who(request));
    scoped.get('/scoped-undeclared', async (request) => who(request));
  });
  app.register(
    async (scoped) => {
      scoped.get('/thing', context, async (request) => who(request));
    },
    { prefix: '/prefixed' },
  );
  app.get('/undeclared', async (request) => who(request));
  app.get('/health', { config: { hubAccess: 'public' } }, async () => ({ status: 'ok' }));
  app.post('/graphql', { config: { hubAccess: 'graphql' } }, async (request) => who(request));
  app.get('/graphql', { config: { hubAccess: 'graphql' } }, async (request) => who(request));
  app.post('/internal/events', { config: { serviceAuth: 'audit-writer' } }, async () => ({ stored: true }));
  return app;
}

describe('internal-context guard: bound to the matched route, deny by default', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = buildService();
    await app.ready();
  });
  afterAll(() => app.close());

  const call = async (
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers,
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    });

  it('refuses every context route without a context, wherever and however it was registered', async () => {
    for (const [method, url] of [
      ['GET', '/plain'],
      ['HEAD', '/plain'],
      ['GET', '/scoped'],
      ['GET', '/prefixed/thing'],
      ['POST', '/internal/facts'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
      if (method !== 'HEAD')
        expect(response.json(), url).toEqual({
          error: {
            code: 'UNAUTHENTICATED',
            message: 'This service only accepts requests from the hub gateway.',
          },
        });
    }
  });

  it('refuses a percent-encoded spelling of a protected route the same way (the router decodes it)', async () => {
    for (const url of ['/%70lain', '/%69nternal/facts', '/%73coped', '/pre%66ixed/thing']) {
      const response = await app.inject({ method: url.includes('facts') ? 'POST' : 'GET', url });
      expect(response.statusCode, url).toBe(401);
    }
  });

  it('serves context routes to a caller with a verified context, which the handler sees', async () => {
    const headers = { [INTERNAL_CONTEXT_HEADER]: await context() };
    for (const url of ['/plain', '/scoped', '/prefixed/thing']) {
      const response = await call('GET', url, headers);
      expect(response.statusCode, url).toBe(200);
      expect(response.json()).toEqual({ ok: true, caller: true });
    }
    expect((await call('POST', '/internal/facts', headers, {})).json()).toEqual({ facts: senco.sub });
  });

  it('closes a route that declares no access kind to every caller, even one with a valid context', async () => {
    const headers = { [INTERNAL_CONTEXT_HEADER]: await context() };
    for (const url of ['/undeclared', '/scoped-undeclared']) {
      for (const method of ['GET', 'HEAD'] as const) {
        for (const sent of [{}, headers]) {
          const response = await app.inject({ method, url, headers: sent });
          expect(response.statusCode, `${method} ${url}`).toBe(403);
          if (method === 'GET')
            expect(response.json()).toEqual({
              error: { code: 'FORBIDDEN', message: 'This route declares no access kind, so it is closed.' },
            });
        }
      }
    }
  });

  it('refuses a forged, foreign or expired context with the reason', async () => {
    const foreign = await signInternalContext('f'.repeat(40), {
      principal: senco,
      requestId: 'r',
      purpose: null,
    });
    const service = await signServiceToken(secret, 'audit-writer', 'r');
    for (const token of ['not-a-jwt', foreign, service]) {
      const response = await call('GET', '/plain', { [INTERNAL_CONTEXT_HEADER]: token });
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Internal context is missing, expired or not signed by the gateway.',
      });
    }
  });

  it('leaves public routes open and answers unknown paths 404, not 401', async () => {
    expect((await call('GET', '/health')).statusCode).toBe(200);
    expect((await call('GET', '/nothing-here')).statusCode).toBe(404);
    expect((await call('GET', '/internal/nothing')).statusCode).toBe(404);
  });

  it('lets only the SDL query through /graphql without a context (POST and GET)', async () => {
    const sdl = '{ _service { sdl } }';
    expect((await call('POST', '/graphql', {}, { query: sdl })).statusCode).toBe(200);
    expect((await call('GET', `/graphql?query=${encodeURIComponent(sdl)}`)).statusCode).toBe(200);
    for (const query of ['{ child(id: "x") { id } }', `${sdl} { __schema { types { name } } }`, '']) {
      expect((await call('POST', '/graphql', {}, { query })).statusCode, query).toBe(401);
      expect((await call('GET', `/graphql?query=${encodeURIComponent(query)}`)).statusCode, query).toBe(401);
    }
    const refused = await call('POST', '/graphql', {}, [{ query: sdl }]);
    expect(refused.statusCode).toBe(401);
    // The GraphQL route refuses in GraphQL's shape.
    expect(refused.json()).toEqual({
      data: null,
      errors: [
        {
          message: 'This service only accepts requests from the hub gateway.',
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
    const withContext = await call(
      'POST',
      '/graphql',
      { [INTERNAL_CONTEXT_HEADER]: await context() },
      { query: '{ x }' },
    );
    expect(withContext.json()).toEqual({ ok: true, caller: true });
  });

  it('checks the service token of a service-authenticated route before its handler runs', async () => {
    const events = (headers: Record<string, string>) => call('POST', '/internal/events', headers, {});
    expect((await events({})).statusCode).toBe(401);
    expect((await events({ [SERVICE_TOKEN_HEADER]: await context() })).statusCode).toBe(401);
    expect(
      (await events({ [SERVICE_TOKEN_HEADER]: await signServiceToken('f'.repeat(40), 'audit-writer', 'r') }))
        .statusCode,
    ).toBe(401);
    // A user context is no substitute for the service token.
    expect((await events({ [INTERNAL_CONTEXT_HEADER]: await context() })).statusCode).toBe(401);
    const ok = await events({ [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'audit-writer', 'r') });
    expect(ok.statusCode).toBe(200);
  });
});

describe('requireContext: handlers refuse on their own', () => {
  it('answers 401 UNAUTHENTICATED when no guard ran at all', async () => {
    const app = Fastify({ logger: false });
    app.post('/internal/facts', async (request) => ({ facts: requireContext(request).principal.sub }));
    const response = await app.inject({
      method: 'POST',
      url: '/internal/facts',
      headers: { [INTERNAL_CONTEXT_HEADER]: await context() },
      payload: {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'This service only accepts requests from the hub gateway.',
    });
    await app.close();
  });
});
