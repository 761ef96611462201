import { AUDIT_EVENT_LIMITS, type AuditEventInput, type AuditOutcome, type OperationType } from '@hub/audit';
import { normaliseFreeText, type Principal } from '@hub/policy';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationDefinitionNode,
  parse,
  type SelectionSetNode,
  valueFromASTUntyped,
} from 'graphql';

/**
 * Pure pieces of the gateway's audit events: what a request asked for (read from the request
 * itself, before anything runs), which children it names, and how an event is summarised so it
 * always fits the store. audit-plugin.ts records each request with them; audit-writer.ts sends them.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DENIAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN_FIELD']);

/** Argument names that hold a child's hub id, wherever they appear (field arguments or input objects). */
const CHILD_ID_KEYS = new Set(['childId', 'childIds']);
/** Fields whose `id` argument is a child's id (`child(id:)`). */
const CHILD_ID_FIELDS = new Set(['child']);
/** Mutations that open break-glass, and the argument holding the reason. */
const BREAK_GLASS_FIELDS: Readonly<Record<string, string>> = { openBreakGlass: 'reason' };

export interface RequestedOperation {
  /** `Name:rootField,rootField` (just the root fields when anonymous), at most 300 characters. */
  operationName: string | null;
  /** `unknown` when the request does not parse or names no operation: it never executes. */
  operationType: OperationType;
  /** Well-formed child ids named in the operation's arguments (literals and variables), lower-case. */
  childIds: string[];
  /** The break-glass reason argument, when the operation opens break-glass. */
  breakGlassReason: string | null;
  breakGlass: boolean;
}

const NOTHING: RequestedOperation = {
  operationName: null,
  operationType: 'unknown',
  childIds: [],
  breakGlassReason: null,
  breakGlass: false,
};

/**
 * The operation a GraphQL request asked for, read from the request itself (it may not parse).
 * Same parser, token limit and operation choice as mercurius: the selected operation (by
 * `operationName`, or the only one). A batched body (an array) is described by its first
 * mutation if it has one, so a batch that writes is always treated as a write.
 */
export function describeRequest(body: unknown, maxTokens?: number): RequestedOperation {
  if (Array.isArray(body)) {
    const described = body.map((item) => describeOne(item, maxTokens));
    return described.find((d) => d.operationType === 'mutation') ?? described[0] ?? NOTHING;
  }
  return describeOne(body, maxTokens);
}

/**
 * Parsed query texts, remembered: every request was parsed here once more than mercurius does
 * (≈1.4% of the gateway's CPU), and clients send the same few texts over and over. Bounded: at
 * most 256 texts of at most 8 KiB each (a longer one is parsed every time), the oldest going
 * first; a text that does not parse is remembered as null. Only the parse is shared: the
 * operation, arguments and variables are read per request.
 */
const PARSED_MAX = 256;
const PARSED_MAX_LENGTH = 8192;
const parsedByLimit = new Map<number, Map<string, DocumentNode | null>>();

function parsedQuery(query: string, maxTokens: number | undefined): DocumentNode | null {
  let parsed = parsedByLimit.get(maxTokens ?? 0);
  if (!parsed) {
    parsed = new Map();
    parsedByLimit.set(maxTokens ?? 0, parsed);
  }
  let document = parsed.get(query);
  if (document !== undefined) return document;
  try {
    // The gateway's own token limit (GATEWAY_MAX_TOKENS): a document mercurius refuses to
    // parse never executes, and a huge one is not parsed in full here either.
    document = parse(query, { noLocation: true, ...(maxTokens ? { maxTokens } : {}) });
  } catch {
    document = null;
  }
  if (query.length <= PARSED_MAX_LENGTH) {
    if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value as string);
    parsed.set(query, document);
  }
  return document;
}

function describeOne(body: unknown, maxTokens: number | undefined): RequestedOperation {
  const { query, operationName, variables } = (body ?? {}) as {
    query?: unknown;
    operationName?: unknown;
    variables?: unknown;
  };
  if (typeof query !== 'string') return NOTHING;
  const document = parsedQuery(query, maxTokens);
  if (!document) return NOTHING;
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof operationName === 'string'
      ? operations.find((o) => o.name?.value === operationName)
      : operations.length === 1
        ? operations[0]
        : undefined;
  if (!operation) return NOTHING;
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  // GET requests carry variables as a JSON string.
  let vars: Record<string, unknown> = {};
  if (typeof variables === 'string') {
    try {
      vars = (JSON.parse(variables) ?? {}) as Record<string, unknown>;
    } catch {
      vars = {};
    }
  } else if (variables && typeof variables === 'object') vars = variables as Record<string, unknown>;

  const rootFields = fieldsOf(operation.selectionSet, fragments, 0).map((f) => f.name);
  const name = [operation.name?.value, [...new Set(rootFields)].join(',')].filter(Boolean).join(':');
  const named = namedArguments(operation.selectionSet, fragments, vars);
  return {
    operationName: clip(name, AUDIT_EVENT_LIMITS.text) || null,
    operationType: operation.operation,
    childIds: named.childIds,
    breakGlass: operation.operation === 'mutation' && named.breakGlass,
    breakGlassReason: operation.operation === 'mutation' ? named.breakGlassReason : null,
  };
}

