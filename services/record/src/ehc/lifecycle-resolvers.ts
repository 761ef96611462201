import { isUuid } from '@hub/identifiers';
import {
  HubError,
  isHubError,
  notFound,
  requireCaller,
  type SubgraphContext,
  type SubgraphResolvers,
} from '@hub/service-kit';
import type { Resolvers } from '../generated/graphql.ts';
import { findChildren } from '../repository.ts';
import { recordEhcAdviceReuse } from './advice-reuse.ts';
import { updateAnnualReview } from './annual-review.ts';
import { annualReviewsFor } from './annual-review-view.ts';
import {
  appealById,
  ceaseEhcPlan,
  recordEhcAppeal,
  recordEhcAppealOutcome,
  recordEhcOrderCompliance,
} from './endings.ts';
import { childAndAssessmentOfException, endEhcException, recordEhcException } from './exceptions.ts';
import { phaseTransfersDue } from './phase-transfer.ts';
import { parseAsAt, todayInEngland } from './workflow.ts';
import { childIdOfAssessment, childIdOfReview, viewOf } from './writes.ts';

/**
 * GraphQL for the EHC lifecycle beyond the 20-week clock: exceptions, endings and appeals,
 * review to amendment, phase transfers. Every write is the LA SEND officer's (the ability's
 * `record` on EhcAssessment, checked on the child the record belongs to); the gateway audits every mutation.
 */
function uuidArg(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isUuid(value))
    throw new HubError('INVALID_INPUT', `${field} must be a UUID.`, { field });
  return value.toLowerCase();
}

/**
 * As ehc/resolvers.ts' manageByRecord: an unknown id and one of a child the caller cannot see give
 * the same NOT_FOUND (no existence oracle); a caller who can see the child gets FORBIDDEN.
 */
async function manageRecord(
  ctx: SubgraphContext,
  lookupChildId: () => Promise<string>,
  what: string,
  field: string,
  id: string,
  action: string,
): Promise<void> {
  const hidden = (error: unknown) => isHubError(error) && error.code === 'NOT_FOUND';
  try {
    const childId = await lookupChildId();
    await ctx.door.require(childId, ['record', 'EhcAssessment'], { action });
  } catch (error) {
    throw hidden(error) ? notFound(what, field, id) : error;
  }
}

const byAssessment = (ctx: SubgraphContext, id: string, action: string) =>
  manageRecord(
    ctx,
    () => childIdOfAssessment(ctx.db, id),
    'EHC needs assessment',
    'assessmentId',
    id,
    action,
  );
const byAppeal = (ctx: SubgraphContext, id: string, action: string) =>
  manageRecord(ctx, async () => (await appealById(ctx.db, id)).childId, 'appeal', 'appealId', id, action);

