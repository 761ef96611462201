import { createRequire } from 'node:module';
import {
  POLICY_TABLE,
  type Principal,
  SECTION_SUBJECTS,
  SECTIONS,
  SUBJECT_FIELDS,
  type SubjectName,
} from '@hub/policy';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { DocumentNode, FieldNode, GraphQLSchema, SelectionSetNode } from 'graphql';

// mercurius hands us documents and schemas built by graphql's CommonJS copy; TypeInfo must
// come from that same copy (an ESM import would be a different module instance).
const require = createRequire(import.meta.url);
const graphql = require('graphql') as typeof import('graphql');

declare module 'fastify' {
  interface FastifyRequest {
    /** Fields the gateway removed before execution (for the audit event). */
    gatewayDenials: Array<{ field: string; reason: 'NOT_PERMITTED' }>;
  }
}

/** The section field on Child that carries each subject (@hub/policy SECTIONS). */
const SECTION_OF: Partial<Record<string, SubjectName>> = Object.fromEntries(
  SECTION_SUBJECTS.map((subject) => [SECTIONS[subject].field, subject]),
);

/**
 * Fields of the composed schema that exist for the hub's own services, never for a caller:
 * `Child.accessGrant` carries the record's signed access facts to the adapters (federation
 * `@requires`). Refused to every role; the gateway's query planner still fetches it itself.
 */
const INTERNAL_FIELDS: Partial<Record<string, readonly string[]>> = { Child: ['accessGrant'] };

function isSubject(name: string | undefined): name is SubjectName {
  return name !== undefined && name in SUBJECT_FIELDS;
}

/**
 * Returns the document without the fields this role may NEVER read (the policy table's
 * maximum, whatever the child and consent), plus one FORBIDDEN_FIELD error per removal.
 * Defence in depth: the subgraphs apply the full per-child policy; this guarantees that
 * even a faulty subgraph cannot hand a role a field outside its table.
 */
export function stripForbiddenFields(schema: GraphQLSchema, document: DocumentNode, principal: Principal) {
  const { stripped, denied } = guardOf(schema, document, principal.role);
  const errors = denied.map(
    (d) =>
      new graphql.GraphQLError(`You may not see ${d.field}: your role does not give access to it.`, {
        nodes: [d.node],
        extensions: { code: 'FORBIDDEN_FIELD', field: d.field, reason: d.reason },
      }),
  );
  return { document: stripped, errors, denied: denied.map(({ field, reason }) => ({ field, reason })) };
}

interface Guarded {
  stripped: DocumentNode;
  denied: ReadonlyArray<{ field: string; reason: 'NOT_PERMITTED'; node: FieldNode }>;
  /** A short name for this (schema, document, role), unique in the process: see planKey. */
  key: string;
}

let verdictsMade = 0;

/**
 * The guard's verdict depends only on the schema, the document and the role, and mercurius
 * hands the same parsed document object for the same query text (its query cache): so the
 * walk over the document (a TypeInfo visit, ≈2% of the gateway's CPU per request) is done once
 * per schema, document and role. Weak keys: a schema replaced by a poll or a document evicted
 * from mercurius' cache takes its entries with it. The errors are built per request.
 */
const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<Principal['role'], Guarded>>>();

function guardOf(schema: GraphQLSchema, document: DocumentNode, role: Principal['role']): Guarded {
  let bySchema = verdicts.get(schema);
  if (!bySchema) {
    bySchema = new WeakMap();
    verdicts.set(schema, bySchema);
  }
  let byRole = bySchema.get(document);
  if (!byRole) {
    byRole = new Map();
    bySchema.set(document, byRole);
  }
  let verdict = byRole.get(role);
  if (!verdict) {
    verdict = walk(schema, document, role);
    byRole.set(role, verdict);
  }
  return verdict;
}

function walk(schema: GraphQLSchema, document: DocumentNode, role: Principal['role']): Guarded {
  const allowed = POLICY_TABLE[role].read as Record<SubjectName, readonly string[]>;
  const typeInfo = new graphql.TypeInfo(schema);
  const denied: Array<{ field: string; reason: 'NOT_PERMITTED'; node: FieldNode }> = [];
  const stripped = graphql.visit(
    document,
    graphql.visitWithTypeInfo(typeInfo, {
      Field(node: FieldNode) {
        const parent = typeInfo.getParentType()?.name;
        if (!isSubject(parent)) return undefined;
        const name = node.name.value;
        const section = parent === 'Child' ? SECTION_OF[name] : undefined;
        const forbidden = INTERNAL_FIELDS[parent]?.includes(name)
          ? true
          : section
            ? allowed[section].length === 0
            : (SUBJECT_FIELDS[parent] as readonly string[]).includes(name) && !allowed[parent].includes(name);
        if (!forbidden) return undefined;
        denied.push({ field: `${parent}.${name}`, reason: 'NOT_PERMITTED', node });
        return null;
      },
      SelectionSet: {
        leave(node: SelectionSetNode) {
          // A selection emptied by the guard would be invalid GraphQL: keep it valid.
          if (node.selections.length > 0) return undefined;
          return {
            ...node,
            selections: [
              { kind: graphql.Kind.FIELD, name: { kind: graphql.Kind.NAME, value: '__typename' } },
            ],
          };
        },
      },
    }),
  );
  return { stripped, denied, key: `${role}#${++verdictsMade}` };
}

/**
 * The key mercurius-gateway caches each subgraph sub-query under (`__currentQuery`, joined with
 * the field's path and type). The plan depends on the role (the guard rewrites the document per
 * role), so the key must name the role too. It was the role plus the whole query text, so every
 * subgraph call of every request built and hashed a string as long as the query (tiny-lru's
 * get ≈1% of the gateway's CPU); now it is the verdict's short name, one per schema, parsed
 * document and role: two query texts are two documents, so two names (a document mercurius
 * parses again after evicting it gets a new name: a cache miss, never a wrong plan).
 */
function planKey(schema: GraphQLSchema, document: DocumentNode, role: Principal['role']): string {
  return guardOf(schema, document, role).key;
}

export const fieldGuardPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('gatewayDenials', null as never);
    app.addHook('onRequest', async (request) => {
      request.gatewayDenials = [];
    });
    app.graphql.addHook('preExecution', async (schema, document, context) => {
      const request = context.reply.request;
      if (!request.principal) return undefined;
      // mercurius-gateway caches each subgraph sub-query under the raw query text
      // (`__currentQuery`). The rewritten document depends on the role, so the cache key must
      // too — otherwise one role's stripped plan is replayed for another (planKey).
      const ctx = context as unknown as { __currentQuery?: string };
      ctx.__currentQuery = planKey(schema, document, request.principal.role);
      const result = stripForbiddenFields(schema, document, request.principal);
      if (result.denied.length === 0) return undefined;
      request.gatewayDenials.push(...result.denied);
      return { document: result.document, errors: result.errors };
    });
  },
  { name: 'hub-field-guard', dependencies: ['hub-auth'] },
);
