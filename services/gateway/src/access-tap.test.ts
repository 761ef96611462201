import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { INTERNAL_CONTEXT_HEADER } from '@hub/auth';
import type { AccessReport } from '@hub/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTap, REQUEST_ENDED } from './access-tap.ts';

// A subgraph stand-in over real HTTP: answers with an access report naming the context it got.
let server: Server;
let url: string;
const received: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    const context = String(req.headers[INTERNAL_CONTEXT_HEADER] ?? 'none');
    received.push(context);
    req.resume();
    req.on('end', () => {
      // A slow subgraph for this one context: answers only once the caller has gone.
      if (context === 'ctx-slow') {
        res.on('close', () => {});
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          data: { ok: true },
          extensions: { hubAccess: [{ childId: context, subject: 'Child', fieldsReturned: ['id'] }] },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = (agent: ReturnType<AccessTap['agentFor']>, context?: string) =>
  agent.request({
    origin: new URL(url).origin,
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      ...(context ? { [INTERNAL_CONTEXT_HEADER]: context } : {}),
    },
    body: '{}',
  }) as Promise<{ statusCode: number; body: { parsed?: unknown; text(): Promise<string> } }>;

describe('AccessTap: a subgraph answer reaches the request whose signed context it carried', () => {
  it('concurrent requests each collect exactly their own reports; the answer is parsed once and handed on', async () => {
    const tap = new AccessTap();
    const agent = tap.agentFor(url);
    const sinks = new Map<string, AccessReport[]>();
    for (const token of ['ctx-a', 'ctx-b', 'ctx-c']) {
      sinks.set(token, []);
      tap.bind(token, sinks.get(token)!, undefined);
    }
    const answers = await Promise.all(
      ['ctx-a', 'ctx-b', 'ctx-c', 'ctx-a', 'ctx-b', 'ctx-c'].map((token) => call(agent, token)),
    );
    for (const [token, sink] of sinks) {
      expect(sink.map((r) => r.childId)).toEqual([token, token]);
    }
    // The gateway gets the parsed answer (no second parse) and the text, the same answer.
    const first = answers[0]!;
    expect(first.body.parsed).toMatchObject({ data: { ok: true } });
    expect(JSON.parse(await first.body.text())).toEqual(first.body.parsed);
    await tap.close();
  });

  it('a call carrying a released context is refused before anything is sent', async () => {
    const tap = new AccessTap();
    const agent = tap.agentFor(url);
    tap.bind('ctx-ended', [], undefined);
    tap.release('ctx-ended');
    expect(tap.boundCount).toBe(0);
    const before = received.length;
    await expect(call(agent, 'ctx-ended')).rejects.toBe(REQUEST_ENDED);
    // A context nobody bound at all is refused the same way.
    await expect(call(agent, 'ctx-never-bound')).rejects.toBe(REQUEST_ENDED);
    expect(received.length).toBe(before);
    await tap.close();
  });

  it('a call without a context (the start-up SDL fetch) passes through untouched', async () => {
    const tap = new AccessTap();
    const agent = tap.agentFor(url);
    const sink: AccessReport[] = [];
    tap.bind('ctx-other', sink, undefined);
    const answer = await call(agent);
    expect(answer.statusCode).toBe(200);
    expect(answer.body.parsed).toBeUndefined();
    expect(JSON.parse(await answer.body.text())).toMatchObject({ data: { ok: true } });
    expect(sink).toEqual([]);
    await tap.close();
  });

  it('the bound time budget cancels a call in flight, and later calls are refused', async () => {
    const tap = new AccessTap();
    const agent = tap.agentFor(url);
    const controller = new AbortController();
    tap.bind('ctx-slow', [], controller.signal);
    const before = received.length;
    const pending = call(agent, 'ctx-slow');
    await expect.poll(() => received.length).toBe(before + 1);
    const reason = new Error('out of time');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    // And the ended request's context is refused from then on.
    await expect(call(agent, 'ctx-slow')).rejects.toBe(REQUEST_ENDED);
    await tap.close();
  });
});

describe('AccessTap bindings end with their request', () => {
  it('an aborted budget releases the binding; an already aborted one binds nothing', async () => {
    const tap = new AccessTap();
    const controller = new AbortController();
    tap.bind('ctx-x', [], controller.signal);
    expect(tap.boundCount).toBe(1);
    controller.abort();
    expect(tap.boundCount).toBe(0);
    tap.bind('ctx-y', [], controller.signal);
    expect(tap.boundCount).toBe(0);
    await tap.close();
  });
});
