import { isUuid } from '@hub/identifiers';
import { canSeeEhcWorkflow, canSeeFamilyInformation, canSeeKpis } from '@hub/policy';
import {
  HubError,
  isHubError,
  notFound,
  requireCaller,
  type SubgraphContext,
  type SubgraphResolvers,
} from '@hub/service-kit';
import type { MercuriusLoaders } from 'mercurius';
import { childIdsOfCouncils, councilsInScope } from '../council.ts';
import {
  confirmFamilyItem,
  familyInformationHistory,
  latestFamilyInformation,
  updateFamilyInformation,
} from '../family-information/index.ts';
import type { Resolvers } from '../generated/graphql.ts';
import { annualReviewsFor } from './annual-review-view.ts';
import { ehcKpis } from './kpis.ts';
import { ehcLifecycleResolvers } from './lifecycle-resolvers.ts';
import { assessmentsFor, parseAsAt } from './workflow.ts';
import {
  childIdOfAdviceRequest,
  childIdOfAssessment,
  childIdOfReview,
  recordAdviceReceived,
  recordAdviceRequest,
  recordAnnualReview,
  recordAnnualReviewDecision,
  recordAssessmentRequest,
  updateAssessment,
} from './writes.ts';

function uuidArg(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value))
    throw new HubError('INVALID_INPUT', `${field} must be a UUID.`, { field });
  return value.toLowerCase();
}

type Query = { obj: { id?: unknown }; params: Record<string, unknown> };

/**
 * Child fields of the tell-it-once and EHC parts, as mercurius loaders (one query per table per
 * request however many children are listed). Each child is checked with the policy function for
 * that part; a refused child gets an error in that field alone.
 */
function childLoader<T>(
  field: string,
  subject: string,
  rule: typeof canSeeFamilyInformation,
  load: (ctx: SubgraphContext, ids: string[], query: Query) => Promise<Map<string, T>>,
) {
  return async (queries: Query[], ctx: SubgraphContext) => {
    requireCaller(ctx);
    const ids = [...new Set(queries.map((q) => String(q.obj.id)))];
    const access = await ctx.door.gate(ids, (facts, now) => rule(ctx.hub.principal, facts, now), {
      subject,
      field,
      deniedReason: 'NOT_PERMITTED',
    });
    const readable = ids.filter((id) => !isHubError(access.get(id)));
    // Queries with different arguments (asAt) are loaded separately; usually there is one.
    const byParams = new Map<string, Map<string, T>>();
    const results: Array<T | HubError | null> = [];
    for (const query of queries) {
      const childId = String(query.obj.id);
      const allowed = access.get(childId);
      if (allowed === undefined || isHubError(allowed)) {
        results.push(allowed ?? null);
        continue;
      }
      const key = JSON.stringify(query.params ?? {});
      if (!byParams.has(key)) byParams.set(key, await load(ctx, readable, query));
      results.push(byParams.get(key)!.get(childId) ?? null);
    }
    return results;
  };
}

export const sendLoaders: MercuriusLoaders = {
  Child: {
    familyInformation: childLoader(
      'familyInformation',
      'FamilyInformation',
      canSeeFamilyInformation,
      (ctx, ids) => latestFamilyInformation(ctx.db, ids),
    ),
    familyInformationHistory: childLoader(
      'familyInformationHistory',
      'FamilyInformation',
      canSeeFamilyInformation,
      (ctx, ids) => familyInformationHistory(ctx.db, ids),
    ),
    ehcAssessments: childLoader('ehcAssessments', 'EhcAssessment', canSeeEhcWorkflow, (ctx, ids, q) =>
      // Exception evidence may describe a family's private circumstances: the LA SEND team only.
      assessmentsFor(ctx.db, ids, parseAsAt(q.params.asAt), {
        showEvidence: ctx.hub.principal.role === 'la_send_officer',
      }),
    ),
    annualReview: childLoader('annualReview', 'EhcAssessment', canSeeEhcWorkflow, async (ctx, ids, q) => {
      const map = await annualReviewsFor(ctx.db, ids, parseAsAt(q.params.asAt));
      return new Map([...map].flatMap(([k, v]) => (v ? [[k, v] as const] : [])));
    }),
  } as never,
};

