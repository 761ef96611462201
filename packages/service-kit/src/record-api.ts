import type { ServiceAudience } from '@hub/auth';
import { UUID_PATTERN } from '@hub/identifiers';
import {
  type AdviceDomain,
  type ChildAccessFacts,
  DOMAINS,
  type Domain,
  type OrgType,
  type Purpose,
  type RelationshipKind,
} from '@hub/policy';
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The record service's internal API, declared once. The record registers its routes from these
 * definitions (serveRecordRoute: the body is validated before the handler runs, the answer is
 * written by a compiled serializer), and the callers' typed client is derived from the same
 * definitions (callRecord: route name → body type → answer type). No route path is spelled
 * anywhere else and no answer is cast.
 *
 * Why TypeBox: one declaration is both the JSON Schema Fastify compiles (ajv for the body,
 * fast-json-stringify for the answer) and the TypeScript type both sides are checked against.
 *
 * Answers are declared but never validated by the caller: the serializer on the record's side
 * writes exactly the declared properties, and the access-facts call is on every adapter
 * request's path (docs/performance.md), so it must cost no more than a JSON.parse.
 */

/** A string on the wire whose TypeScript type is a literal union owned by @hub/policy. */
const wire = <T extends string>() => Type.Unsafe<T>(Type.String());
const nullableString = () => Type.Unsafe<string | null>({ type: ['string', 'null'] });
const Uuid = Type.String({ pattern: UUID_PATTERN });
const uuids = (max: number) => Type.Array(Uuid, { maxItems: max });

/**
 * Every refusal of these routes, whatever the status: `{ error: { code, message } }`, the same
 * problem shape the routes' guard answers with. The code is the hub's error catalogue code.
 */
export const Problem = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    /** Every problem of a refused request, when there are several (identity resolve). */
    problems: Type.Optional(Type.Array(Type.String())),
  }),
});
export type Problem = Static<typeof Problem>;

export const AccessFacts = Type.Object({
  childId: Type.String(),
  dateOfBirth: Type.String(),
  relationships: Type.Array(
    Type.Object({ orgId: Type.String(), kind: wire<RelationshipKind>(), active: Type.Boolean() }),
  ),
  parentCarerSubs: Type.Array(Type.String()),
  youngPersonSub: nullableString(),
  parentAccessConfirmedByYoungPerson: Type.Boolean(),
  consents: Type.Array(
    Type.Object({
      id: Type.String(),
      childId: Type.String(),
      domain: wire<Domain>(),
      recipientOrgType: wire<OrgType>(),
      purpose: wire<Purpose>(),
      grantedBySub: Type.String(),
      grantedByRole: wire<'parent_carer' | 'young_person'>(),
      startsAt: Type.String(),
      expiresAt: nullableString(),
      withdrawnAt: nullableString(),
      confirmedByYoungPersonAt: nullableString(),
    }),
  ),
  breakGlass: Type.Array(
    Type.Object({
      sub: Type.String(),
      reason: Type.String(),
      startsAt: Type.String(),
      expiresAt: Type.String(),
    }),
  ),
  capacityRepresentatives: Type.Optional(
    Type.Array(
      Type.Object({
        id: Type.String(),
        sub: Type.String(),
        basis: wire<'deputy' | 'attorney' | 'parent_acting'>(),
        recordedAt: Type.String(),
        reviewBy: Type.String(),
        endedAt: nullableString(),
      }),
    ),
  ),
});

/** An EHC needs assessment in progress (the health service refuses advice without one). */
export const ActiveAssessment = Type.Object({
  childId: Type.String(),
  assessmentId: Type.String(),
  requestDate: Type.String(),
  decision: Type.Unsafe<'assess' | 'not_assess' | null>({ type: ['string', 'null'] }),
});
export type ActiveAssessment = Static<typeof ActiveAssessment>;

/** A source record an adapter asks the master child index about (README "Identity matching"). */
export interface IdentityRecord {
  system: string;
  sourceId: string;
  identifiers: { nhsNumber?: string; nhsNumberVerified?: boolean; upn?: string; laChildId?: string };
  demographics: {
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    sex?: 'male' | 'female' | 'other' | 'unknown';
    postcode?: string;
  };
}

const identityStatus = () => wire<'linked' | 'review' | 'conflict' | 'rejected'>();
export const IdentityResult = Type.Object({
  system: Type.String(),
  sourceId: Type.String(),
  status: identityStatus(),
  childId: Type.Optional(Type.String()),
  reason: Type.Optional(Type.String()),
});
export type IdentityResult = Static<typeof IdentityResult>;

/**
 * A body checked by the route's own validator, not by a schema: the identity routes answer a
 * bad record on its own (every problem listed) and never let it block the good ones, which a
 * schema's all-or-nothing 400 cannot do. Typed for the caller all the same.
 */
const checkedByHandler = <T>() => Type.Unsafe<T>({ type: 'object' });

/** Who may call a route: a user's gateway-signed context, or a service token of one audience. */
export type RecordRouteCaller = { hubAccess: 'context' } | { serviceAuth: ServiceAudience };

export interface RecordRouteDefinition {
  method: 'POST';
  url: `/internal/${string}`;
  /** Declared on the route's `config`; the internal-context guard reads it (deny by default). */
  config: RecordRouteCaller;
  /** The 400 message when the body does not match `schema.body` (ajv's detail is appended). */
  invalid: string;
  /** Fastify's default is 1 MiB. */
  bodyLimit?: number;
  schema: { body: TSchema; response: { 200: TSchema } & Record<number, TSchema> };
}

