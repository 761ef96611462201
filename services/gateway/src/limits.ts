import { createRequire } from 'node:module';
import { getHeapStatistics } from 'node:v8';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import type { GatewayLimits } from '@hub/config';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { ValidationContext, ValidationRule } from 'graphql';
import { REQUEST_ENDED } from './access-tap.ts';

// mercurius validates with graphql's CommonJS copy; the rules and `validate` must come from
// that same copy (schema and AST classes are checked with instanceof).
const require = createRequire(import.meta.url);
const graphql = require('graphql') as typeof import('graphql');
const { maxAliasesRule } =
  require('@escape.tech/graphql-armor-max-aliases') as typeof import('@escape.tech/graphql-armor-max-aliases');
const { maxDepthRule } =
  require('@escape.tech/graphql-armor-max-depth') as typeof import('@escape.tech/graphql-armor-max-depth');
const { maxDirectivesRule } =
  require('@escape.tech/graphql-armor-max-directives') as typeof import('@escape.tech/graphql-armor-max-directives');
const { costLimitRule } =
  require('@escape.tech/graphql-armor-cost-limit') as typeof import('@escape.tech/graphql-armor-cost-limit');

/**
 * The codes a refused request carries in `extensions.code` (documented in SECURITY.md):
 * - QUERY_TOO_COMPLEX (400): too many tokens, too deep, too many aliases/directives, too costly;
 * - INTROSPECTION_DISABLED (400): `__schema` / `__type` while introspection is off;
 * - PAYLOAD_TOO_LARGE (413): request body over the limit;
 * - RATE_LIMITED (429, Retry-After): too many requests from this principal (or IP);
 * - TIMEOUT (504): the request ran out of its time budget (subgraph calls are aborted);
 * - OVERLOADED (503, Retry-After): the gateway is shedding load (event loop or memory).
 */
export type LimitCode =
  | 'QUERY_TOO_COMPLEX'
  | 'INTROSPECTION_DISABLED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'TIMEOUT'
  | 'OVERLOADED';

const LIMIT_ERROR = Symbol.for('tell-it-once.limit-error');

export class LimitError extends Error {
  readonly [LIMIT_ERROR] = true;
  constructor(
    readonly code: LimitCode,
    message: string,
    readonly statusCode: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LimitError';
  }
}

function isLimitError(error: unknown): error is LimitError {
  return (
    typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[LIMIT_ERROR] === true
  );
}

// graphql 16's own message when `parse(source, { maxTokens })` gives up (sic: "more that").
const TOKEN_LIMIT = /Document contains more tha[nt] (\d+) tokens/;

/** The one refusal of ours (or of Fastify/graphql for one of our limits) inside an error chain. */
export function limitErrorIn(error: unknown): LimitError | null {
  const seen = new Set<unknown>();
  const visit = (e: unknown): LimitError | null => {
    if (!e || typeof e !== 'object' || seen.has(e)) return null;
    seen.add(e);
    if (isLimitError(e)) return e;
    const { message, code, originalError, errors, cause } = e as Record<string, unknown>;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return new LimitError('PAYLOAD_TOO_LARGE', 'The request body is too large.', 413);
    }
    if (code === 'FST_UNDER_PRESSURE') {
      return new LimitError('OVERLOADED', 'The hub is busy right now. Try again in a few seconds.', 503);
    }
    const tokens = typeof message === 'string' ? TOKEN_LIMIT.exec(message) : null;
    if (tokens) {
      return new LimitError(
        'QUERY_TOO_COMPLEX',
        `The query is too large: more than ${tokens[1]} tokens. Ask for less in one request.`,
        400,
        { limit: 'tokens', max: Number(tokens[1]) },
      );
    }
    for (const inner of [originalError, cause, ...(Array.isArray(errors) ? errors : [])]) {
      const found = visit(inner);
      if (found) return found;
    }
    return null;
  };
  return visit(error);
}

