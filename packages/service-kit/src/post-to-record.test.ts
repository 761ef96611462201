import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postToRecord } from './access.ts';

const messages = { unavailable: 'record unavailable', refused: 'record refused' };

/** A stand-in record service over real HTTP on port 0: echoes, refuses, or breaks its answer. */
describe('postToRecord (keep-alive pool to the record service)', () => {
  let app: FastifyInstance;
  let base: string;
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    app = Fastify({ logger: false });
    app.post('/internal/echo', async (request) => ({
      body: request.body,
      context: request.headers['x-hub-context'],
    }));
    app.post('/prefix/internal/echo', async () => ({ prefixed: true }));
    app.post('/internal/refuse', async (_request, reply) => reply.code(403).send({ error: 'no' }));
    app.post('/internal/not-json', async (_request, reply) => reply.type('application/json').send('{"half'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    app.server.on('connection', (socket) => sockets.add(socket));
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => app?.close());

  it('sends the body and the caller’s context, and reuses its connections (keep-alive)', async () => {
    let opened = 0;
    for (let i = 0; i < 10; i++) {
      if (i === 3) opened = sockets.size; // undici may open a second socket while the first is released
      const answer = await postToRecord<{ body: unknown; context: string }>(
        base,
        `token-${i}`,
        '/internal/echo',
        { childIds: [String(i)] },
        messages,
      );
      expect(answer).toEqual({ body: { childIds: [String(i)] }, context: `token-${i}` });
    }
    expect(opened).toBeGreaterThan(0);
    expect(sockets.size).toBe(opened);
  });

  it('keeps a path prefix of the base URL (a proxy in front of the record)', async () => {
    expect(await postToRecord(`${base}/prefix/`, 't', '/internal/echo', {}, messages)).toEqual({
      prefixed: true,
    });
  });

  it('a refusal is UNAVAILABLE with the refused message, and the connection stays usable', async () => {
    await expect(postToRecord(base, 't', '/internal/refuse', {}, messages)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'record refused',
    });
    expect(await postToRecord(base, 't', '/internal/echo', { ok: 1 }, messages)).toMatchObject({
      body: { ok: 1 },
    });
  });

  it('a broken answer, or no record service at all, is UNAVAILABLE with the unavailable message', async () => {
    await expect(postToRecord(base, 't', '/internal/not-json', {}, messages)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'record unavailable',
    });
    const closed = Fastify({ logger: false });
    await closed.listen({ host: '127.0.0.1', port: 0 });
    const address = closed.server.address();
    await closed.close();
    const gone = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    await expect(postToRecord(gone, 't', '/internal/echo', {}, messages)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'record unavailable',
    });
  });
});
