import type { DbHandle } from '@hub/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from './hub.ts';

/**
 * The KPI dashboard through the gateway, checked against figures computed here by independent
 * SQL over the test database (PostgreSQL's own date arithmetic, not @hub/ehc-clock), on the full
 * synthetic data set, at several "as at" dates so the windows and statuses move.
 */
const KPIS = /* GraphQL */ `
  query ($asAt: String) {
    sendKpis(asAt: $asAt) {
      asAt
      plansThisMonth { from to issued issuedWithin20Weeks percentWithin20Weeks }
      plansRolling12Months { from to issued issuedWithin20Weeks percentWithin20Weeks }
      overdueAdviceByAgency { agency overdue outstanding }
      assessmentsInProgress decisionsToAssessOverdue annualReviewsOverdue reviewDecisionsOverdue
      pathwayWaits { pathway waiting medianWeeksWaiting offeredSupportWhileWaiting }
    }
  }
`;

const OPEN_AT = `a.request_date <= $1::date
  and (a.final_plan_issued_date is null or a.final_plan_issued_date > $1::date)
  and not coalesce(a.decision = 'not_assess' and a.decision_date <= $1::date, false)
  and not coalesce(a.plan_decision = 'not_issue' and a.plan_decision_date <= $1::date, false)`;

async function independentFigures(record: DbHandle, health: DbHandle, asAt: string) {
  const one = async (sql: string) => (await record.query<{ n: number }>(sql, [asAt]))[0]!.n;
  const plans = async (fromSql: string) => {
    const [row] = await record.query<{ issued: number; within: number }>(
      `select count(*)::int as issued, count(*) filter (where final_plan_issued_date <= request_date + 140)::int as within
         from record.ehc_assessment
        where final_plan_issued_date <= $1::date and final_plan_issued_date >= (${fromSql})`,
      [asAt],
    );
    return {
      issued: row!.issued,
      issuedWithin20Weeks: row!.within,
      percentWithin20Weeks: row!.issued === 0 ? null : Math.round((row!.within * 1000) / row!.issued) / 10,
    };
  };
  const advice = await record.query<{ agency: string; overdue: number; outstanding: number }>(
    `select r.agency, count(*) filter (where r.sent_date + 42 < $1::date)::int as overdue, count(*)::int as outstanding
       from record.ehc_advice_request r join record.ehc_assessment a on a.id = r.assessment_id
      where r.sent_date <= $1::date and (r.received_date is null or r.received_date > $1::date) and ${OPEN_AT}
      group by r.agency`,
    [asAt],
  );
  const waits = await health.query<{
    pathway: string;
    waiting: number;
    median: number | string | null;
    supported: number;
  }>(
    `select w.pathway, count(*)::int as waiting,
            percentile_cont(0.5) within group (order by ($1::date - w.referral_date) / 7) as median,
            count(*) filter (where exists (select 1 from health.support_while_waiting s
                                            where s.pathway_wait_id = w.id and s.offered_on <= $1::date))::int as supported
       from health.pathway_wait w
      where w.referral_date <= $1::date and (w.seen_date is null or w.seen_date > $1::date)
      group by w.pathway`,
    [asAt],
  );
  return {
    plansThisMonth: await plans(`date_trunc('month', $1::date)::date`),
    plansRolling12Months: await plans(`($1::date - interval '12 months')::date + 1`),
    overdueAdviceByAgency: ['health', 'social_care', 'educational_psychology', 'education'].map((agency) => {
      const row = advice.find((r) => r.agency === agency);
      return { agency, overdue: row?.overdue ?? 0, outstanding: row?.outstanding ?? 0 };
    }),
    assessmentsInProgress: await one(
      `select count(*)::int as n from record.ehc_assessment a where ${OPEN_AT}`,
    ),
    decisionsToAssessOverdue: await one(
      `select count(*)::int as n from record.ehc_assessment a
        where ${OPEN_AT} and (a.decision_date is null or a.decision_date > $1::date) and a.request_date + 42 < $1::date`,
    ),
    // The review is due on the last day of the 12 months starting with the plan or the last
    // meeting: the day before the same date a year on, or the month's end when it has no such day.
    annualReviewsOverdue: await one(
      `with plan as (
         select distinct on (child_id) id, final_plan_issued_date as issued
           from record.ehc_assessment where final_plan_issued_date <= $1::date
          order by child_id, final_plan_issued_date desc),
       cycle as (
         select coalesce((select max(meeting_date) from record.annual_review r
                           where r.assessment_id = plan.id and r.meeting_date <= $1::date), plan.issued) as start
           from plan)
       select count(*)::int as n from cycle
        where (case when extract(day from start + interval '12 months') < extract(day from start)
                    then (start + interval '12 months')::date
                    else (start + interval '12 months')::date - 1 end) < $1::date`,
    ),
    reviewDecisionsOverdue: await one(
      `select count(*)::int as n from record.annual_review
        where meeting_date <= $1::date and (decision_date is null or decision_date > $1::date) and meeting_date + 28 < $1::date`,
    ),
    pathwayWaits: ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'].map((pathway) => {
      const row = waits.find((w) => w.pathway === pathway);
      return {
        pathway,
        waiting: row?.waiting ?? 0,
        medianWeeksWaiting: row?.median == null ? null : Number(row.median),
        offeredSupportWhileWaiting: row?.supported ?? 0,
      };
    }),
  };
}