export const ehcLifecycleResolvers: SubgraphResolvers<Pick<Resolvers, 'Query' | 'Mutation'>> = {
  Query: {
    async ehcPhaseTransfersDue(_root, args, ctx) {
      requireCaller(ctx);
      if (ctx.hub.principal.role !== 'la_send_officer')
        throw new HubError('FORBIDDEN', 'Only the local authority SEND team plans phase-transfer reviews.');
      const asAt = parseAsAt(args.asAt);
      const due = await phaseTransfersDue(ctx.db, asAt);
      const ids = [...new Set(due.map((d) => d.childId))];
      // Only children the officer's council is responsible for (and so may manage).
      const access = await ctx.door.gate(ids, ['record', 'EhcAssessment'], {
        subject: 'EhcAssessment',
        field: 'ehcPhaseTransfersDue',
        deniedReason: 'NOT_PERMITTED',
      });
      const visible = ids.filter((id) => !isHubError(access.get(id)));
      const rows = await findChildren(ctx.db, visible);
      return due.flatMap((d) => {
        const row = rows.get(d.childId);
        const child = access.get(d.childId);
        if (!child || isHubError(child) || !row) return [];
        return [{ ...d, child: child.guard(row, 'Child') }];
      });
    },
  },
  Mutation: {
    async recordEhcException(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.assessmentId, 'assessmentId');
      await byAssessment(ctx, id, 'recordEhcException');
      await recordEhcException(
        ctx.db,
        ctx.hub.principal.sub,
        id,
        {
          kind: args.kind,
          from: args.from,
          to: args.to,
          evidence: args.evidence,
          adviceRequestId: args.adviceRequestId,
        },
        todayInEngland(),
      );
      return viewOf(ctx.db, id);
    },
    async recordEhcAdviceReuse(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.assessmentId, 'assessmentId');
      await byAssessment(ctx, id, 'recordEhcAdviceReuse');
      const input = (args.input ?? {}) as Record<string, unknown>;
      await recordEhcAdviceReuse(
        ctx.db,
        ctx.hub.principal.sub,
        id,
        {
          agency: input.agency,
          existingAdvice: input.existingAdvice,
          existingAdviceDate: input.existingAdviceDate,
          providerAgreedDate: input.providerAgreedDate,
          familyAgreedDate: input.familyAgreedDate,
          familyAgreedBy: input.familyAgreedBy,
        },
        todayInEngland(),
      );
      return viewOf(ctx.db, id);
    },
    async endEhcException(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.exceptionId, 'exceptionId');
      await manageRecord(
        ctx,
        async () => (await childAndAssessmentOfException(ctx.db, id)).childId,
        'EHC exception',
        'exceptionId',
        id,
        'endEhcException',
      );
      const assessmentId = await endEhcException(
        ctx.db,
        ctx.hub.principal.sub,
        id,
        args.to,
        todayInEngland(),
      );
      return viewOf(ctx.db, assessmentId);
    },
    async recordEhcAppeal(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.assessmentId, 'assessmentId');
      await byAssessment(ctx, id, 'recordEhcAppeal');
      await recordEhcAppeal(
        ctx.db,
        ctx.hub.principal.sub,
        id,
        { route: args.route, subject: args.subject, lodgedDate: args.lodgedDate },
        todayInEngland(),
      );
      return viewOf(ctx.db, id);
    },
    async recordEhcAppealOutcome(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.appealId, 'appealId');
      await byAppeal(ctx, id, 'recordEhcAppealOutcome');
      const assessmentId = await recordEhcAppealOutcome(
        ctx.db,
        id,
        { outcome: args.outcome, outcomeDate: args.outcomeDate, notToIssue: args.notToIssue },
        todayInEngland(),
      );
      return viewOf(ctx.db, assessmentId);
    },
    async recordEhcOrderCompliance(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.appealId, 'appealId');
      await byAppeal(ctx, id, 'recordEhcOrderCompliance');
      const assessmentId = await recordEhcOrderCompliance(
        ctx.db,
        id,
        { firstStepDate: args.firstStepDate, finalStepDate: args.finalStepDate },
        todayInEngland(),
      );
      return viewOf(ctx.db, assessmentId);
    },
    async ceaseEhcPlan(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.assessmentId, 'assessmentId');
      await byAssessment(ctx, id, 'ceaseEhcPlan');
      await ceaseEhcPlan(ctx.db, id, { ceasedDate: args.ceasedDate, reason: args.reason }, todayInEngland());
      return viewOf(ctx.db, id);
    },
    async updateAnnualReview(_root, args, ctx) {
      requireCaller(ctx);
      const id = uuidArg(args.reviewId, 'reviewId');
      await manageRecord(
        ctx,
        () => childIdOfReview(ctx.db, id),
        'annual review',
        'reviewId',
        id,
        'updateAnnualReview',
      );
      const input = (args.input ?? {}) as Record<string, unknown>;
      const childId = await updateAnnualReview(ctx.db, id, input, todayInEngland());
      return (await annualReviewsFor(ctx.db, [childId], todayInEngland())).get(childId);
    },
  },
};
