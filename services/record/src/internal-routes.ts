import type { DbHandle } from '@hub/db';
import { isUuid } from '@hub/identifiers';
import { isDomain } from '@hub/policy';
import { isHubError, requireContext } from '@hub/service-kit';
import type { FastifyInstance } from 'fastify';
import { registerCouncilRoutes } from './council.ts';
import { activeAssessments, markAdviceReceived } from './ehc/index.ts';
import { loadAccessFacts } from './repository.ts';

/**
 * `POST /internal/access-facts`: the adapters' one question to the core record — for these
 * children, what are the relationships, family, consents and break-glass entries? Only
 * callers with a gateway-signed context reach it: the internal-context guard refuses every
 * other caller before the handler runs (these routes declare no `hubAccess`, so they get the
 * default), and each handler refuses again itself (requireContext), so removing or
 * re-scoping the hook can never open them.
 */
export function registerInternalRoutes(app: FastifyInstance, db: DbHandle): void {
  registerCouncilRoutes(app, db);
  app.post<{ Body: { childIds?: unknown } }>('/internal/access-facts', async (request, reply) => {
    requireContext(request);
    const ids = request.body?.childIds;
    if (!Array.isArray(ids) || ids.length > 500 || !ids.every((id) => typeof id === 'string' && isUuid(id))) {
      return reply.code(400).send({ error: 'childIds must be an array of at most 500 UUIDs' });
    }
    const facts = await loadAccessFacts(db, ids as string[]);
    return { facts: [...facts.values()] };
  });

  /**
   * `POST /internal/ehc-assessments`: which of these children have an EHC needs assessment in
   * progress (the health service refuses advice without one). Same gate as access-facts.
   */
  app.post<{ Body: { childIds?: unknown } }>('/internal/ehc-assessments', async (request, reply) => {
    requireContext(request);
    const ids = request.body?.childIds;
    if (!Array.isArray(ids) || ids.length > 500 || !ids.every((id) => typeof id === 'string' && isUuid(id))) {
      return reply.code(400).send({ error: 'childIds must be an array of at most 500 UUIDs' });
    }
    return { active: await activeAssessments(db, ids as string[]) };
  });

  /**
   * `POST /internal/ehc-advice-received`: an adapter has submitted its agency's advice (`domain`:
   * health, education or social_care; health when absent) for this assessment, so the council's
   * request for it is answered (see markAdviceReceived). The caller's own context decides
   * whether it may write that advice.
   */
  app.post<{ Body: { assessmentId?: unknown; domain?: unknown } }>(
    '/internal/ehc-advice-received',
    async (request, reply) => {
      const { principal } = requireContext(request);
      const id = request.body?.assessmentId;
      const domain = request.body?.domain ?? 'health';
      if (typeof id !== 'string' || !isUuid(id))
        return reply.code(400).send({ error: 'assessmentId must be a UUID' });
      if (!isDomain(domain))
        return reply.code(400).send({ error: 'domain must be education, health or social_care' });
      try {
        return await markAdviceReceived(db, principal, id.toLowerCase(), domain);
      } catch (error) {
        if (isHubError(error) && (error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN')) {
          return reply.code(error.code === 'NOT_FOUND' ? 404 : 403).send({ error: error.message });
        }
        throw error;
      }
    },
  );
}