interface FieldRef {
  name: string;
  node: Extract<SelectionSetNode['selections'][number], { kind: Kind.FIELD }>;
}

/** The fields of a selection set, through inline fragments and fragment spreads (each spread once). */
function fieldsOf(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  depth: number,
  seen = new Set<string>(),
): FieldRef[] {
  if (depth > 50) return [];
  return selectionSet.selections.flatMap((s): FieldRef[] => {
    if (s.kind === Kind.FIELD) return [{ name: s.name.value, node: s }];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsOf(s.selectionSet, fragments, depth + 1, seen);
    const fragment = fragments.get(s.name.value);
    if (!fragment || seen.has(s.name.value)) return [];
    seen.add(s.name.value);
    return fieldsOf(fragment.selectionSet, fragments, depth + 1, seen);
  });
}

/**
 * Child ids and a break-glass reason named anywhere in the operation's arguments: `childId` /
 * `childIds` arguments and input-object fields (literal or variable, at any depth), and
 * `child(id:)`. Only well-formed UUIDs count: anything else is not a child's id and the record
 * refuses it anyway.
 */
function namedArguments(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): { childIds: string[]; breakGlass: boolean; breakGlassReason: string | null } {
  const ids = new Set<string>();
  let breakGlass = false;
  let breakGlassReason: string | null = null;
  const addIds = (value: unknown) => {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v === 'string' && UUID.test(v)) ids.add(v.toLowerCase());
    }
  };
  // A JSON value (a variable's value): every childId/childIds key inside it.
  const walkJson = (value: unknown, depth: number): void => {
    if (depth > 20 || value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const item of value) walkJson(item, depth + 1);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (CHILD_ID_KEYS.has(key)) addIds(inner);
      else walkJson(inner, depth + 1);
    }
  };
  const visit = (set: SelectionSetNode, depth: number) => {
    for (const { name, node } of fieldsOf(set, fragments, depth)) {
      for (const argument of node.arguments ?? []) {
        const key = argument.name.value;
        // Literal, variable, list or input object, variables substituted (graphql-js).
        const value = valueFromASTUntyped(argument.value, variables);
        if (CHILD_ID_KEYS.has(key) || (key === 'id' && CHILD_ID_FIELDS.has(name))) addIds(value);
        else walkJson(value, 0);
        if (BREAK_GLASS_FIELDS[name] === key) {
          breakGlass = true;
          // As the record will store it (NFC, trimmed), so the length checked is the one it checks.
          const reason = typeof value === 'string' ? normaliseFreeText(value) : '';
          if (reason.length > 0) breakGlassReason = reason;
        }
      }
      if (node.selectionSet && depth < 50) visit(node.selectionSet, depth + 1);
    }
  };
  visit(selectionSet, 0);
  return { childIds: [...ids], breakGlass, breakGlassReason };
}

/** ok / denied / error, from what the caller is about to receive. */
export function outcomeOf(statusCode: number, errorCodes: string[], fieldsDenied: string[]): AuditOutcome {
  if (errorCodes.some((code) => DENIAL_CODES.has(code)) || fieldsDenied.length > 0) return 'denied';
  if (statusCode === 401 || statusCode === 403) return 'denied';
  if (errorCodes.length > 0 || statusCode >= 400) return 'error';
  return 'ok';
}