const CONTEXT = { hubAccess: 'context' } as const;
const refusals = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem } as const;

export const RECORD_API = {
  /**
   * The adapters' one question to the core record: for these children, what are the
   * relationships, family, consents and break-glass entries? Children it does not know are
   * simply absent from the answer (the adapter decides NOT_FOUND itself).
   */
  accessFacts: {
    method: 'POST',
    url: '/internal/access-facts',
    config: CONTEXT,
    invalid: 'childIds must be an array of at most 500 UUIDs',
    schema: {
      body: Type.Object({ childIds: uuids(500) }),
      response: { 200: Type.Object({ facts: Type.Array(AccessFacts) }), ...refusals },
    },
  },
  /**
   * One advice action's facts in one round trip: the child's access facts (absent: no such
   * child) and its EHC needs assessment in progress (absent: none).
   */
  adviceContext: {
    method: 'POST',
    url: '/internal/ehc-advice-context',
    config: CONTEXT,
    invalid: 'childId must be a UUID',
    schema: {
      body: Type.Object({ childId: Uuid }),
      response: {
        200: Type.Object({
          facts: Type.Optional(AccessFacts),
          active: Type.Optional(ActiveAssessment),
        }),
        ...refusals,
      },
    },
  },
  /** Which of these children have an EHC needs assessment in progress. */
  ehcAssessments: {
    method: 'POST',
    url: '/internal/ehc-assessments',
    config: CONTEXT,
    invalid: 'childIds must be an array of at most 500 UUIDs',
    schema: {
      body: Type.Object({ childIds: uuids(500) }),
      response: { 200: Type.Object({ active: Type.Array(ActiveAssessment) }), ...refusals },
    },
  },
  /**
   * An adapter has submitted its agency's advice (health when `domain` is absent) for this
   * assessment, so the council's request for it is answered. The record decides for itself
   * whether the caller may write that advice (403) and whether the assessment exists (404).
   */
  adviceReceived: {
    method: 'POST',
    url: '/internal/ehc-advice-received',
    config: CONTEXT,
    invalid: 'assessmentId must be a UUID and domain one of education, health or social_care',
    schema: {
      body: Type.Object({
        assessmentId: Uuid,
        domain: Type.Optional(Type.Unsafe<AdviceDomain>({ type: 'string', enum: [...DOMAINS] })),
      }),
      response: { 200: Type.Object({ marked: Type.Integer() }), ...refusals },
    },
  },
  /** The children whose figures the caller may see (their councils in scope): ids only. */
  kpiChildren: {
    method: 'POST',
    url: '/internal/kpi-children',
    config: CONTEXT,
    invalid: 'the body must be a JSON object',
    schema: {
      body: Type.Object({}),
      response: {
        200: Type.Object({ councils: Type.Array(Type.String()), childIds: Type.Array(Type.String()) }),
        ...refusals,
      },
    },
  },
  /**
   * The gateway's question for audit tenancy: the council of each child (service token, not a
   * user context: the gateway also records callers it could not authenticate).
   */
  childCouncils: {
    method: 'POST',
    url: '/internal/child-councils',
    config: { serviceAuth: 'child-councils' },
    invalid: 'childIds must be an array of at most 10000 UUIDs',
    schema: {
      body: Type.Object({ childIds: uuids(10_000) }),
      response: {
        200: Type.Object({ councils: Type.Record(Type.String(), Type.String()) }),
        ...refusals,
      },
    },
  },
  /**
   * The master child index for the adapters' ingests: the child of each source record, in the
   * same order (linked, for review, conflict or rejected with the reason). Service token.
   */
  identityResolve: {
    method: 'POST',
    url: '/internal/identity/resolve',
    config: { serviceAuth: 'identity-resolve' },
    invalid: 'the body must be a JSON object {orgId, records}',
    // A 2000-record batch is ≈1 MB of JSON.
    bodyLimit: 4 * 1024 * 1024,
    schema: {
      body: checkedByHandler<{ orgId: string; records: IdentityRecord[] }>(),
      response: { 200: Type.Object({ results: Type.Array(IdentityResult) }), ...refusals },
    },
  },
  /** The current child of each source record, so adapters hide rows whose link was undone. */
  identityLinks: {
    method: 'POST',
    url: '/internal/identity/links',
    config: { serviceAuth: 'identity-resolve' },
    invalid: 'the body must be a JSON object {system, sourceIds}',
    schema: {
      body: checkedByHandler<{ system: string; sourceIds: string[] }>(),
      response: {
        200: Type.Object({
          links: Type.Array(
            Type.Object({
              sourceId: Type.String(),
              status: Type.Unsafe<IdentityResult['status'] | 'unknown'>(Type.String()),
              childId: nullableString(),
            }),
          ),
        }),
        ...refusals,
      },
    },
  },
} as const satisfies Record<string, RecordRouteDefinition>;

export type RecordApi = typeof RECORD_API;
export type RecordRouteName = keyof RecordApi;
export type RecordBody<N extends RecordRouteName> = Static<RecordApi[N]['schema']['body']>;
export type RecordAnswer<N extends RecordRouteName> = Static<RecordApi[N]['schema']['response'][200]>;

// The wire shape of the facts is exactly the policy's ChildAccessFacts, both ways: a field added
// to one and not the other fails to compile (and would otherwise be dropped by the serializer).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const factsMatchPolicy: Same<Static<typeof AccessFacts>, ChildAccessFacts> = true;
void factsMatchPolicy;
