import { isUuid, isValidNhsNumber, isValidUpn, normaliseNhsNumber } from '@hub/identifiers';
import {
  type ChildAccessFacts,
  canSeeEhcWorkflow,
  consentKindsConsulted,
  POLICY_TABLE,
  type Principal,
} from '@hub/policy';
import {
  childNotFound,
  guardedFieldResolvers,
  HubError,
  isHubError,
  keptAssessment,
  requireCaller,
  type SubgraphContext,
  type SubgraphResolvers,
} from '@hub/service-kit';
import { type ChildIdentityRow, readChildren, searchChildrenWithFacts } from './access-facts-query.ts';
import {
  capacityResolvers,
  childIdsRepresentedBy,
  confirmConsent,
  consentRequests,
  consentRequestsFrom,
  getParentCarerAccess,
  grantConsent,
  listConsents,
  myActiveBreakGlass,
  openBreakGlass,
  setParentCarerAccess,
  withdrawConsent,
} from './consent/index.ts';
import {
  ADVICE_AGENCY_OF_ROLE,
  assessmentsFor,
  childrenAwaitingAdvice,
  sendResolvers,
  todayInEngland,
} from './ehc/index.ts';
import type { Resolvers } from './generated/graphql.ts';
import { identityResolvers } from './identity/index.ts';
import { dashboardResolvers } from './reporting/index.ts';
import { type ChildSearchCriteria, countChildren, findChildren, type SearchScope } from './repository.ts';
import { viewer } from './viewer.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_FAMILY_RECORDS = 50;
/** Paging through a search stops here: past it, narrow the search. */
const MAX_SEARCH_OFFSET = 10_000;

/**
 * A child id argument. The message names the argument as the caller wrote it (`childId`,
 * `input.childId`) so they can see what to fix.
 */
export function validateChildId(id: unknown, argument = 'id'): string {
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new HubError(
      'INVALID_INPUT',
      `${argument} must be a UUID (the child's id in the hub), for example 3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60.`,
      { field: argument },
    );
  }
  return id.toLowerCase();
}

/** Validates search input; every problem is reported at once. */
export function validateSearch(
  input: Record<string, unknown>,
  first: unknown,
): { criteria: ChildSearchCriteria; limit: number } {
  const problems: string[] = [];
  const criteria: ChildSearchCriteria = {};
  const name = typeof input.name === 'string' ? input.name.trim() : undefined;
  if (name !== undefined) {
    if (name.length < 2 || name.length > 100) problems.push('name must be 2 to 100 characters');
    else criteria.name = name;
  }
  if (typeof input.nhsNumber === 'string') {
    const nhs = normaliseNhsNumber(input.nhsNumber);
    if (!isValidNhsNumber(nhs))
      problems.push('nhsNumber is not a valid NHS number (10 digits with a correct check digit)');
    else criteria.nhsNumber = nhs;
  }
  if (typeof input.upn === 'string') {
    const upn = input.upn.trim().toUpperCase();
    if (!isValidUpn(upn))
      problems.push('upn is not a valid Unique Pupil Number (13 characters with a correct check letter)');
    else criteria.upn = upn;
  }
  if (typeof input.dateOfBirth === 'string') {
    if (!ISO_DATE.test(input.dateOfBirth) || Number.isNaN(Date.parse(`${input.dateOfBirth}T00:00:00Z`))) {
      problems.push('dateOfBirth must be a date written YYYY-MM-DD');
    } else criteria.dateOfBirth = input.dateOfBirth;
  }
  const limit = first === undefined || first === null ? 20 : Number(first);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) problems.push('first must be between 1 and 50');
  if (problems.length === 0 && Object.keys(criteria).length === 0) {
    problems.push('give at least one of name, nhsNumber, upn or dateOfBirth');
  }
  if (problems.length > 0)
    throw new HubError('INVALID_INPUT', `Invalid search: ${problems.join('; ')}.`, { problems });
  return { criteria, limit };
}

/** The Child fields a search criterion matches on; the caller must be allowed to read each. */
const CRITERION_FIELDS = {
  name: { fields: ['givenName', 'familyName'], words: 'name' },
  nhsNumber: { fields: ['nhsNumber'], words: 'NHS number' },
  upn: { fields: ['upn'], words: 'Unique Pupil Number' },
  dateOfBirth: { fields: ['dateOfBirth'], words: 'date of birth' },
} as const satisfies Record<keyof ChildSearchCriteria, { fields: readonly string[]; words: string }>;

