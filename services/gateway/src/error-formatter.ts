import { formatErrors, type JsonError, statusCodeFor } from '@hub/service-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionResult, GraphQLError } from 'graphql';
import { limitErrorIn, withoutSuggestions } from './limits.ts';
import { SERVICE_SECTIONS, serviceForPath } from './sections.ts';

/**
 * A subgraph that cannot be reached surfaces in mercurius-gateway as a FederatedError whose
 * details name the internal address (ECONNREFUSED 127.0.0.1:4002). Callers get instead an
 * UNAVAILABLE error naming the missing section; the other sections are still returned.
 */
const TRANSPORT_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up|other side closed|UND_ERR/i;

export function isTransportFailure(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const { message, code, originalError, errors, cause, extensions } = e as Record<string, unknown>;
    if (typeof message === 'string' && TRANSPORT_FAILURE.test(message)) return true;
    if (typeof code === 'string' && TRANSPORT_FAILURE.test(code)) return true;
    const inner = (extensions as { errors?: unknown } | undefined)?.errors;
    return [
      originalError,
      cause,
      ...(Array.isArray(errors) ? errors : []),
      ...(Array.isArray(inner) ? inner : []),
    ].some(visit);
  };
  return visit(error);
}

function unavailable(error: GraphQLError): JsonError {
  const service = serviceForPath(error.path) ?? 'record';
  const section = SERVICE_SECTIONS[service];
  return {
    message: `The ${section.label} section is unavailable right now; the rest of the record is shown. Try again later.`,
    ...(error.path ? { path: error.path } : {}),
    extensions: { code: 'UNAVAILABLE', section: section.field ?? 'record', service },
  };
}

/**
 * Errors raised while a subgraph resolved entities carry the subgraph's internal path
 * (`_entities.0.education`), which means nothing to the caller. mercurius-gateway does not map
 * it back, so it is dropped; those errors name the child and field in `extensions` instead.
 */
function withoutSubgraphPath(error: JsonError): JsonError {
  if (error.path?.[0] !== '_entities') return error;
  const { path: _internal, ...rest } = error;
  return rest;
}

type FormatterContext = { reply?: { log: FastifyBaseLogger }; app: { log: FastifyBaseLogger } };

/**
 * The gateway's mercurius `errorFormatter`. Refusals by the gateway's own limits (limits.ts)
 * become one error with their code and HTTP status; "did you mean" hints are removed unless
 * introspection is on (they would reveal the schema piece by piece).
 */
export function createGatewayErrorFormatter(options: { suggestions: boolean }) {
  return (execution: ExecutionResult & { statusCode?: number }, context: FormatterContext) => {
    const log = context.reply?.log ?? context.app.log;
    let limitStatus: number | undefined;
    const errors = (execution.errors ?? []).flatMap((error): JsonError[] => {
      const limit = execution.data ? null : limitErrorIn(error);
      if (limit) {
        log.info({ code: limit.code, details: limit.details }, limit.message);
        limitStatus ??= limit.statusCode;
        return [{ message: limit.message, extensions: { code: limit.code, ...limit.details } }];
      }
      if (!isTransportFailure(error)) return formatErrors([error], log).map(withoutSubgraphPath);
      log.warn({ err: error, path: error.path }, 'subgraph unavailable');
      return [unavailable(error)];
    });
    const shown = options.suggestions
      ? errors
      : errors.map((e) => ({ ...e, message: withoutSuggestions(e.message) }));
    return {
      statusCode: limitStatus ?? statusCodeFor(execution, shown),
      response: { data: execution.data ?? null, errors: shown },
    };
  };
}

/** With the default settings (no suggestions). */
export const gatewayErrorFormatter = createGatewayErrorFormatter({ suggestions: false });
