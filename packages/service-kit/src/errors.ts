import { isHubError } from '@hub/access';
import type { FastifyBaseLogger } from 'fastify';
import type { ExecutionResult, GraphQLError } from 'graphql';

export { HubError, type HubErrorCode, isHubError } from '@hub/access';

/**
 * graphql ships CommonJS and ESM builds; mercurius uses the CommonJS one, our ESM imports
 * get the other, so `instanceof GraphQLError` is unreliable. GraphQLError sets a
 * toStringTag, which holds for both copies.
 */
export function isGraphQLError(error: unknown): error is GraphQLError {
  return Object.prototype.toString.call(error) === '[object GraphQLError]';
}

/** Codes a subgraph may pass through the gateway unchanged. */
const PUBLIC_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'NOT_FOUND',
  'FORBIDDEN',
  'FORBIDDEN_FIELD',
  'INVALID_INPUT',
  'CONFLICT',
  'UNAVAILABLE',
  'GRAPHQL_VALIDATION_FAILED',
]);

export interface JsonError {
  message: string;
  path?: readonly (string | number)[];
  locations?: readonly { line: number; column: number }[];
  extensions: Record<string, unknown>;
}

type Where = Pick<JsonError, 'path' | 'locations'>;

/**
 * Mistakes in the HTTP request itself, caught by fastify or mercurius before any GraphQL runs.
 * They carry a 4xx `statusCode` and a library `code`; without this catalogue they fell through
 * to INTERNAL ("Internal error."), which tells a caller nothing they can fix.
 */
const SEND_AS =
  'Send one JSON object {"query": "...", "variables": {...}} with content-type application/json.';
const REQUEST_MISTAKES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: `The request body is not valid JSON. ${SEND_AS}`,
  FST_ERR_CTP_EMPTY_JSON_BODY: `The request body is empty. ${SEND_AS}`,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: `Unsupported content-type. ${SEND_AS}`,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The content-length header does not match the request body.',
  FST_ERR_CTP_INVALID_TYPE: `The content-type header is not valid. ${SEND_AS}`,
  MER_ERR_METHOD_NOT_ALLOWED: 'Only queries may be sent with GET; send a mutation with POST.',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: `The request has no "query". ${SEND_AS}`,
  MER_ERR_GQL_PERSISTED_QUERY_NOT_SUPPORTED: `Persisted queries are not supported. ${SEND_AS}`,
  // Without nested GraphQL errors this is the GET `variables` parameter that is not JSON.
  MER_ERR_GQL_VALIDATION: 'The "variables" parameter is not valid JSON: send a JSON object.',
};

/** Which part of the request a schema validation error is about, in words a caller can act on. */
const REQUEST_PARTS: Record<string, string> = {
  '': `The request body must be one JSON object; batched (array) requests are not accepted. ${SEND_AS}`,
  '/query': '"query" must be text: the GraphQL document.',
  '/variables': '"variables" must be a JSON object of variable values (or null).',
  '/operationName': '"operationName" must be text (or null).',
  '/extensions': '"extensions" must be a JSON object.',
  '/persisted': '"persisted" must be true or false.',
};

/** graphql-js, handed a non-string, non-document `query`, fails with this instead of a syntax error. */
const NOT_A_DOCUMENT = /^Invalid AST Node/;

/** The catalogue message for a mistake in the request, or undefined when it is not one. */
export function requestMistake(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, validation, message, errors } = error as {
    code?: unknown;
    validation?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  if (code === 'FST_ERR_VALIDATION' && Array.isArray(validation)) {
    const first = validation[0] as { instancePath?: unknown } | undefined;
    const part = typeof first?.instancePath === 'string' ? first.instancePath : '';
    return REQUEST_PARTS[part] ?? `The request is malformed at "${part}". ${SEND_AS}`;
  }
  if (code === 'MER_ERR_GQL_VALIDATION' && Array.isArray(errors) && errors.length > 0) return undefined;
  if (typeof code === 'string' && code in REQUEST_MISTAKES) return REQUEST_MISTAKES[code];
  if (typeof message === 'string' && NOT_A_DOCUMENT.test(message)) return REQUEST_PARTS['/query'];
  return undefined;
}