describe('SEND KPI dashboard', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ children: 240 });
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');

  for (const asAt of ['2026-09-01', '2026-07-15', '2026-02-28', '2025-12-31']) {
    it(`matches an independent SQL computation as at ${asAt}`, async () => {
      const result = await hub.query<{ sendKpis: Record<string, any> }>(KPIS, {
        as: la(),
        variables: { asAt },
      });
      expect(result.errors).toBeUndefined();
      const expected = await independentFigures(hub.subgraphs.record.db, hub.subgraphs.health.db, asAt);
      const { plansThisMonth, plansRolling12Months, ...rest } = result.data!.sendKpis;
      expect({
        ...rest,
        plansThisMonth: strip(plansThisMonth),
        plansRolling12Months: strip(plansRolling12Months),
      }).toEqual({ asAt, ...expected });
      // The figures must be about something, or the comparison proves nothing.
      expect(expected.plansRolling12Months.issued).toBeGreaterThan(5);
      expect(expected.pathwayWaits.every((p) => p.waiting > 0)).toBe(true);
      if (asAt === '2026-09-01') {
        expect(expected.overdueAdviceByAgency.some((a) => a.overdue > 0)).toBe(true);
        expect(plansRolling12Months).toMatchObject({ from: '2025-09-02', to: '2026-09-01' });
        expect(plansThisMonth).toMatchObject({ from: '2026-09-01', to: '2026-09-01' });
        console.info(
          `KPIs on the synthetic data set (240 children) as at ${asAt}: ${JSON.stringify(result.data!.sendKpis)}`,
        );
      }
    });
  }

  it('is open to partner agencies, not to families or auditors; aggregates carry no child ids', async () => {
    const health = await hub.query<{ sendKpis: Record<string, any> }>(KPIS, {
      as: demoUser(hub.dataset, 'demo-health-1'),
      variables: { asAt: '2026-09-01' },
    });
    expect(health.errors).toBeUndefined();
    expect(JSON.stringify(health.data)).not.toMatch(/c0000000-|Testchild/);
    const parent = hub.dataset.demoUsers.find((u) => u.role === 'parent_carer')!;
    for (const user of [parent, demoUser(hub.dataset, 'demo-auditor-1')]) {
      const refused = await hub.query(KPIS, { as: user, variables: { asAt: '2026-09-01' } });
      expect(refused.data?.sendKpis ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('rejects an unreadable date', async () => {
    const result = await hub.query(KPIS, { as: la(), variables: { asAt: '2026-02-30' } });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
  });
});

const strip = (t: Record<string, unknown>) => ({
  issued: t.issued,
  issuedWithin20Weeks: t.issuedWithin20Weeks,
  percentWithin20Weeks: t.percentWithin20Weeks,
});
