import { createServer, type Server } from 'node:http';
import { RECORD_API } from '@hub/service-kit';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_ADVICE, healthAdviceChild, healthAdviceRows } from './health-advice-fixtures.ts';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

const CREATE = `mutation ($childId: ID!, $input: HealthAdviceInput!) { createHealthAdviceDraft(childId: $childId, input: $input) { id } }`;

/**
 * What the practitioner is told when the record refuses an adapter's call, through the whole hub:
 * the gateway, the real health adapter and the real record, with a pass-through proxy between the
 * adapters and the record that can answer one route itself (as the record would refuse it, in
 * its problem shape, or fail as a broken record would). Before: every refusal was "unavailable,
 * try again". Now a refusal keeps its meaning and the record's message; only a failure is
 * UNAVAILABLE. The record itself answering 403/404/400 is tested in
 * services/record/test/internal-routes.int.test.ts.
 */
describe('the record’s refusals reach the practitioner as they are', () => {
  let hub: TestHub;
  let proxy: Server;
  let child: SyntheticChild;
  /** Paths the record was asked through the proxy, by the adapters. */
  const asked: string[] = [];
  let refuse: { path: string; status: number; body: unknown } | null = null;
  const hp = () => demoUser(hub.dataset, 'demo-health-1');
  const rows = () => healthAdviceRows(hub, child.id);

  beforeAll(async () => {
    let record = '';
    proxy = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const path = request.url ?? '/';
      asked.push(path);
      if (refuse && refuse.path === path) {
        response.writeHead(refuse.status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(refuse.body));
        return;
      }
      const answer = await fetch(`${record}${path}`, {
        method: request.method ?? 'POST',
        // The hub's own headers (context, service token) and the content type; nothing hop-by-hop.
        headers: Object.fromEntries(
          Object.entries(request.headers).filter(
            (e): e is [string, string] =>
              typeof e[1] === 'string' && (e[0].startsWith('x-') || e[0] === 'content-type'),
          ),
        ),
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    const proxyUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    hub = await startHub({
      children: 80,
      adapterRecordUrl: (url) => {
        record = url;
        return proxyUrl;
      },
    });
    child = healthAdviceChild(hub);
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['health']);
  });
  afterAll(async () => {
    await hub?.close();
    await new Promise((resolve) => proxy?.close(resolve));
  });

  const create = () =>
    hub.query(CREATE, { as: hp(), variables: { childId: child.id, input: HEALTH_ADVICE } });

  it('one advice action asks the record one question (it was two: facts, then the assessment)', async () => {
    refuse = null;
    asked.length = 0;
    const answer = await create();
    // Consent given, no assessment in progress: the health service's own answer, from that one call.
    expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(asked).toEqual([RECORD_API.adviceContext.url]);
  });

  it('403, 404 and 400 from the record are FORBIDDEN, NOT_FOUND and INVALID_INPUT with its message', async () => {
    for (const [status, code, message] of [
      [403, 'FORBIDDEN', 'Only a health practitioner involved with this child may write health advice.'],
      [404, 'NOT_FOUND', 'No EHC needs assessment has id 1f0e7a52-5d1c-4c55-9d3e-2b8b1c7f6a10.'],
      [400, 'INVALID_INPUT', 'childId must be a UUID (body/childId must match pattern).'],
    ] as const) {
      refuse = { path: RECORD_API.adviceContext.url, status, body: { error: { code, message } } };
      const answer = await create();
      expect(answer.errors, String(status)).toEqual([
        expect.objectContaining({ message, extensions: expect.objectContaining({ code }) }),
      ]);
    }
    expect(await rows()).toBe(0);
  });

  it('only a failure of the record (5xx, or no answer it can read) is UNAVAILABLE, try again', async () => {
    for (const [status, body] of [
      [500, { statusCode: 500, error: 'Internal Server Error', message: 'boom at 10.0.0.7' }],
      [502, 'Bad Gateway'],
      [503, { error: { code: 'UNAVAILABLE', message: 'down for maintenance' } }],
    ] as const) {
      refuse = { path: RECORD_API.adviceContext.url, status, body };
      const answer = await create();
      expect(answer.errors, String(status)).toEqual([
        expect.objectContaining({
          message: 'The EHC assessment record is unavailable; health advice cannot be saved right now.',
          extensions: expect.objectContaining({ code: 'UNAVAILABLE' }),
        }),
      ]);
      expect(JSON.stringify(answer.errors)).not.toMatch(/10\.0\.0\.7|maintenance/);
    }
    expect(await rows()).toBe(0);
  });

  it('a read keeps the meaning too: the access facts refused with 403 is FORBIDDEN on that field', async () => {
    const message = 'The record refused to say who may see this child.';
    refuse = {
      path: RECORD_API.accessFacts.url,
      status: 403,
      body: { error: { code: 'FORBIDDEN', message } },
    };
    const answer = await hub.query(`query ($id: ID!) { child(id: $id) { id healthAdvice { id } } }`, {
      as: hp(),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    refuse = null;
    expect(answer.errors).toEqual([
      expect.objectContaining({ message, extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
    ]);
    expect(answer.data).toMatchObject({ child: { id: child.id, healthAdvice: null } });
  });
});
