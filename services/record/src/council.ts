import type { DbHandle } from '@hub/db';
import { councilOf, POLICY_TABLE, type Principal } from '@hub/policy';
import { recordRoute, requireContext, typedRoutes } from '@hub/service-kit';
import type { FastifyInstance } from 'fastify';

/**
 * Tenancy in the record: a child's council is the organisation holding its active
 * `la_responsible` relationship (seeded from the synthetic data set's `councilId`; set by
 * whoever registers a child). Consents, assessments, reviews and KPIs belong to the council of
 * the child, so scoping a query to a council is scoping it to that council's children.
 */

/** The council of each of these children (children without an active council are left out). */
export async function councilsOfChildren(
  db: DbHandle,
  childIds: readonly string[],
): Promise<Map<string, string>> {
  if (childIds.length === 0) return new Map();
  const rows = await db.query<{ child_id: string; org_id: string }>(
    `select child_id::text as child_id, org_id from record.child_relationship
      where child_id = any($1::uuid[]) and kind = 'la_responsible' and active
      order by child_id, org_id`,
    [[...childIds]],
  );
  // A child with two active councils (a data error) keeps the first by id: deterministic.
  const result = new Map<string, string>();
  for (const row of rows) if (!result.has(row.child_id)) result.set(row.child_id, row.org_id);
  return result;
}

/**
 * The councils whose figures (the SEND dashboard, KPIs) a principal may see: an LA SEND
 * officer their own council; a partner (school, NHS body, social care) the councils of the
 * children their organisation currently works with (a trust serving two councils sees both,
 * nobody else's); anyone else none.
 */
export async function councilsInScope(db: DbHandle, principal: Principal): Promise<string[]> {
  const own = councilOf(principal);
  if (principal.role === 'la_send_officer') return own ? [own] : [];
  const kinds = POLICY_TABLE[principal.role].relationship;
  if (!Array.isArray(kinds) || kinds.includes('la_responsible')) return [];
  const rows = await db.query<{ org_id: string }>(
    `select distinct la.org_id from record.child_relationship mine
       join record.child_relationship la
         on la.child_id = mine.child_id and la.kind = 'la_responsible' and la.active
      where mine.org_id = $1 and mine.active and mine.kind = any($2::text[])
      order by la.org_id`,
    [principal.orgId, [...kinds]],
  );
  return rows.map((r) => r.org_id);
}

/** The ids of every child of these councils (what KPI queries filter on). */
export async function childIdsOfCouncils(db: DbHandle, councils: readonly string[]): Promise<Set<string>> {
  if (councils.length === 0) return new Set();
  const rows = await db.query<{ child_id: string }>(
    `select child_id::text as child_id from record.child_relationship
      where kind = 'la_responsible' and active and org_id = any($1::text[])`,
    [[...councils]],
  );
  return new Set(rows.map((r) => r.child_id));
}

/**
 * `POST /internal/child-councils` {childIds: uuid[] (≤ 10,000)} → {councils: {childId: councilId}}:
 * the gateway tags each audit event with the councils of the children it names, so each
 * council's auditors see their own. Authenticated by a service token (audience child-councils),
 * not a user context: the gateway also records callers it could not authenticate. It answers
 * only which council a child id belongs to, never anything of the record.
 */
export function registerCouncilRoutes(app: FastifyInstance, db: DbHandle): void {
  const routes = typedRoutes(app);
  /**
   * `POST /internal/kpi-children` (gateway-signed context of the caller): the children whose
   * figures the caller may see (councilsInScope), so an adapter's KPIs (health pathway waits)
   * count only the caller's council(s). Answers ids only.
   */
  routes.route({
    ...recordRoute('kpiChildren'),
    handler: async (request) => {
      const { principal } = requireContext(request);
      const councils = await councilsInScope(db, principal);
      return { councils, childIds: [...(await childIdsOfCouncils(db, councils))] };
    },
  });

  routes.route({
    ...recordRoute('childCouncils'),
    handler: async (request) => {
      const councils = await councilsOfChildren(
        db,
        request.body.childIds.map((id) => id.toLowerCase()),
      );
      return { councils: Object.fromEntries(councils) };
    },
  });
}
