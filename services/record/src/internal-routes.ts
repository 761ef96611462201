import type { DbHandle } from '@hub/db';
import { isUuid } from '@hub/identifiers';
import type { FastifyInstance } from 'fastify';
import { activeAssessments } from './ehc.ts';
import { loadAccessFacts } from './repository.ts';

/**
 * `POST /internal/access-facts`: the adapters' one question to the core record — for these
 * children, what are the relationships, family, consents and break-glass entries? Only
 * callers with a gateway-signed context reach it (internal-context plugin).
 */
export function registerInternalRoutes(app: FastifyInstance, db: DbHandle): void {
  app.post<{ Body: { childIds?: unknown } }>('/internal/access-facts', async (request, reply) => {
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
    const ids = request.body?.childIds;
    if (!Array.isArray(ids) || ids.length > 500 || !ids.every((id) => typeof id === 'string' && isUuid(id))) {
      return reply.code(400).send({ error: 'childIds must be an array of at most 500 UUIDs' });
    }
    return { active: await activeAssessments(db, ids as string[]) };
  });
}