/**
 * Turns one execution error into the safe JSON shape. Handles, in order: our HubErrors;
 * mercurius' wrapper around a list of validation errors; the gateway's FederatedError
 * around a subgraph's errors; errors graphql-js raised itself (syntax/validation) or a
 * subgraph already formatted (they arrive with a public `extensions.code`).
 */
function formatOne(error: unknown, log: FastifyBaseLogger, outer: Where = {}): JsonError[] {
  const gql = isGraphQLError(error) ? error : undefined;
  // mercurius may wrap a resolver's error twice (GraphQLError → GraphQLError → cause).
  let original: unknown = error;
  while (isGraphQLError(original) && original.originalError) original = original.originalError;
  const where: Where = {
    ...outer,
    ...(gql?.path ? { path: gql.path } : {}),
    ...(gql?.locations ? { locations: gql.locations } : {}),
  };
  if (isHubError(original)) {
    return [
      { message: original.message, ...where, extensions: { code: original.code, ...original.details } },
    ];
  }
  const mistake = requestMistake(original);
  if (mistake !== undefined) return [{ message: mistake, ...where, extensions: { code: 'INVALID_INPUT' } }];
  const nested = (original as { errors?: unknown } | null)?.errors;
  if (original !== error && Array.isArray(nested))
    return nested.flatMap((inner) => formatOne(inner, log, where));
  const federated = (original as { extensions?: { errors?: unknown } } | null)?.extensions?.errors;
  if (Array.isArray(federated)) return federated.flatMap((inner) => formatOne(inner, log, where));
  const plain = original as { message?: unknown; extensions?: { code?: unknown } } | null;
  // A GraphQLError at the bottom of the chain was raised by graphql-js itself (syntax,
  // validation, variable coercion) unless it carries a code of ours: its message is for the
  // caller, and the outermost message says most ("Variable "$input" got invalid value…").
  const raisedByGraphql = isGraphQLError(original) && plain?.extensions?.code === undefined;
  const code = raisedByGraphql ? 'GRAPHQL_VALIDATION_FAILED' : plain?.extensions?.code;
  if (typeof code === 'string' && PUBLIC_CODES.has(code) && typeof plain?.message === 'string') {
    const message = raisedByGraphql && gql ? gql.message : plain.message;
    return [{ message, ...where, extensions: { ...plain.extensions, code } }];
  }
  log.error({ err: original }, 'unexpected error while executing a GraphQL operation');
  return [{ message: 'Internal error.', ...where, extensions: { code: 'INTERNAL' } }];
}

export function formatErrors(
  errors: readonly unknown[],
  log: FastifyBaseLogger,
  outer: Where = {},
): JsonError[] {
  return errors.flatMap((error) => formatOne(error, log, outer));
}

/** As mercurius does: 200 whenever there is data; otherwise the status the failure carries. */
export function statusCodeFor(
  execution: ExecutionResult & { statusCode?: number },
  errors: JsonError[],
): number {
  if (execution.data) return 200;
  if (errors.some((e) => e.extensions.code === 'UNAUTHENTICATED')) return 401;
  const first = execution.errors?.[0] as
    | (GraphQLError & { originalError?: { statusCode?: unknown } })
    | undefined;
  const fromError = first?.originalError?.statusCode;
  if (typeof fromError === 'number') return fromError;
  return execution.statusCode ?? 200;
}

/** mercurius `errorFormatter` for every subgraph: map the catalogue once, mask the rest. */
export function hubErrorFormatter(
  execution: ExecutionResult & { statusCode?: number },
  context: { reply?: { log: FastifyBaseLogger }; app: { log: FastifyBaseLogger } },
) {
  const log = context.reply?.log ?? context.app.log;
  const errors = formatErrors(execution.errors ?? [], log);
  return { statusCode: statusCodeFor(execution, errors), response: { data: execution.data ?? null, errors } };
}
