import { calendarDateAt, type IsoDate, isIsoDate, weeksWaited } from '@hub/ehc-clock';
import { canSeeKpis } from '@hub/policy';
import {
  guardedFieldResolvers,
  HubError,
  loadGuardedSections,
  postToRecord,
  requireCaller,
  type SubgraphContext,
} from '@hub/service-kit';
import type { IResolvers, MercuriusLoaders } from 'mercurius';
import { type AdviceInput, correct, createDraft, loadAdvice, submit, updateDraft } from './advice.ts';
import { pathwayWaitKpis } from './kpi.ts';
import { sendDashboardResolvers } from './pathway-resolvers.ts';
import { findSections } from './repository.ts';

const today = () => calendarDateAt(new Date(), 'Europe/London');

function adviceView<
  T extends { createdAt: Date; updatedAt: Date; submittedAt: Date | null; current?: boolean },
>(row: T) {
  return {
    ...row,
    current: row.current ?? false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    submittedAt: row.submittedAt?.toISOString() ?? null,
    date: (row.submittedAt ?? row.updatedAt).toISOString(),
  };
}

export const resolvers: IResolvers = {
  Child: {
    __resolveReference: (reference: { id: string }) => reference,
  },
  HealthSection: guardedFieldResolvers('HealthSection'),
  PathwayWait: {
    // Computed at read time so it is never stale: whole weeks to the seen date, or to today (in England).
    weeksWaited: (wait: { referralDate: IsoDate; seenDate: IsoDate | null }) =>
      weeksWaited(wait.referralDate, wait.seenDate, today()),
  },
  SendKpis: {
    __resolveReference: (reference: { asAt: string }) => reference,
    async pathwayWaits(parent: { asAt: string }, _args: unknown, ctx: SubgraphContext) {
      requireCaller(ctx);
      // Checked again here: the health service answers for its own figures.
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      if (!isIsoDate(parent.asAt))
        throw new HubError('INVALID_INPUT', 'asAt must be a real date written YYYY-MM-DD.');
      if (!ctx.recordBaseUrl) throw new Error('RECORD_BASE_URL is not configured for the health service');
      // Tenancy: the record says which children's figures this caller may see.
      const scope = await postToRecord<{ childIds: string[] }>(
        ctx.recordBaseUrl,
        ctx.hubToken,
        '/internal/kpi-children',
        {},
        {
          unavailable: 'The record service is unavailable; the figures cannot be shown right now.',
          refused: 'The record service did not answer; the figures cannot be shown right now.',
        },
      );
      return pathwayWaitKpis(ctx.db, parent.asAt, new Set(scope.childIds));
    },
  },
  ...sendDashboardResolvers,
  Mutation: {
    async createHealthAdviceDraft(
      _root: unknown,
      args: { childId: string; input: AdviceInput },
      ctx: SubgraphContext,
    ) {
      requireCaller(ctx);
      return adviceView(await createDraft(ctx, args.childId, args.input));
    },
    async updateHealthAdviceDraft(
      _root: unknown,
      args: { id: string; input: AdviceInput },
      ctx: SubgraphContext,
    ) {
      requireCaller(ctx);
      return adviceView(await updateDraft(ctx, args.id, args.input));
    },
    async submitHealthAdvice(_root: unknown, args: { id: string }, ctx: SubgraphContext) {
      requireCaller(ctx);
      return adviceView({ ...(await submit(ctx, args.id)), current: true });
    },
    async correctHealthAdvice(_root: unknown, args: { id: string }, ctx: SubgraphContext) {
      requireCaller(ctx);
      return adviceView(await correct(ctx, args.id));
    },
  },
} as IResolvers;

export const loaders: MercuriusLoaders = {
  Child: {
    async health(queries, ctx) {
      requireCaller(ctx);
      return loadGuardedSections(ctx, queries, 'health', 'HealthSection', (ids) => findSections(ctx.db, ids));
    },
    async healthAdvice(queries, ctx) {
      requireCaller(ctx);
      const ids = [...new Set(queries.map((q) => String(q.obj.id)))];
      const advice = await loadAdvice(ctx, ids);
      return queries.map((q) => {
        const entry = advice.get(String(q.obj.id));
        return entry instanceof Error || entry === undefined
          ? (entry ?? null)
          : entry.map((row) => adviceView(row));
      });
    },
  },
};
