import { INTERNAL_CONTEXT_HEADER, SERVICE_TOKEN_HEADER } from '@hub/auth';
import { traceOutgoing } from '@hub/telemetry';
import { type Dispatcher, Pool } from 'undici';
import { HubError, type HubErrorCode } from './errors.ts';
import { RECORD_API, type RecordAnswer, type RecordBody, type RecordRouteName } from './record-api.ts';

/**
 * One keep-alive connection pool per record service origin, shared by every request of this
 * process. Why not global `fetch`: its WHATWG Request/Response/stream machinery cost an adapter
 * 16-20% of its CPU for these small JSON calls (profiled; see scripts/bench/record-load.ts).
 * undici's `request` is the same HTTP client underneath without that layer. Idle sockets are
 * unref'd by undici, so the pools never keep a process alive.
 */
const recordPools = new Map<string, Pool>();

function recordPool(origin: string): Pool {
  let pool = recordPools.get(origin);
  if (!pool) {
    pool = new Pool(origin, {
      connections: 10,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      keepAliveTimeout: 4_000,
    });
    recordPools.set(origin, pool);
  }
  return pool;
}

/**
 * What a refusal of the record means to the person who asked. The record's own message goes
 * along: it says what is wrong (who may write this advice, which assessment is unknown).
 * 401 is not the practitioner's sign-in: it means the gateway-signed context this call carried
 * was refused (expired on the way, or a misconfigured secret), which a new request fixes.
 */
const CODE_OF_STATUS: Record<number, HubErrorCode> = {
  400: 'INVALID_INPUT',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'INVALID_INPUT',
};

export interface RecordCall {
  /** The caller's gateway-signed context (routes with `hubAccess: 'context'`). */
  context?: string;
  /** A service token (routes with `serviceAuth`). */
  serviceToken?: string;
  /** The UNAVAILABLE message: no answer, 5xx, a refused context, or a broken answer. */
  unavailable: string;
  /** Another pool than the shared one (the gateway keeps its own, with its own timeouts). */
  dispatcher?: Dispatcher;
  timeoutMs?: number;
}

/**
 * A call to one of the record service's internal routes, typed by its definition (RECORD_API):
 * the route's path, its body type and its answer type all come from the route's name. The answer
 * is not validated here (the record's serializer writes exactly the declared shape; see record-api).
 *
 * Errors keep their meaning: 400 → INVALID_INPUT, 403 → FORBIDDEN, 404 → NOT_FOUND,
 * 409 → CONFLICT, each with the record's message; only no answer, a 5xx, a refused context or a
 * broken answer is UNAVAILABLE ("try again"). Nothing changes on the caller's side in any case.
 */
export async function callRecord<N extends RecordRouteName>(
  recordBaseUrl: string,
  name: N,
  body: RecordBody<N>,
  call: RecordCall,
): Promise<RecordAnswer<N>> {
  const { url } = RECORD_API[name];
  const base = new URL(recordBaseUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (call.context !== undefined) headers[INTERNAL_CONTEXT_HEADER] = call.context;
  if (call.serviceToken !== undefined) headers[SERVICE_TOKEN_HEADER] = call.serviceToken;
  let response: Dispatcher.ResponseData;
  try {
    // A CLIENT span, and its traceparent on the call, when tracing is on (@hub/telemetry).
    response = await traceOutgoing({ method: 'POST', origin: base.origin, path: url }, (trace) =>
      (call.dispatcher ?? recordPool(base.origin)).request({
        // A base URL may carry a path prefix (a proxy in front of the record service).
        path: `${base.pathname.replace(/\/+$/, '')}${url}`,
        method: 'POST',
        headers: { ...headers, ...trace },
        body: JSON.stringify(body),
        ...(call.timeoutMs !== undefined
          ? { headersTimeout: call.timeoutMs, bodyTimeout: call.timeoutMs }
          : {}),
      }),
    );
  } catch {
    throw new HubError('UNAVAILABLE', call.unavailable);
  }
  if (response.statusCode >= 200 && response.statusCode <= 299) {
    try {
      return (await response.body.json()) as RecordAnswer<N>;
    } catch {
      // The connection broke, or the body is not JSON, half way through the answer.
      throw new HubError('UNAVAILABLE', call.unavailable);
    }
  }
  const code = CODE_OF_STATUS[response.statusCode];
  if (!code) {
    // Read and drop the body so the connection goes back to the pool.
    await response.body.dump().catch(() => {});
    throw new HubError('UNAVAILABLE', call.unavailable);
  }
  throw new HubError(code, (await refusalMessage(response)) ?? 'The record service refused this request.');
}

/** The record's message from its problem answer `{ error: { code, message } }`, if it sent one. */
async function refusalMessage(response: Dispatcher.ResponseData): Promise<string | undefined> {
  try {
    const body = (await response.body.json()) as { error?: { message?: unknown } } | null;
    const message = body?.error?.message;
    return typeof message === 'string' && message.length > 0 ? message : undefined;
  } catch {
    return undefined;
  }
}