type Limit = 'depth' | 'aliases' | 'directives' | 'cost' | 'repeatedFields';
type Rejection = { limit: Limit; max: number; detail: string };

/**
 * The same response name selected more than `max` times in one selection set (inline fragments
 * and fragment spreads included). No client needs that, and graphql-js' standard rule
 * OverlappingFieldsCanBeMerged compares every pair of them: 1,000 copies of one field cost
 * ≈0.8 s of blocked event loop, 2,000 ≈2 s (measured with graphql 16.14). graphql-armor has no
 * rule for it, hence this small one; it is linear in the document.
 */
function maxRepeatedFieldsRule(max: number, rejected: Rejection[]): ValidationRule {
  return (context) => {
    let reported = false;
    const count = (
      set: import('graphql').SelectionSetNode,
      counts: Map<string, number>,
      seen: Set<string>,
    ) => {
      for (const selection of set.selections) {
        if (selection.kind === graphql.Kind.FIELD) {
          const name = selection.alias?.value ?? selection.name.value;
          counts.set(name, (counts.get(name) ?? 0) + 1);
        } else if (selection.kind === graphql.Kind.INLINE_FRAGMENT) {
          count(selection.selectionSet, counts, seen);
        } else if (!seen.has(selection.name.value)) {
          seen.add(selection.name.value);
          const fragment = context.getFragment(selection.name.value);
          if (fragment) count(fragment.selectionSet, counts, seen);
        }
      }
    };
    return {
      SelectionSet(node) {
        if (reported) return;
        const counts = new Map<string, number>();
        count(node, counts, new Set());
        for (const [name, n] of counts) {
          if (n <= max) continue;
          reported = true;
          rejected.push({
            limit: 'repeatedFields',
            max,
            detail: `"${name}" selected ${n} times, at most ${max}.`,
          });
          return;
        }
      },
    };
  };
}

/**
 * graphql-armor's rules, run as plain graphql validation rules. They report instead of throwing
 * (`propagateOnRejection: false`), so one validation pass names every limit exceeded.
 */
function armorRules(limits: GatewayLimits, rejected: Rejection[]) {
  const on = (limit: Limit, max: number) => ({
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [
      (_context: ValidationContext | null, error: Error) => {
        rejected.push({ limit, max, detail: error.message.replace(/^Syntax Error: /, '') });
      },
    ],
  });
  return [
    maxDepthRule({ n: limits.GATEWAY_MAX_DEPTH, ...on('depth', limits.GATEWAY_MAX_DEPTH) }),
    maxAliasesRule({ n: limits.GATEWAY_MAX_ALIASES, ...on('aliases', limits.GATEWAY_MAX_ALIASES) }),
    maxDirectivesRule({
      n: limits.GATEWAY_MAX_DIRECTIVES,
      ...on('directives', limits.GATEWAY_MAX_DIRECTIVES),
    }),
    costLimitRule({ maxCost: limits.GATEWAY_MAX_COST, ...on('cost', limits.GATEWAY_MAX_COST) }),
    maxRepeatedFieldsRule(limits.GATEWAY_MAX_REPEATED_FIELDS, rejected),
  ] as unknown as ValidationRule[];
}

const LIMIT_WORDS: Record<Limit, string> = {
  depth: 'nested too deeply',
  aliases: 'uses too many aliases',
  directives: 'uses too many directives',
  cost: 'asks for too much at once',
  repeatedFields: 'repeats a field too often',
};

/**
 * The checks that run on the parsed document BEFORE graphql's standard validation. That
 * order matters: some standard rules (OverlappingFieldsCanBeMerged) are quadratic in the
 * number of same-named fields, which is exactly how 1,000 aliases or 10,000 duplicated
 * fields blocked the gateway for seconds. These checks are linear.
 */