/** Who is acting, as the event records it (all null before a token is verified). */
export function actorOf(principal: Principal | null): AuditEventInput['actor'] {
  return principal
    ? { sub: principal.sub, role: principal.role, orgId: principal.orgId }
    : { sub: null, role: null, orgId: null };
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/**
 * Lists are cut well below the store's bounds, and the whole event is kept under
 * SUMMARY_LIMITS.bytes (the audit service takes bodies up to fastify's default 1 MiB): if the
 * first cut is still too big, every cap is halved until it fits.
 */
export const SUMMARY_LIMITS = {
  errorCodes: 50,
  fields: 1000,
  children: 1000,
  sectionsPerChild: 20,
  entryLength: 200,
  bytes: 512 * 1024,
} as const;

type Caps = { fields: number; children: number; sectionsPerChild: number };

/** Marks how many entries of a list were left out (`… 1234 more (truncated)`). */
export const truncationMarker = (count: number) => `… ${count} more (truncated)`;

/** Distinct entries, first-seen order, each clipped; a marker entry counts the rest beyond `max`. */
function summariseList(values: readonly string[], max: number): string[] {
  max = Math.max(max, 1);
  const distinct = [...new Set(values.map((v) => clip(v, SUMMARY_LIMITS.entryLength)).filter(Boolean))];
  if (distinct.length <= max) return distinct;
  return [...distinct.slice(0, max - 1), truncationMarker(distinct.length - (max - 1))];
}

/**
 * Error codes deduplicated and counted: each code once, plus `CODE:count=N` when it occurred N > 1
 * times, so a response with 3,000 FORBIDDEN_FIELD errors is two entries, not 3,000.
 */
export function summariseErrorCodes(codes: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const code of codes) {
    const key = clip(code, 100);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const entries = [...counts].flatMap(([code, n]) => (n > 1 ? [code, `${code}:count=${n}`] : [code]));
  return summariseList(entries, SUMMARY_LIMITS.errorCodes);
}

/**
 * Summarise, never drop: the event of any response fits the store (AUDIT_EVENT_LIMITS), whatever
 * its size. Lists are deduplicated, entries clipped, and long lists cut with an explicit marker
 * saying how many were left out; children beyond the cap are counted in errorCodes
 * (`AUDIT_TRUNCATED:children=N`). The outcome is decided before summarising, from everything.
 */
export function summariseAuditEvent(event: AuditEventInput): AuditEventInput {
  let caps: Caps = { ...SUMMARY_LIMITS };
  for (;;) {
    const summary = summariseWith(event, caps);
    if (caps.fields <= 1 || Buffer.byteLength(JSON.stringify(summary)) <= SUMMARY_LIMITS.bytes)
      return summary;
    caps = {
      fields: Math.floor(caps.fields / 2),
      children: Math.max(Math.floor(caps.children / 2), 1),
      sectionsPerChild: Math.max(Math.floor(caps.sectionsPerChild / 2), 1),
    };
  }
}

function summariseWith(event: AuditEventInput, caps: Caps): AuditEventInput {
  const children = new Map<string, Set<string>>();
  for (const child of event.children ?? []) {
    const sections = children.get(child.childId.toLowerCase()) ?? new Set<string>();
    for (const s of child.sections ?? []) sections.add(s);
    children.set(child.childId.toLowerCase(), sections);
  }
  const kept = [...children].slice(0, caps.children);
  const childrenLeftOut = children.size - kept.length;
  const errorCodes = summariseErrorCodes(event.errorCodes ?? []);
  if (childrenLeftOut > 0) errorCodes.push(`AUDIT_TRUNCATED:children=${childrenLeftOut}`);
  const reason = event.breakGlassReason ?? null;
  return {
    ...event,
    requestId: clip(event.requestId, AUDIT_EVENT_LIMITS.requestId),
    actor: {
      sub: event.actor.sub === null ? null : clip(event.actor.sub, AUDIT_EVENT_LIMITS.text),
      role: event.actor.role,
      orgId: event.actor.orgId === null ? null : clip(event.actor.orgId, AUDIT_EVENT_LIMITS.text),
    },
    operationName: event.operationName === null ? null : clip(event.operationName, AUDIT_EVENT_LIMITS.text),
    errorCodes,
    fieldsReturned: summariseList(event.fieldsReturned ?? [], caps.fields),
    fieldsDenied: summariseList(event.fieldsDenied ?? [], caps.fields),
    // The reason is evidence: never cut here. A reason longer than the store accepts is
    // refused before anything runs (see audit-plugin.ts), so this only clips what cannot happen.
    breakGlassReason: reason === null ? null : clip(reason, AUDIT_EVENT_LIMITS.breakGlassReason),
    clientIp: event.clientIp == null ? null : clip(event.clientIp, AUDIT_EVENT_LIMITS.clientIp),
    children: kept.map(([childId, sections]) => ({
      childId,
      sections: summariseList([...sections], caps.sectionsPerChild),
    })),
  };
}