/** Every EHC workflow write: the ability's `record` on EhcAssessment, through the door. */
const manage = (ctx: SubgraphContext, childId: string, action: string) =>
  ctx.door.require(childId, ['record', 'EhcAssessment'], { action });

/**
 * For mutations that name an assessment, advice request or review rather than a child: an id
 * that does not exist and one of a child the caller cannot see give the same NOT_FOUND, without
 * the child's id (the door's NOT_FOUND would name it). A caller who can see the child
 * still gets the specific FORBIDDEN.
 */
async function manageByRecord(
  ctx: SubgraphContext,
  lookupChildId: () => Promise<string>,
  notFound: HubError,
  action: string,
): Promise<void> {
  const hidden = (error: unknown) => isHubError(error) && error.code === 'NOT_FOUND';
  let childId: string;
  try {
    childId = await lookupChildId();
  } catch (error) {
    throw hidden(error) ? notFound : error;
  }
  try {
    await manage(ctx, childId, action);
  } catch (error) {
    throw hidden(error) ? notFound : error;
  }
}

export const sendResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    ...ehcLifecycleResolvers.Query,
    async sendKpis(_root, args, ctx) {
      requireCaller(ctx);
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      // Tenancy: only the children of the councils the caller works for (council.ts).
      const children = await childIdsOfCouncils(ctx.db, await councilsInScope(ctx.db, ctx.hub.principal));
      return ehcKpis(ctx.db, parseAsAt(args.asAt), children);
    },
  },
  Mutation: {
    ...ehcLifecycleResolvers.Mutation,
    async updateFamilyInformation(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      await ctx.door.require(childId, ['edit', 'FamilyInformation'], { action: 'updateFamilyInformation' });
      return updateFamilyInformation(
        ctx.db,
        ctx.hub.principal,
        childId,
        args.expectedVersion,
        args.input ?? {},
      );
    },
    async confirmFamilyItem(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      const itemId = uuidArg(args.itemId, 'itemId');
      await ctx.door.require(childId, ['confirm', 'FamilyInformation'], { action: 'confirmFamilyItem' });
      return confirmFamilyItem(ctx.db, ctx.hub.principal, childId, itemId, args.note);
    },
    async recordEhcAssessmentRequest(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      await manage(ctx, childId, 'recordEhcAssessmentRequest');
      return recordAssessmentRequest(ctx.db, ctx.hub.principal.sub, childId, args.requestDate);
    },
    async updateEhcAssessment(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.id, 'id');
      await manageByRecord(
        ctx,
        () => childIdOfAssessment(ctx.db, id),
        notFound('EHC needs assessment', 'assessmentId', id),
        'updateEhcAssessment',
      );
      return updateAssessment(ctx.db, id, args.input ?? {});
    },
    async recordEhcAdviceRequest(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.assessmentId, 'assessmentId');
      await manageByRecord(
        ctx,
        () => childIdOfAssessment(ctx.db, id),
        notFound('EHC needs assessment', 'assessmentId', id),
        'recordEhcAdviceRequest',
      );
      return recordAdviceRequest(ctx.db, id, args.agency, args.sentDate);
    },
    async recordEhcAdviceReceived(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.adviceRequestId, 'adviceRequestId');
      await manageByRecord(
        ctx,
        () => childIdOfAdviceRequest(ctx.db, id),
        notFound('advice request', 'adviceRequestId', id),
        'recordEhcAdviceReceived',
      );
      return recordAdviceReceived(ctx.db, id, args.receivedDate);
    },
    async recordAnnualReview(_root, args, ctx) {
      requireCaller(ctx);
      const childId = uuidArg(args.childId, 'childId');
      await manage(ctx, childId, 'recordAnnualReview');
      return recordAnnualReview(ctx.db, childId, args.meetingDate, args.decisionDate);
    },
    async recordAnnualReviewDecision(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.reviewId, 'reviewId');
      await manageByRecord(
        ctx,
        () => childIdOfReview(ctx.db, id),
        notFound('annual review', 'reviewId', id),
        'recordAnnualReviewDecision',
      );
      return recordAnnualReviewDecision(ctx.db, id, args.decisionDate);
    },
  },
};