/**
 * A search may only match on fields the caller's role may read (POLICY_TABLE): otherwise a
 * search on an NHS number would confirm it belongs to a child on the SENCO's roll although the
 * SENCO never sees NHS numbers. Refused up front, before any query, whatever the data.
 */
export function requireSearchableCriteria(principal: Principal, criteria: ChildSearchCriteria): void {
  const readable: readonly string[] = POLICY_TABLE[principal.role].read.Child;
  const refused = (Object.keys(criteria) as (keyof ChildSearchCriteria)[]).filter(
    (criterion) =>
      criteria[criterion] !== undefined &&
      !CRITERION_FIELDS[criterion].fields.every((field) => readable.includes(field)),
  );
  if (refused.length === 0) return;
  const allowed = (Object.keys(CRITERION_FIELDS) as (keyof ChildSearchCriteria)[]).filter((criterion) =>
    CRITERION_FIELDS[criterion].fields.every((field) => readable.includes(field)),
  );
  const words = (list: (keyof ChildSearchCriteria)[]) =>
    list.map((c) => CRITERION_FIELDS[c].words).join(', ');
  throw new HubError(
    'FORBIDDEN',
    `You cannot search by ${words(refused)}: your role does not see it.` +
      (allowed.length > 0 ? ` Search by ${words(allowed)} instead.` : ''),
    { criteria: refused, searchableBy: allowed },
  );
}

function searchScope(principal: Principal): SearchScope {
  const rule = POLICY_TABLE[principal.role].relationship;
  if (rule === 'never')
    throw new HubError('FORBIDDEN', 'Your role gives access to the audit log, not to child records.');
  if (rule === 'parental_responsibility' || rule === 'self') return { kind: 'family', sub: principal.sub };
  return { kind: 'organisation', orgId: principal.orgId, relationships: rule };
}

/**
 * The consents a page needs: only the kinds this caller's decisions can consult (@hub/policy
 * consentKindsConsulted), since a page's facts go nowhere but visibleChildren's decisions.
 */
function pageConsents(ctx: SubgraphContext) {
  return consentKindsConsulted(ctx.hub.principal, ctx.hub.purpose);
}

/**
 * Applies the policy to identity rows, through the access door: children the caller may not see
 * are dropped (and the attempt reported for the audit); the rest are guarded field by field, each
 * with the assessment made for `Child.accessGrant` (a page of any size gets grants: each is the
 * ~150-byte assessment, not the child's facts; docs/performance.md).
 */
function visibleChildren(
  ctx: SubgraphContext,
  found: ReadonlyArray<{ row: ChildIdentityRow; facts: ChildAccessFacts }>,
) {
  return ctx.door.seeChildren(
    found.map((f) => f.row),
    { facts: new Map(found.map((f) => [f.row.id, f.facts])) },
  );
}

/**
 * Children asked for by id: the identity rows and the access facts in one statement
 * (readChildren), then the same policy as visibleChildren. Unknown ids are absent.
 */
async function visibleChildrenById(ctx: SubgraphContext, ids: readonly string[]) {
  return visibleChildren(ctx, [...(await readChildren(ctx.db, ids)).values()]);
}

function validateConsentId(id: unknown): string {
  if (typeof id !== 'string' || !isUuid(id)) {
    throw new HubError('INVALID_INPUT', "id must be a UUID (the consent's id, as listed by consents).", {
      field: 'id',
    });
  }
  return id.toLowerCase();
}

/**
 * A consent write, reported by the door for the audit event (consents.ts checks it with
 * @hub/policy canManageConsent). withdrawConsent and confirmConsent name a consent, not a child,
 * so the gateway cannot read the child of a refusal from the arguments: the refusal reports the
 * consent's child (no fields), so the audit event carries it and an auditor filtering by child
 * finds it, whatever the caller was told (NOT_FOUND or FORBIDDEN). Then the error goes on unchanged.
 */
function consentWrite<T extends { childId: string }>(
  ctx: SubgraphContext,
  action: string,
  work: () => Promise<T>,
  consentId?: string,
): Promise<T> {
  const refusedChild = async () => {
    const [row] = await ctx.db.query<{ child_id: string }>(
      'select child_id::text as child_id from record.consent where id = $1',
      [consentId],
    );
    return row?.child_id ?? null;
  };
  return ctx.door.audited(
    { subject: 'Consent', action, children: (v) => [v.childId], ...(consentId ? { refusedChild } : {}) },
    work,
  );
}

