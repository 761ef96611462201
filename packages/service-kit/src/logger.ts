import { randomUUID } from 'node:crypto';
import { context, isSpanContextValid, trace } from '@hub/telemetry';
import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify';
import type { DestinationStream } from 'pino';

/**
 * Error properties a log line may carry: what an operator needs to find the fault (which SQL,
 * which constraint, which PostgreSQL error code), never the values. Everything else an error
 * object holds is dropped, because libraries hang the query's values on their errors:
 * drizzle's DrizzleQueryError has `params` and repeats them in its message ("params: …");
 * postgres.js adds `parameters`/`args` (enumerable in debug mode) and PostgreSQL's `detail`
 * quotes the row ("Key (nhs_number)=(…) already exists", "Failing row contains (…)").
 * An allow-list rather than a deny-list: the next library's new property stays out by default.
 */
const SAFE_ERROR_FIELDS = [
  'code',
  'severity',
  'routine',
  'schema_name',
  'table_name',
  'column_name',
  'constraint_name',
  'statusCode',
  'errno',
  'syscall',
] as const;

/** Where a nested error may hide: wrapped by drizzle (`cause`), graphql-js (`originalError`), AggregateError. */
const MAX_DEPTH = 4;

/** drizzle: "Failed query: <sql>\nparams: <values>". Everything from "params:" on is values. */
const PARAMS_TAIL = /\n\s*params:[\s\S]*$/;

/** The message with any values removed. SQL text stays: drizzle and postgres.js bind values as $1, $2… */
export function scrubMessage(message: string): string {
  return message.replace(PARAMS_TAIL, '\nparams: [redacted]');
}

export interface SafeError {
  type: string;
  message: string;
  stack: string;
  /** The SQL text of a failed query (placeholders, no values). */
  query?: string;
  cause?: SafeError;
  [field: string]: unknown;
}

/**
 * pino `err` serializer for every service: type, scrubbed message, stack frames (without the
 * message the stack repeats), SQL text and PostgreSQL's error code and object names, nested
 * causes the same way. Never parameters, `detail`, `where` or any other property.
 */
export function serializeError(value: unknown, depth = 0): SafeError {
  if (typeof value !== 'object' || value === null)
    return { type: typeof value, message: scrubMessage(String(value)), stack: '' };
  const error = value as Record<string, unknown> & { message?: unknown; stack?: unknown };
  const message = scrubMessage(typeof error.message === 'string' ? error.message : String(error));
  const type =
    (error.constructor as { name?: string } | undefined)?.name ??
    (typeof error.name === 'string' ? error.name : 'Error');
  const out: SafeError = { type, message, stack: '' };
  if (typeof error.stack === 'string') {
    // The stack's first lines are the message again: keep only the frames.
    const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
    out.stack = [`${type}: ${message}`, ...frames].join('\n');
  }
  for (const field of SAFE_ERROR_FIELDS) {
    const v = error[field];
    if (typeof v === 'string' || typeof v === 'number') out[field] = v;
  }
  const code = (error.extensions as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') out.code ??= code;
  if (typeof error.query === 'string') out.query = error.query;
  if (depth < MAX_DEPTH) {
    const inner = error.cause ?? error.originalError;
    if (typeof inner === 'object' && inner !== null)
      out.cause = serializeError(inner, depth + 1) as SafeError;
    if (Array.isArray(error.errors))
      out.errors = error.errors.slice(0, 10).map((e) => serializeError(e, depth + 1));
  }
  return out;
}

const logError = (value: unknown) => serializeError(value);

const NO_TRACE = {};

/** The active span's ids in the W3C form collectors index (32 and 16 hex digits); nothing outside a span. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return NO_TRACE;
  const { traceId, spanId } = span.spanContext();
  if (!isSpanContextValid(span.spanContext())) return NO_TRACE;
  return { trace_id: traceId, span_id: spanId };
}

/**
 * ONE log line per request instead of Fastify's two ("incoming request" when it arrives,
 * "request completed" when it leaves): the completion line carries what the first one did
 * (method, URL, host, remote address and port) along with the status and response time, so
 * nothing is lost but half the lines. A record passes six hub processes, and pino writes each
 * line synchronously to stdout: twelve writes per record became six. Errors, 404s and stream
 * errors are logged as Fastify logs them.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}

/**
 * pino settings shared by every service. Logs are operational, not audit: they carry
 * request ids and never personal data. Auth headers and the internal context are
 * redacted; GraphQL variables (which may hold names or NHS numbers) are never logged;
 * errors go through `serializeError`, so a failed query's values never reach a log line.
 * `stream` is for tests that read what a service logs.
 */
export function loggerOptions(
  service: string,
  level: string,
  stream?: DestinationStream,
): Pick<
  FastifyServerOptions,
  'logger' | 'genReqId' | 'requestIdHeader' | 'disableRequestLogging' | 'logController'
> {
  return {
    logger:
      level === 'silent'
        ? false
        : {
            level,
            base: { service },
            ...(stream ? { stream } : {}),
            // trace_id/span_id of the active span on every line logged inside one: a line in a
            // resolver leads to its trace, and the trace to all its lines (@hub/telemetry).
            mixin: traceIds,
            // Errors logged under another key than `err` get the same treatment.
            serializers: { err: logError, error: logError, cause: logError },
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers["x-hub-context"]',
                'req.headers.cookie',
                '*.variables',
                '*.nhsNumber',
                '*.givenName',
                '*.familyName',
                '*.dateOfBirth',
                // Values of a failed query, wherever a caller put the error object.
                'params',
                'parameters',
                '*.params',
                '*.parameters',
                '*.detail',
              ],
              censor: '[redacted]',
            },
          },
    logController: new OneLinePerRequest(),
    // Accept the gateway's request id so one operation can be followed across services.
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
  };
}
