import { AsyncLocalStorage } from 'node:async_hooks';
import { gunzipSync } from 'node:zlib';
import { ACCESS_EXTENSION, type AccessReport } from '@hub/service-kit';
import { traceOutgoing } from '@hub/telemetry';
import { Pool } from 'undici';
import { currentRequestSignal } from './limits.ts';

/**
 * Reads the `extensions.hubAccess` reports out of EVERY subgraph response of a request.
 *
 * Why not mercurius-gateway's `collectors: { collectExtensions: true }`: collectors only see
 * the responses of root fields (lib/gateway/make-resolver.js collects in the query branch
 * only). Sections of a child (education, health, social care) are fetched through
 * `_entities` requests, whose extensions are dropped, so the audit event would miss exactly
 * the sensitive fields. Collectors also key results by field path, so two calls for the
 * same path overwrite each other.
 *
 * Instead each subgraph gets an undici pool (the gateway's documented `service.agent`
 * option) whose responses are read here. The request they belong to is found through
 * AsyncLocalStorage: the audit plugin runs each /graphql handler inside `collect(sink)`, and
 * the gateway's subgraph calls happen inside that handler's async context. Responses outside
 * any request (the start-up SDL fetch) pass through untouched.
 */
export class AccessTap {
  readonly #current = new AsyncLocalStorage<AccessReport[]>();
  readonly #pools: Pool[] = [];

  /** Runs `fn` (and everything it awaits) with `sink` receiving the access reports. */
  collect<T>(sink: AccessReport[], fn: () => T): T {
    return this.#current.run(sink, fn);
  }

  /** An agent for one subgraph URL, for the gateway's `service.agent` option. */
  agentFor(url: string) {
    // The gateway applies none of its own pool options to an external agent: these are its defaults.
    const origin = new URL(url).origin;
    const pool = new Pool(origin, {
      connections: 10,
      bodyTimeout: 30_000,
      headersTimeout: 30_000,
      keepAliveMaxTimeout: 5_000,
    });
    this.#pools.push(pool);
    const current = this.#current;
    return {
      async request(options: Parameters<Pool['request']>[0]) {
        // Aborted when the request runs out of its time budget (limits.ts).
        const signal = currentRequestSignal();
        // A CLIENT span and its traceparent, when tracing is on (@hub/telemetry). Here, in the
        // request's own context: the pool may start the call later from another request's.
        const response = await traceOutgoing(
          { method: options.method, origin, path: new URL(url).pathname },
          (trace) => {
            const traced = {
              ...options,
              headers: { ...(options.headers as Record<string, string>), ...trace },
            };
            return pool.request(signal ? { ...traced, signal } : traced);
          },
        );
        const sink = current.getStore();
        if (!sink) return response;
        const raw = Buffer.from(await response.body.arrayBuffer());
        const gzip = response.headers['content-encoding'] === 'gzip';
        const text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
        sink.push(...reportsIn(text));
        const { 'content-encoding': _encoding, ...headers } = response.headers;
        // The shape the gateway reads: status, headers and a body it calls text() on.
        return { statusCode: response.statusCode, headers, body: { text: async () => text } };
      },
      // The gateway never closes an external agent; close() below does.
      destroy: () => pool.destroy(),
      close: () => pool.close(),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.close()));
  }
}

/** Reports in one response body (a single result, or a batch of results). */
export function reportsIn(text: string): AccessReport[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const results = Array.isArray(json) ? json : [json];
  return results.flatMap((result) => {
    const reports = (result as { extensions?: Record<string, unknown> } | null)?.extensions?.[
      ACCESS_EXTENSION
    ];
    return Array.isArray(reports) ? (reports as AccessReport[]) : [];
  });
}