/** A read of one child's consent information that consents.ts checked: reported by the door. */
const consentRead = <T>(ctx: SubgraphContext, childId: string, field: string, work: () => Promise<T>) =>
  ctx.door.audited({ subject: 'Consent', field, children: () => [childId] }, work);

export const resolvers: SubgraphResolvers<Resolvers> = {
  Query: {
    viewer(_root, _args, ctx) {
      requireCaller(ctx);
      return viewer(ctx.hub.principal);
    },
    async child(_root, args, ctx) {
      requireCaller(ctx);
      const id = validateChildId(args.id);
      const [visible] = await visibleChildrenById(ctx, [id]);
      // Not found and not yours read the same: a caller learns nothing about children outside their remit.
      if (!visible) throw childNotFound(id);
      return visible;
    },
    async children(_root, args, ctx) {
      requireCaller(ctx);
      const { criteria, limit } = validateSearch(args.search ?? {}, args.first);
      const scope = searchScope(ctx.hub.principal);
      requireSearchableCriteria(ctx.hub.principal, criteria);
      // One statement: the page with each child's identity and access facts.
      return visibleChildren(
        ctx,
        await searchChildrenWithFacts(ctx.db, criteria, limit, scope, { consents: pageConsents(ctx) }),
      );
    },
    async childSearch(_root, args, ctx) {
      requireCaller(ctx);
      const { criteria, limit } = validateSearch(args.search ?? {}, args.first);
      const offset = args.offset ?? 0;
      if (!Number.isInteger(offset) || offset < 0 || offset > MAX_SEARCH_OFFSET) {
        throw new HubError(
          'INVALID_INPUT',
          `Invalid search: offset must be between 0 and ${MAX_SEARCH_OFFSET}.`,
          {
            problems: [`offset must be between 0 and ${MAX_SEARCH_OFFSET}`],
          },
        );
      }
      const scope = searchScope(ctx.hub.principal);
      requireSearchableCriteria(ctx.hub.principal, criteria);
      // The total counts what the page query would return over every page: the same criteria
      // within the same relationship (a school's roll, a team's allocations...).
      const [found, totalCount] = await Promise.all([
        searchChildrenWithFacts(ctx.db, criteria, limit, scope, { offset, consents: pageConsents(ctx) }),
        countChildren(ctx.db, criteria, scope),
      ]);
      return { totalCount, offset, children: await visibleChildren(ctx, found) };
    },
    async myBreakGlass(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      return ctx.door.audited(
        {
          subject: 'BreakGlass',
          field: 'active',
          children: (active) => (active ? [childId] : []),
          breakGlass: (active) => active?.reason ?? null,
        },
        () => myActiveBreakGlass(ctx.db, ctx.hub.principal, childId),
      );
    },
    async myRecords(_root, _args, ctx) {
      requireCaller(ctx);
      const { role, sub } = ctx.hub.principal;
      if (role !== 'parent_carer' && role !== 'young_person') return [];
      const scope = { kind: 'family', sub } as const;
      // A family holds a handful of records; MAX_FAMILY_RECORDS only bounds a data error.
      const found = await searchChildrenWithFacts(ctx.db, {}, MAX_FAMILY_RECORDS, scope, {
        consents: pageConsents(ctx),
      });
      // A capacity representative who is not a listed parent carer (e.g. a professional deputy).
      const listed = new Set(found.map((f) => f.row.id));
      const represented = (role === 'parent_carer' ? await childIdsRepresentedBy(ctx.db, sub) : []).filter(
        (id) => !listed.has(id),
      );
      const extra = represented.length > 0 ? [...(await readChildren(ctx.db, represented)).values()] : [];
      return visibleChildren(ctx, [...found, ...extra]);
    },
    async adviceRequestsForMe(_root, _args, ctx) {
      requireCaller(ctx);
      const principal = ctx.hub.principal;
      const agency = ADVICE_AGENCY_OF_ROLE[principal.role];
      const scope = agency ? searchScope(principal) : null;
      if (!agency || scope?.kind !== 'organisation') return [];
      const ids = await childrenAwaitingAdvice(ctx.db, agency, scope.orgId, scope.relationships);
      const gate = await ctx.door.gate(ids, (f, now) => canSeeEhcWorkflow(principal, f, now), {
        subject: 'EhcAssessment',
        field: 'ehcAssessments',
        deniedReason: 'NOT_PERMITTED',
      });
      const visible = ids.filter((id) => !isHubError(gate.get(id)));
      const [rows, assessments] = await Promise.all([
        findChildren(ctx.db, visible),
        assessmentsFor(ctx.db, visible, todayInEngland()),
      ]);
      return visible.flatMap((id) => {
        const row = rows.get(id);
        const seen = gate.get(id);
        if (!row || !seen || isHubError(seen)) return [];
        const f = seen.facts;
        const child = seen.guard(row, 'Child');
        return (assessments.get(id) ?? [])
          .filter((a) => a.active)
          .flatMap((a) =>
            a.adviceRequests
              .filter((r) => r.agency === agency && r.receivedDate === null)
              .map((request) => ({
                assessmentId: a.id,
                request,
                child,
                // Warned before the form: the family has not yet agreed to what the advice needs.
                consentNeeded:
                  consentRequestsFrom([a], f, new Date()).find((c) => c.adviceRequestId === request.id) ??
                  null,
              })),
          );
      });
    },
    async parentCarerAccess(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      const allowed = await consentRead(ctx, childId, 'parentCarerAccess', () =>
        getParentCarerAccess(ctx.db, ctx.hub.principal, childId),
      );
      return { childId, allowed };
    },
    async consentRequests(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      return consentRead(ctx, childId, 'consentRequests', () =>
        consentRequests(ctx.db, ctx.hub.principal, childId),
      );
    },
    async consents(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      return consentRead(ctx, childId, 'history', () => listConsents(ctx.db, ctx.hub.principal, childId));
    },
    ...sendResolvers.Query,
    ...dashboardResolvers.Query,
    ...capacityResolvers.Query,
    ...identityResolvers.Query,
  },
  Mutation: {
    ...sendResolvers.Mutation,
    ...capacityResolvers.Mutation,
    ...identityResolvers.Mutation,
    async grantConsent(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.input.childId, 'input.childId');
      return consentWrite(ctx, 'grantConsent', () =>
        grantConsent(ctx.db, ctx.hub.principal, { ...args.input, childId }),
      );
    },
    async withdrawConsent(_root, args, ctx) {
      requireCaller(ctx);
      const id = validateConsentId(args.id);
      return consentWrite(ctx, 'withdrawConsent', () => withdrawConsent(ctx.db, ctx.hub.principal, id), id);
    },
    async confirmConsent(_root, args, ctx) {
      requireCaller(ctx);
      const id = validateConsentId(args.id);
      return consentWrite(ctx, 'confirmConsent', () => confirmConsent(ctx.db, ctx.hub.principal, id), id);
    },
    async openBreakGlass(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      return ctx.door.audited(
        {
          subject: 'BreakGlass',
          action: 'openBreakGlass',
          children: () => [childId],
          breakGlass: (opened) => opened.reason,
        },
        () => openBreakGlass(ctx.db, ctx.hub.principal, { ...args, childId }),
      );
    },
    async setParentCarerAccess(_root, args, ctx) {
      requireCaller(ctx);
      const childId = validateChildId(args.childId, 'childId');
      const allowed = await ctx.door.audited(
        { subject: 'Consent', action: 'setParentCarerAccess', children: () => [childId] },
        () => setParentCarerAccess(ctx.db, ctx.hub.principal, childId, args.allowed),
      );
      return { childId, allowed };
    },
  },
  Child: {
    ...guardedFieldResolvers('Child'),
    /**
     * The signed assessment this request made (@hub/auth access-grant.ts), for the adapters via
     * the gateway. Never in a mutation's answer: facts read before the mutation's own write
     * (a withdrawal, say) must not be handed on; the adapters then read fresh facts themselves.
     */
    accessGrant(parent: { id: string }, _args, ctx, info) {
      if (info.operation.operation !== 'query') return null;
      const assessment = keptAssessment(parent);
      return assessment ? ctx.accessGrants.issue(parent.id, assessment) : null;
    },
    async __resolveReference(reference, _args, ctx) {
      requireCaller(ctx);
      const [visible] = await visibleChildrenById(ctx, [reference.id]);
      return visible ?? null;
    },
  },
};
