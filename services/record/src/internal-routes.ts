import type { DbHandle } from '@hub/db';
import { recordRoute, requireContext, typedRoutes } from '@hub/service-kit';
import type { FastifyInstance } from 'fastify';
import { registerCouncilRoutes } from './council.ts';
import { activeAssessments, markAdviceReceived } from './ehc/index.ts';
import { loadAccessFacts } from './repository.ts';

/**
 * The record's internal routes for the adapters, registered from their one definition
 * (@hub/service-kit RECORD_API: path, access kind, body and answer schemas). The body is
 * validated before a handler runs (400 INVALID_INPUT with a clear message), the answer is
 * written by the compiled serializer of its schema, and a HubError a handler throws is answered
 * with its status (NOT_FOUND 404, FORBIDDEN 403) and the record's message, which the adapters'
 * client passes on to the practitioner unchanged.
 *
 * Only callers with a gateway-signed context reach them: each route declares
 * `hubAccess: 'context'` and the internal-context guard refuses every other caller before the
 * handler runs, and each handler refuses again itself (requireContext), so removing or
 * re-scoping the hook can never open them.
 */
export function registerInternalRoutes(app: FastifyInstance, db: DbHandle): void {
  registerCouncilRoutes(app, db);
  const routes = typedRoutes(app);

  routes.route({
    ...recordRoute('accessFacts'),
    handler: async (request) => {
      requireContext(request);
      return { facts: [...(await loadAccessFacts(db, request.body.childIds)).values()] };
    },
  });

  routes.route({
    ...recordRoute('ehcAssessments'),
    handler: async (request) => {
      requireContext(request);
      return { active: await activeAssessments(db, request.body.childIds) };
    },
  });

  // One advice action's question (facts and the assessment in progress) in one round trip.
  routes.route({
    ...recordRoute('adviceContext'),
    handler: async (request) => {
      requireContext(request);
      const childId = request.body.childId.toLowerCase();
      const [facts, active] = await Promise.all([
        loadAccessFacts(db, [childId]),
        activeAssessments(db, [childId]),
      ]);
      const child = facts.get(childId);
      return { ...(child ? { facts: child } : {}), ...(active[0] ? { active: active[0] } : {}) };
    },
  });

  /**
   * The caller's own context decides whether it may write that advice (markAdviceReceived:
   * FORBIDDEN → 403, an unknown assessment NOT_FOUND → 404).
   */
  routes.route({
    ...recordRoute('adviceReceived'),
    handler: async (request) => {
      const { principal } = requireContext(request);
      const { assessmentId, domain = 'health' } = request.body;
      return markAdviceReceived(db, principal, assessmentId.toLowerCase(), domain);
    },
  });
}
