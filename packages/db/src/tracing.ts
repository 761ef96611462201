import { context, failSpan, hubTracer, isTracing, type Span, SpanKind, trace } from '@hub/telemetry';
import type postgres from 'postgres';

/**
 * Database spans for postgres.js, which has no OpenTelemetry instrumentation (and no
 * diagnostics channel to listen to). Every statement the hub sends goes through `unsafe`
 * (drizzle's postgres-js session and DbHandle.query/exec alike) and every transaction through
 * `begin`/`savepoint`, so a Proxy over those three methods sees them all.
 *
 * A span holds the SQL TEXT (drizzle and DbHandle bind values as $1, $2…), the statement's
 * first keyword, PostgreSQL's error code on failure, and never a parameter value or an error
 * message (PostgreSQL quotes values in some: 'invalid input syntax for type uuid: "…"').
 * With tracing off the client is returned untouched.
 */
export function tracePostgres<T extends postgres.Sql | postgres.TransactionSql>(
  sql: T,
  role: string | undefined,
): T {
  if (!isTracing()) return sql;
  const base = {
    'db.system.name': 'postgresql',
    ...(role ? { 'db.user': role } : {}),
  };
  return new Proxy(sql, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (query: string, params?: unknown[], options?: unknown) =>
          traceQuery(
            (target.unsafe as (...args: unknown[]) => postgres.PendingQuery<postgres.Row[]>)(
              query,
              params,
              options,
            ),
            query,
            base,
          );
      }
      if (property === 'begin' || property === 'savepoint') {
        const method = Reflect.get(target, property, receiver) as (...args: unknown[]) => Promise<unknown>;
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          const span = hubTracer().startSpan(property === 'begin' ? 'transaction' : 'savepoint', {
            kind: SpanKind.CLIENT,
            attributes: base,
          });
          const ctx = trace.setSpan(context.active(), span);
          return settle(
            span,
            context.with(ctx, () =>
              method.call(target, ...args, (tx: postgres.TransactionSql) => fn(tracePostgres(tx, role))),
            ),
          );
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

/** The first keyword of the statement (SELECT, INSERT, WITH…): a bounded span name. */
function operationOf(query: string): string {
  const match = /^\s*(?:\/\*[\s\S]*?\*\/\s*|--[^\n]*\n\s*)*([a-zA-Z]+)/.exec(query);
  return match?.[1]?.toUpperCase() ?? 'SQL';
}

/**
 * postgres.js queries are lazy thenables: they run when first awaited. The span starts then,
 * in the awaiting code's context (so it is the child of the resolver's request), and ends when
 * the query settles.
 */
function traceQuery<Q extends PromiseLike<unknown>>(query: Q, text: string, base: Record<string, string>): Q {
  const then = query.then;
  let started = false;
  // biome-ignore lint/suspicious/noThenProperty: wrapping the thenable's own then is the point.
  (query as { then: unknown }).then = function (
    this: Q,
    onFulfilled?: (value: unknown) => unknown,
    onRejected?: (reason: unknown) => unknown,
  ) {
    if (!started) {
      started = true;
      const operation = operationOf(text);
      const span = hubTracer().startSpan(operation, {
        kind: SpanKind.CLIENT,
        attributes: { ...base, 'db.operation.name': operation, 'db.query.text': text },
      });
      then.call(
        query,
        () => span.end(),
        (error: unknown) => {
          endFailed(span, error);
        },
      );
    }
    return then.call(query, onFulfilled, onRejected);
  };
  return query;
}

function endFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute('db.response.status_code', code);
  failSpan(span, error);
  span.end();
}

function settle<T>(span: Span, promise: Promise<T>): Promise<T> {
  return promise.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      endFailed(span, error);
      throw error;
    },
  );
}
