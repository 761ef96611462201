import { gunzipSync } from 'node:zlib';
import { INTERNAL_CONTEXT_HEADER } from '@hub/auth';
import { ACCESS_EXTENSION, type AccessReport } from '@hub/service-kit';
import { traceOutgoing } from '@hub/telemetry';
import { Pool } from 'undici';

/** What a subgraph call made for a live request reports to: its sink and its time budget. */
interface Binding {
  sink: AccessReport[];
  signal: AbortSignal | undefined;
}

/** Why a call is refused when the request it was made for has already ended (answered or gone). */
export const REQUEST_ENDED = new Error('The request this call was made for has ended.');
REQUEST_ENDED.name = 'AbortError';

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
 * option) whose responses are read here. The request a call belongs to is found by the signed
 * internal context it carries (`x-hub-context`, written by the gateway's `rewriteHeaders` for
 * that request and no other: it holds the request's random nonce), which `bind` registered
 * with the request's report sink and time budget until the request ended (`release`). Not an
 * AsyncLocalStorage (as before): that turned on Node's promise hooks for every promise of the
 * process (≈2% of the gateway's CPU), and the token names the request exactly.
 * Calls without a context (the start-up SDL fetch, which has no caller) pass through
 * untouched; a call carrying a context that is not bound (its request has ended) is refused
 * before anything is sent, as the ended request's aborted budget refused it before.
 *
 * Each response is parsed here ONCE: the reports are taken out and the parsed answer is handed
 * to the gateway (`body.parsed`, read by our patch of @mercuriusjs/gateway's request.js),
 * which otherwise parsed the same text a second time.
 */
export class AccessTap {
  readonly #bound = new Map<string, Binding>();
  readonly #pools: Pool[] = [];

  /**
   * Subgraph calls carrying `token` report to `sink` and are cancelled with `signal`. The
   * binding ends with `release`, or when `signal` aborts (the time budget ran out, or the
   * response has gone: limits.ts aborts it on close, which a client that hangs up also causes);
   * a signal already aborted binds nothing.
   */
  bind(token: string, sink: AccessReport[], signal: AbortSignal | undefined): void {
    if (signal?.aborted) return;
    this.#bound.set(token, { sink, signal });
    signal?.addEventListener('abort', () => this.#bound.delete(token), { once: true });
  }

  /** The request of `token` has ended: calls still carrying it are refused. */
  release(token: string): void {
    this.#bound.delete(token);
  }

  /** How many request contexts are bound now (tests: nothing is left behind). */
  get boundCount(): number {
    return this.#bound.size;
  }

  /** An agent for one subgraph URL, for the gateway's `service.agent` option. */
  agentFor(url: string) {
    // The gateway applies none of its own pool options to an external agent: these are its defaults.
    const origin = new URL(url).origin;
    const path = new URL(url).pathname;
    const pool = new Pool(origin, {
      connections: 10,
      bodyTimeout: 30_000,
      headersTimeout: 30_000,
      keepAliveMaxTimeout: 5_000,
    });
    this.#pools.push(pool);
    const bound = this.#bound;
    return {
      async request(options: Parameters<Pool['request']>[0]) {
        const headers = options.headers as Record<string, string> | undefined;
        const token = headers?.[INTERNAL_CONTEXT_HEADER];
        const binding = token === undefined ? undefined : bound.get(token);
        if (token !== undefined && !binding) throw REQUEST_ENDED;
        // Aborted when the request runs out of its time budget or ends (limits.ts).
        const signal = binding?.signal;
        // A CLIENT span and its traceparent, when tracing is on (@hub/telemetry).
        const response = await traceOutgoing({ method: options.method, origin, path }, (trace) => {
          const traced = { ...options, headers: { ...headers, ...trace } };
          return pool.request(signal ? { ...traced, signal } : traced);
        });
        if (!binding) return response;
        const raw = Buffer.from(await response.body.arrayBuffer());
        const gzip = response.headers['content-encoding'] === 'gzip';
        const text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
        const { 'content-encoding': _encoding, ...rest } = response.headers;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON: the gateway parses the text itself and reports the failure as it always did.
          return { statusCode: response.statusCode, headers: rest, body: { text: async () => text } };
        }
        binding.sink.push(...reportsOf(parsed));
        // The shape the gateway reads: status, headers and a body; `parsed` spares it a second parse.
        return { statusCode: response.statusCode, headers: rest, body: { parsed, text: async () => text } };
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

/** Reports in one parsed response (a single result, or a batch of results). */
function reportsOf(json: unknown): AccessReport[] {
  const results = Array.isArray(json) ? json : [json];
  return results.flatMap((result) => {
    const reports = (result as { extensions?: Record<string, unknown> } | null)?.extensions?.[
      ACCESS_EXTENSION
    ];
    return Array.isArray(reports) ? (reports as AccessReport[]) : [];
  });
}
