import type { DbHandle } from '@hub/db';
import { canSeeKpis, FAMILY_ROLES } from '@hub/policy';
import { HubError, parseDashboardKey, requireCaller, type SubgraphResolvers } from '@hub/service-kit';
import type { Resolvers } from './generated/graphql.ts';

/**
 * "Families repeat themselves less" (the SEND strategy's first measure), from the audit log:
 * how often a partner read what the family wrote once. A view is one (event, child) pair where
 * the gateway recorded the FamilyInformation section as returned for that child to someone who
 * is not family (parent carer or young person), with outcome ok. Counted in whole days in England.
 *
 * Read straight from the audit store this subgraph owns (its read role may SELECT the log) and
 * composed into the record subgraph's SendDashboard entity by federation: the dashboard is one
 * query, and no other service needs read access to the audit log.
 * Tenancy: only events naming one of the dashboard's councils (events name the councils of
 * the children they touched; the record worked out the caller's councils for the key).
 */

const VIEWS = `
  with v as (
    select e.actor_role, e.actor_org, c.key as child_id,
           to_char((e.occurred_at at time zone 'Europe/London')::date, 'YYYY-MM') as month
      from audit.event e, jsonb_each(e.child_sections) c
     where e.occurred_at >= ($1::date::timestamp at time zone 'Europe/London')
       and e.occurred_at < (($2::date + 1)::timestamp at time zone 'Europe/London')
       and e.outcome = 'ok'
       and e.actor_role is not null and e.actor_role <> all ($3::text[])
       and c.value ? 'FamilyInformation'
       and e.councils && $4::text[])
  select 'total' as kind, null as key, count(*)::int as views, count(distinct child_id)::int as children,
         count(distinct actor_org)::int as organisations from v
  union all
  select 'role', actor_role, count(*)::int, count(distinct child_id)::int, count(distinct actor_org)::int
    from v group by actor_role
  union all
  select 'month', month, count(*)::int, count(distinct child_id)::int, count(distinct actor_org)::int
    from v group by month`;

export interface FamilyInformationViews {
  from: string;
  to: string;
  views: number;
  children: number;
  organisations: number;
  byRole: Array<{ role: string; views: number; children: number }>;
  byMonth: Array<{ month: string; views: number; children: number }>;
}

/** The months of the trend, oldest first, ending with asAt's month (as the record subgraph's trend). */
function trendMonths(asAt: string, months: number): Array<{ month: string; from: string }> {
  const year = Number(asAt.slice(0, 4));
  const month = Number(asAt.slice(5, 7));
  const out: Array<{ month: string; from: string }> = [];
  for (let i = months - 1; i >= 0; i--) {
    const index = year * 12 + (month - 1) - i;
    const label = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    out.push({ month: label, from: `${label}-01` });
  }
  return out;
}

export async function familyInformationViews(
  db: Pick<DbHandle, 'query'>,
  asAt: string,
  months: number,
  councils: readonly string[],
): Promise<FamilyInformationViews> {
  // The rolling 12 months (the same window as the record's: the day after the same date a year
  // earlier, clamped like PostgreSQL's interval arithmetic), widened to the trend's first month.
  const [window] = await db.query<{ from: string }>(
    `select to_char(($1::date - interval '12 months')::date + 1, 'YYYY-MM-DD') as "from"`,
    [asAt],
  );
  const rollingFrom = window!.from;
  const months_ = trendMonths(asAt, months);
  const trendFrom = months_[0]!.from;
  // ISO dates compare as strings; a trend longer than 12 months needs a second, wider read.
  const trendIsLonger = trendFrom.localeCompare(rollingFrom) < 0;
  const [rolling, trend] = await Promise.all([
    db.query<{ kind: string; key: string | null; views: number; children: number; organisations: number }>(
      VIEWS,
      [rollingFrom, asAt, [...FAMILY_ROLES], [...councils]],
    ),
    !trendIsLonger
      ? null
      : db.query<{ kind: string; key: string | null; views: number; children: number }>(VIEWS, [
          trendFrom,
          asAt,
          [...FAMILY_ROLES],
          [...councils],
        ]),
  ]);
  const total = rolling.find((r) => r.kind === 'total');
  const monthly = new Map((trend ?? rolling).filter((r) => r.kind === 'month').map((r) => [r.key!, r]));
  return {
    from: rollingFrom,
    to: asAt,
    views: total?.views ?? 0,
    children: total?.children ?? 0,
    organisations: total?.organisations ?? 0,
    byRole: rolling
      .filter((r) => r.kind === 'role')
      .sort((a, b) => a.key!.localeCompare(b.key!))
      .map((r) => ({ role: r.key!, views: r.views, children: r.children })),
    byMonth: months_.map(({ month }) => ({
      month,
      views: monthly.get(month)?.views ?? 0,
      children: monthly.get(month)?.children ?? 0,
    })),
  };
}

export const familyReuseResolvers: SubgraphResolvers<Pick<Resolvers, 'SendDashboard'>> = {
  SendDashboard: {
    __resolveReference: (reference: { id: string }) => reference,
    async familyInformationViews(parent: { id: string }, _args, ctx) {
      requireCaller(ctx);
      const allowed = canSeeKpis(ctx.hub.principal);
      if (!allowed.allowed) throw new HubError('FORBIDDEN', allowed.reason ?? 'Not permitted.');
      const key = parseDashboardKey(parent.id);
      return familyInformationViews(ctx.db, key.asAt, key.months, key.councils);
    },
  },
};