export function checkDocument(
  schema: import('graphql').GraphQLSchema,
  document: import('graphql').DocumentNode,
  limits: GatewayLimits,
): LimitError | null {
  const rejected: Rejection[] = [];
  const rules = armorRules(limits, rejected);
  if (!limits.GATEWAY_INTROSPECTION) rules.push(graphql.NoSchemaIntrospectionCustomRule);
  const errors = graphql.validate(schema, document, rules, { maxErrors: 10 });
  const first = rejected[0];
  if (first) {
    return new LimitError(
      'QUERY_TOO_COMPLEX',
      `The query ${LIMIT_WORDS[first.limit]} (${first.detail}) Ask for less in one request.`,
      400,
      { limit: first.limit, max: first.max },
    );
  }
  if (errors.length > 0) {
    return new LimitError(
      'INTROSPECTION_DISABLED',
      'Schema introspection (__schema, __type) is disabled on this hub.',
      400,
    );
  }
  return null;
}

/** "Did you mean …?" hints name fields, types and enum values: hidden unless introspection is on. */
export function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, '').trim();
}

const isGraphqlRoute = (url: string | undefined) => url === '/graphql';

declare module 'fastify' {
  interface FastifyRequest {
    /** The /graphql request's time budget; `settle()` is false once it has run out. */
    timeBudget: { signal: AbortSignal; settle(): boolean } | null;
  }
}

/**
 * Body limit (Fastify `bodyLimit`, set in app.ts), per-request time budget, per-principal rate
 * limit and load shedding. Register FIRST: load shedding must answer before authentication, and
 * the rate limiter and the time budget attach themselves to routes as they are declared
 * (onRoute). The rate limiter still runs after authentication: it is a preHandler hook.
 *
 * Every refusal is an error sent through the route's error handler (mercurius' one, which calls
 * the gateway's errorFormatter), so it passes the audit plugin's preSerialization hook: each
 * refused /graphql request still produces its one audit event, with the refusal's code.
 */
export const limitsPlugin = fp(
  async (app: FastifyInstance, limits: GatewayLimits) => {
    // Load shedding first: a gateway that is already behind should not even verify tokens.
    // /health opts out (its own pressureHandler passes) so it can say truthfully that it is busy.
    const heapLimit = Math.floor(getHeapStatistics().heap_size_limit * 0.9);
    await app.register(underPressure, {
      maxEventLoopDelay: limits.GATEWAY_MAX_EVENT_LOOP_DELAY_MS,
      // under-pressure measures the mean loop delay once per sample interval (default 1 s), and a
      // stall that outlasts the interval leaves no sample, which it reads as an INFINITE delay: any
      // stall over 1 s shed requests whatever the limit said. Sampling no more often than the limit
      // makes the limit mean what it says (a stall longer than the limit still sheds).
      sampleInterval: Math.max(1000, limits.GATEWAY_MAX_EVENT_LOOP_DELAY_MS),
      maxHeapUsedBytes:
        limits.GATEWAY_MAX_HEAP_USED_MB > 0 ? limits.GATEWAY_MAX_HEAP_USED_MB * 2 ** 20 : heapLimit,
      retryAfter: 10,
    });

    // The time budget. Not Fastify's `handlerTimeout`: on Node 20 its request.signal aborts (and
    // its timer is cleared) as soon as a POST body has been read — IncomingMessage emits 'close'
    // then — so over a real socket it never fires (seen with fastify 5.12; inject hides it).
    // Started once authentication and parsing are done, so only the operation itself (and its
    // subgraph calls) runs against the clock.
    app.decorateRequest('timeBudget', null);
    app.addHook('preHandler', (request, reply, done) => {
      if (!isGraphqlRoute(request.routeOptions.url)) return done();
      const controller = new AbortController();
      let settled = false;
      const timer = setTimeout(() => {
        if (settled || reply.sent) return;
        settled = true;
        const error = new LimitError(
          'TIMEOUT',
          'The request took too long and was stopped; nothing more was fetched. Ask for less, or try again later.',
          504,
          { budgetMs: limits.GATEWAY_REQUEST_TIMEOUT_MS },
        );
        // Aborting first cancels the subgraph calls still in flight (access-tap.ts).
        controller.abort(error);
        reply.send(error);
      }, limits.GATEWAY_REQUEST_TIMEOUT_MS);
      // A refusal after this hook (rate limit) leaves the timer to expire unused: not a reason to stay up.
      timer.unref();
      request.timeBudget = {
        signal: controller.signal,
        settle() {
          if (settled) return false;
          settled = true;
          clearTimeout(timer);
          return true;
        },
      };
      // Response finished or connection gone: stop the clock; cancel whatever is still running.
      // With one shared reason: abort() without one builds a DOMException (stack trace and all)
      // on every request, almost always with nothing left to cancel (the gateway's profile).
      reply.raw.once('close', () => {
        clearTimeout(timer);
        if (!controller.signal.aborted) controller.abort(REQUEST_ENDED);
      });
      // The subgraph calls made for this request carry its signal (app.ts binds it to the
      // request's signed context, access-tap.ts).
      done();
    });
    // Once the budget has answered, the operation's late result must not touch the reply: a
    // second send could overtake the TIMEOUT reply (still in its audit hook) and deliver data
    // its audit event does not describe, and mercurius sets the status code of its result
    // (reply.code) before returning it. So the handler gets a view of the reply whose status
    // it can no longer change after the budget ran out, and its result is dropped. The wrapper
    // returns undefined: Fastify then leaves the reply to it.
    app.addHook('onRoute', (route) => {
      if (!isGraphqlRoute(route.url)) return;
      const handler = route.handler;
      route.handler = function (this: FastifyInstance, request, reply) {
        const expired = () => request.timeBudget?.signal.aborted === true && !reply.sent;
        const keepStatus = (code: number) => {
          if (!expired()) reply.code(code);
          return view;
        };
        const view: typeof reply = Object.create(reply, {
          code: { value: keepStatus },
          status: { value: keepStatus },
        });
        const onTime = () => request.timeBudget?.settle() ?? true;
        Promise.resolve(handler.call(this, request, view)).then(
          (payload) => {
            if (onTime() && payload !== undefined && payload !== reply) reply.send(payload);
          },
          (error: unknown) => {
            if (onTime()) reply.send(error instanceof Error ? error : new Error(String(error)));
          },
        );
      };
    });

    // Per principal, after authentication (preHandler runs after every onRequest hook, where the
    // auth plugin sets request.principal). Anonymous callers are counted per IP.
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: limits.GATEWAY_RATE_LIMIT_MAX,
      timeWindow: limits.GATEWAY_RATE_LIMIT_WINDOW_MS,
      allowList: (request) => !isGraphqlRoute(request.routeOptions.url),
      keyGenerator: (request) => (request.principal ? `sub:${request.principal.sub}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new LimitError(
          'RATE_LIMITED',
          `Too many requests: at most ${context.max} in ${Math.round(limits.GATEWAY_RATE_LIMIT_WINDOW_MS / 1000)} s. Try again in ${context.after}.`,
          context.statusCode,
          { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
        ),
    });
  },
  { name: 'hub-limits' },
);

/**
 * Depth, aliases, directives, cost and introspection, on every newly parsed document
 * (mercurius caches documents that passed). The token limit acts earlier, in the parser
 * (mercurius' `graphql.parseOptions.maxTokens`, app.ts). Register after the gateway plugin.
 */
export const queryLimitsPlugin = fp(
  async (app: FastifyInstance, limits: GatewayLimits) => {
    app.graphql.addHook('preValidation', async (schema, document) => {
      const refused = checkDocument(schema, document, limits);
      if (refused) throw refused;
    });
  },
  { name: 'hub-query-limits' },
);
