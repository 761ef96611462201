import type { DbHandle } from '@hub/db';
import type { Principal } from '@hub/policy';
import { buildSendWorkflow, type DemoUser, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

/**
 * The council's SEND dashboard through the gateway (record, health and audit subgraphs composed
 * into one SendDashboard), every figure checked against independent SQL over the test database —
 * PostgreSQL's own date arithmetic, not @hub/ehc-clock — at several "as at" dates, or against
 * hand-worked counts of what the test itself did (the audit-log measure).
 */
const DASHBOARD = /* GraphQL */ `
  query ($asAt: String, $months: Int, $targets: DashboardTargets, $standardWeeks: Int) {
    sendDashboard(asAt: $asAt, months: $months, targets: $targets) {
      id asAt months councils
      targets { plansWithin20Weeks annualReviewsOnTime reviewDecisionsOnTime adviceOnTime }
      plansCalendarYear { ...plans }
      plansPreviousCalendarYear { ...plans }
      plansRolling12Months { ...plans }
      weeksToIssue { label minWeeks maxWeeks plans }
      annualReviewsRolling12Months { from to due onTime percent }
      reviewDecisionsRolling12Months { from to due onTime percent }
      adviceRolling12Months { agency from to due onTime percent }
      trend {
        month from to
        plans { ...plans }
        annualReviews { due onTime percent }
        reviewDecisions { due onTime percent }
        advice { due onTime percent }
        meetsPlanTarget meetsAnnualReviewTarget meetsReviewDecisionTarget meetsAdviceTarget
      }
      familyInformationConfirmations {
        from to confirmations children byOrganisationType { organisationType confirmations }
        adviceReusedWithConsent adviceReuseModelled
      }
      pathways(standardWeeks: $standardWeeks) {
        pathway standardWeeks
        current { count medianWeeks p90Weeks pastStandard percentPastStandard offeredSupport percentOfferedSupport }
        completed { from to count medianWeeks p90Weeks pastStandard percentPastStandard }
      }
      familyInformationViews {
        from to views children organisations
        byRole { role views children }
        byMonth { month views children }
      }
    }
  }
  fragment plans on PlanTimelinessWindow {
    label from to issued within20Weeks percentWithin20Weeks exceptionCases
    issuedExcludingExceptions within20WeeksExcludingExceptions percentWithin20WeeksExcludingExceptions
  }
`;

const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n * 1000) / d) / 10);
/** The last day of the 12 months starting with `start` (CFA 2014 s.44(1)), in SQL. */
const reviewDue = (
  start: string,
) => `(case when extract(day from ${start} + interval '12 months') < extract(day from ${start})
      then (${start} + interval '12 months')::date else (${start} + interval '12 months')::date - 1 end)`;
/** Children one of the councils ($4, text[]) is responsible for. */
const IN_COUNCIL = (column: string, param = '$4') => `${column} in (
  select child_id from record.child_relationship where kind = 'la_responsible' and active and org_id = any(${param}::text[]))`;

async function independentRecordFigures(
  db: DbHandle,
  asAt: string,
  months: number,
  councils: string[],
  excused: string[] = [],
) {
  const [windows] = await db.query<{
    rolling_from: string;
    year_from: string;
    last_from: string;
    last_to: string;
  }>(
    `select to_char(($1::date - interval '12 months')::date + 1, 'YYYY-MM-DD') as rolling_from,
            to_char(date_trunc('year', $1::date), 'YYYY-MM-DD') as year_from,
            to_char(date_trunc('year', $1::date) - interval '1 year', 'YYYY-MM-DD') as last_from,
            to_char(date_trunc('year', $1::date) - interval '1 day', 'YYYY-MM-DD') as last_to`,
    [asAt],
  );
  const monthRows = await db.query<{ month: string; from: string; to: string }>(
    `select to_char(m, 'YYYY-MM') as month, to_char(m, 'YYYY-MM-DD') as "from",
            to_char(least((m + interval '1 month')::date - 1, $1::date), 'YYYY-MM-DD') as "to"
       from generate_series(date_trunc('month', $1::date) - ($2::int - 1) * interval '1 month',
                            date_trunc('month', $1::date), interval '1 month') as m order by m`,
    [asAt, months],
  );
  const params = (from: string, to: string) => [asAt, from, to, councils];
  const plans = async (from: string, to: string, label: string) => {
    const [row] = await db.query<{ issued: number; within: number; excused: number; excused_within: number }>(
      `select count(*)::int as issued,
              count(*) filter (where final_plan_issued_date <= request_date + 140)::int as within,
              count(*) filter (where id = any($5::uuid[]))::int as excused,
              count(*) filter (where id = any($5::uuid[]) and final_plan_issued_date <= request_date + 140)::int
                as excused_within
         from record.ehc_assessment
        where request_date <= $1::date and final_plan_issued_date <= $1::date
          and final_plan_issued_date between $2::date and $3::date and ${IN_COUNCIL('child_id')}`,
      [...params(from, to), excused],
    );
    const { issued, within } = row!;
    // Excluding exceptions: the plans whose final-plan milestone the clock shows as excused.
    const counted = issued - row!.excused;
    const countedWithin = within - row!.excused_within;
    return {
      label,
      from,
      to,
      issued,
      within20Weeks: within,
      percentWithin20Weeks: pct(within, issued),
      exceptionCases: row!.excused,
      issuedExcludingExceptions: counted,
      within20WeeksExcludingExceptions: countedWithin,
      percentWithin20WeeksExcludingExceptions: pct(countedWithin, counted),
    };
  };
  const reviews = async (from: string, to: string) => {
    const [row] = await db.query<{ due: number; on_time: number }>(
      `with plan as (
         select a.id, a.final_plan_issued_date as issued,
                (select min(b.final_plan_issued_date) from record.ehc_assessment b
                  where b.child_id = a.child_id and b.final_plan_issued_date > a.final_plan_issued_date
                    and b.final_plan_issued_date <= $1::date and b.request_date <= $1::date) as replaced
           from record.ehc_assessment a
          where a.request_date <= $1::date and a.final_plan_issued_date <= $1::date and ${IN_COUNCIL('a.child_id')}),
       m as (
         select r.assessment_id, r.meeting_date,
                row_number() over (partition by r.assessment_id order by r.meeting_date, r.id) as k
           from record.annual_review r where r.meeting_date <= $1::date),
       cycle as (
         select p.id, p.replaced, 1::bigint as k, p.issued as start from plan p
         union all
         select p.id, p.replaced, m.k + 1, m.meeting_date from plan p join m on m.assessment_id = p.id),
       due as (
         select c.*, ${reviewDue('c.start')} as due,
                (select m.meeting_date from m where m.assessment_id = c.id and m.k = c.k) as meeting
           from cycle c)
       select count(*)::int as due, count(*) filter (where meeting is not null and meeting <= due)::int as on_time
         from due where due between $2::date and $3::date and (replaced is null or due <= replaced)`,
      params(from, to),
    );
    return { due: row!.due, onTime: row!.on_time, percent: pct(row!.on_time, row!.due) };
  };
  const decisions = async (from: string, to: string) => {
    const [row] = await db.query<{ due: number; on_time: number }>(
      `select count(*)::int as due,
              count(*) filter (where decision_date <= meeting_date + 28)::int as on_time
         from record.annual_review
        where meeting_date <= $1::date and meeting_date + 28 between $2::date and $3::date
          and ${IN_COUNCIL('child_id')}`,
      params(from, to),
    );
    return { due: row!.due, onTime: row!.on_time, percent: pct(row!.on_time, row!.due) };
  };
  const advice = async (from: string, to: string, agency: string | null) => {
    const [row] = await db.query<{ due: number; on_time: number }>(
      `select count(*)::int as due,
              count(*) filter (where received_date <= sent_date + 42)::int as on_time
         from record.ehc_advice_request
        where sent_date <= $1::date and sent_date + 42 between $2::date and $3::date
          and ($5::text is null or agency = $5::text)
          and ${IN_COUNCIL('child_id')}`,
      [...params(from, to), agency],
    );
    return { due: row!.due, onTime: row!.on_time, percent: pct(row!.on_time, row!.due) };
  };
  const rollingFrom = windows!.rolling_from;
  const bands = await db.query<{ band: number; n: number }>(
    `select case when w <= 20 then 0 when w <= 26 then 1 when w <= 40 then 2 when w <= 52 then 3 else 4 end as band,
            count(*)::int as n
       from (select ceil((final_plan_issued_date - request_date) / 7.0) as w from record.ehc_assessment
              where request_date <= $1::date and final_plan_issued_date between $2::date and $1::date
                and ${IN_COUNCIL('child_id', '$3')}) x
      group by 1`,
    [asAt, rollingFrom, councils],
  );
  const confirmations = await db.query<{ organisation_type: string; n: number }>(
    `select organisation_type, count(*)::int as n from record.family_item_confirmation
      where (confirmed_at at time zone 'Europe/London')::date between $2::date and $1::date
        and ${IN_COUNCIL('child_id', '$3')}
      group by organisation_type order by organisation_type`,
    [asAt, rollingFrom, councils],
  );
  const [confirmedChildren] = await db.query<{ n: number }>(
    `select count(distinct child_id)::int as n from record.family_item_confirmation
      where (confirmed_at at time zone 'Europe/London')::date between $2::date and $1::date
        and ${IN_COUNCIL('child_id', '$3')}`,
    [asAt, rollingFrom, councils],
  );
  // Reg 6(4): reuses whose agreement (the later of provider's and family's) fell in the window.
  const [reused] = await db.query<{ n: number }>(
    `select count(*)::int as n from record.ehc_advice_reuse
      where greatest(family_agreed_date, provider_agreed_date) between $2::date and $1::date
        and ${IN_COUNCIL('child_id', '$3')}`,
    [asAt, rollingFrom, councils],
  );
  const year = asAt.slice(0, 4);
  const trend = [];
  for (const m of monthRows) {
    const monthPlans = await plans(m.from, m.to, m.month);
    const r = await reviews(m.from, m.to);
    const d = await decisions(m.from, m.to);
    const a = await advice(m.from, m.to, null);
    const meets = (value: number | null, target: number) => (value === null ? null : value >= target);
    trend.push({
      ...m,
      plans: monthPlans,
      annualReviews: r,
      reviewDecisions: d,
      advice: a,
      meetsPlanTarget: meets(monthPlans.percentWithin20WeeksExcludingExceptions, 60),
      meetsAnnualReviewTarget: meets(r.percent, 90),
      meetsReviewDecisionTarget: meets(d.percent, 90),
      meetsAdviceTarget: meets(a.percent, 90),
    });
  }
  const agencies = ['health', 'social_care', 'educational_psychology', 'education'];
  return {
    asAt,
    months,
    councils,
    targets: { plansWithin20Weeks: 60, annualReviewsOnTime: 90, reviewDecisionsOnTime: 90, adviceOnTime: 90 },
    plansCalendarYear: await plans(windows!.year_from, asAt, `${year} to date`),
    plansPreviousCalendarYear: await plans(windows!.last_from, windows!.last_to, String(Number(year) - 1)),
    plansRolling12Months: await plans(rollingFrom, asAt, '12 months'),
    weeksToIssue: [
      ['20 weeks or less', 0, 20],
      ['21 to 26 weeks', 21, 26],
      ['27 to 40 weeks', 27, 40],
      ['41 to 52 weeks', 41, 52],
      ['over 52 weeks', 53, null],
    ].map(([label, minWeeks, maxWeeks], i) => ({
      label,
      minWeeks,
      maxWeeks,
      plans: bands.find((b) => b.band === i)?.n ?? 0,
    })),
    annualReviewsRolling12Months: { from: rollingFrom, to: asAt, ...(await reviews(rollingFrom, asAt)) },
    reviewDecisionsRolling12Months: { from: rollingFrom, to: asAt, ...(await decisions(rollingFrom, asAt)) },
    adviceRolling12Months: await Promise.all(
      agencies.map(async (agency) => ({
        agency,
        from: rollingFrom,
        to: asAt,
        ...(await advice(rollingFrom, asAt, agency)),
      })),
    ),
    trend,
    familyInformationConfirmations: {
      from: rollingFrom,
      to: asAt,
      confirmations: confirmations.reduce((n, r) => n + r.n, 0),
      children: confirmedChildren!.n,
      byOrganisationType: confirmations.map((r) => ({
        organisationType: r.organisation_type,
        confirmations: r.n,
      })),
      adviceReusedWithConsent: reused!.n,
      adviceReuseModelled: true,
    },
  };
}

async function independentPathways(db: DbHandle, asAt: string, standardWeeks: number, councils: string[]) {
  const num = (v: number | string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
  const current = await db.query<{
    pathway: string;
    n: number;
    median: number | string | null;
    p90: number | string | null;
    past: number;
    supported: number;
  }>(
    `select w.pathway, count(*)::int as n,
            percentile_cont(0.5) within group (order by ($1::date - w.referral_date) / 7) as median,
            percentile_cont(0.9) within group (order by ($1::date - w.referral_date) / 7) as p90,
            count(*) filter (where $1::date - w.referral_date > $2::int * 7)::int as past,
            count(*) filter (where exists (select 1 from health.support_while_waiting s
                                            where s.pathway_wait_id = w.id and s.offered_on <= $1::date))::int as supported
       from health.pathway_wait w
      where w.referral_date <= $1::date and (w.seen_date is null or w.seen_date > $1::date)
        and ${IN_COUNCIL('w.child_id', '$3')}
      group by w.pathway`,
    [asAt, standardWeeks, councils],
  );
  const completed = await db.query<{
    pathway: string;
    n: number;
    median: number | string | null;
    p90: number | string | null;
    past: number;
    from: string;
  }>(
    `select w.pathway, count(*)::int as n,
            percentile_cont(0.5) within group (order by (w.seen_date - w.referral_date) / 7) as median,
            percentile_cont(0.9) within group (order by (w.seen_date - w.referral_date) / 7) as p90,
            count(*) filter (where w.seen_date - w.referral_date > $2::int * 7)::int as past,
            to_char(($1::date - interval '12 months')::date + 1, 'YYYY-MM-DD') as "from"
       from health.pathway_wait w
      where w.seen_date <= $1::date and w.seen_date > ($1::date - interval '12 months')::date
        and w.referral_date <= $1::date and ${IN_COUNCIL('w.child_id', '$3')}
      group by w.pathway`,
    [asAt, standardWeeks, councils],
  );
  const [window] = await db.query<{ from: string }>(
    `select to_char(($1::date - interval '12 months')::date + 1, 'YYYY-MM-DD') as "from"`,
    [asAt],
  );
  return ['NEURODEVELOPMENTAL', 'SPEECH_AND_LANGUAGE'].map((pathway) => {
    const c = current.find((r) => r.pathway === pathway);
    const d = completed.find((r) => r.pathway === pathway);
    return {
      pathway,
      standardWeeks,
      current: {
        count: c?.n ?? 0,
        medianWeeks: num(c?.median ?? null),
        p90Weeks: num(c?.p90 ?? null),
        pastStandard: c?.past ?? 0,
        percentPastStandard: pct(c?.past ?? 0, c?.n ?? 0),
        offeredSupport: c?.supported ?? 0,
        percentOfferedSupport: pct(c?.supported ?? 0, c?.n ?? 0),
      },
      completed: {
        from: window!.from,
        to: asAt,
        count: d?.n ?? 0,
        medianWeeks: num(d?.median ?? null),
        p90Weeks: num(d?.p90 ?? null),
        pastStandard: d?.past ?? 0,
        percentPastStandard: pct(d?.past ?? 0, d?.n ?? 0),
      },
    };
  });
}

/** Percentiles are floating point on both sides (rounded to one decimal): compare them to 9 places, the rest exactly. */
function expectPathways(actual: any[], expected: any[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i];
    for (const part of ['current', 'completed'] as const) {
      for (const key of ['medianWeeks', 'p90Weeks'] as const) {
        if (e[part][key] === null) expect(a[part][key]).toBeNull();
        else expect(a[part][key]).toBeCloseTo(e[part][key], 9);
      }
    }
    const strip = (x: any) => ({
      ...x,
      current: { ...x.current, medianWeeks: 0, p90Weeks: 0 },
      completed: { ...x.completed, medianWeeks: 0, p90Weeks: 0 },
    });
    expect(strip(a)).toEqual(strip(e));
  });
}

/**
 * The plans whose final-plan milestone the EHC clock shows as excused by a recorded exception
 * as at `asAt`, read per child through `ehcAssessments(asAt)` (the lifecycle's own view), for
 * the plans that have any exception recorded at all.
 */
async function excusedPlans(hub: TestHub, asAt: string, as: DemoUser | Principal, councils: string[]) {
  const candidates = await hub.subgraphs.record.db.query<{ id: string; child_id: string }>(
    `select distinct a.id, a.child_id from record.ehc_assessment a join record.ehc_exception e on e.assessment_id = a.id
      where a.final_plan_issued_date <= $1::date and ${IN_COUNCIL('a.child_id', '$2')}`,
    [asAt, councils],
  );
  const excused: string[] = [];
  for (const childId of new Set(candidates.map((c) => c.child_id))) {
    const r = await hub.query<{ child: any }>(
      `query ($id: ID!, $asAt: String) { child(id: $id) { ehcAssessments(asAt: $asAt) { id milestones { name exceptionApplies } } } }`,
      { as, variables: { id: childId, asAt }, purpose: 'ehc_assessment' },
    );
    expect(r.errors).toBeUndefined();
    for (const a of r.data!.child.ehcAssessments)
      if (a.milestones.some((m: any) => m.name === 'final_plan' && m.exceptionApplies)) excused.push(a.id);
  }
  return { candidates: candidates.length, excused };
}

describe('the council SEND dashboard', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub({ children: 240, councils: 2 });
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');

  for (const asAt of ['2026-09-01', '2026-02-28', '2025-12-31']) {
    it(`matches independent SQL as at ${asAt} (record and health parts)`, async () => {
      const months = asAt === '2026-02-28' ? 6 : 12;
      const result = await hub.query<{ sendDashboard: Record<string, any> }>(DASHBOARD, {
        as: la(),
        variables: { asAt, months, standardWeeks: asAt === '2025-12-31' ? 18 : null },
      });
      expect(result.errors).toBeUndefined();
      const { id, pathways, familyInformationViews, ...record } = result.data!.sendDashboard;
      expect(record.councils).toEqual([la().orgId]);
      const { candidates, excused } = await excusedPlans(hub, asAt, la(), [la().orgId]);
      const expected = await independentRecordFigures(
        hub.subgraphs.record.db,
        asAt,
        months,
        [la().orgId],
        excused,
      );
      if (asAt === '2026-09-01')
        console.info(`plans with a recorded exception: ${candidates}; final plan excused: ${excused.length}`);
      expect(record).toEqual(expected);
      expect(id).toBe(`v1|${asAt}|${months}|${la().orgId}`);
      expect(record.trend).toHaveLength(months);
      expectPathways(
        pathways,
        await independentPathways(hub.subgraphs.health.db, asAt, asAt === '2025-12-31' ? 18 : 13, [
          la().orgId,
        ]),
      );
      expect(familyInformationViews.byMonth).toHaveLength(months);
      // The figures must be about something, or the comparison proves nothing.
      expect(expected.plansRolling12Months.issued).toBeGreaterThan(5);
      expect(expected.weeksToIssue.filter((b) => b.plans > 0).length).toBeGreaterThan(1);
      expect(expected.adviceRolling12Months.some((a) => a.due > 0)).toBe(true);
      expect(pathways.every((p: any) => p.current.count > 0)).toBe(true);
      if (asAt === '2026-09-01') {
        expect(expected.annualReviewsRolling12Months.due).toBeGreaterThan(0);
        expect(expected.reviewDecisionsRolling12Months.due).toBeGreaterThan(0);
        expect(pathways.some((p: any) => p.completed.count > 0)).toBe(true);
        expect(pathways.some((p: any) => p.current.pastStandard > 0)).toBe(true);
        console.info(
          `SEND dashboard (240 children) as at ${asAt}: ${JSON.stringify(result.data!.sendDashboard)}`,
        );
      }
    });
  }

  it('nothing recorded after asAt counts: a plan issued today does not move an earlier dashboard', async () => {
    const query = (asAt: string) =>
      hub.query<{ sendDashboard: any }>(DASHBOARD, { as: la(), variables: { asAt, months: 3 } });
    const before = await query('2026-01-31');
    await hub.subgraphs.record.db.query(
      `insert into record.ehc_assessment (id, child_id, request_date, decision, decision_date, final_plan_issued_date, recorded_by_sub)
       select gen_random_uuid(), c.child_id, '2026-01-10', 'assess', '2026-02-10', '2026-03-01', 'test'
         from record.child_relationship c where c.kind = 'la_responsible' and c.org_id = 'la-1' limit 1`,
    );
    const after = await query('2026-01-31');
    expect(after.data!.sendDashboard).toEqual(before.data!.sendDashboard);
    const later = await query('2026-03-01');
    const expected = await independentRecordFigures(
      hub.subgraphs.record.db,
      '2026-03-01',
      3,
      ['la-1'],
      (await excusedPlans(hub, '2026-03-01', la(), ['la-1'])).excused,
    );
    expect(later.data!.sendDashboard.plansCalendarYear).toEqual(expected.plansCalendarYear);
  });

  it('excluding exceptions leaves out plans whose 20-week limit a recorded exception excused (as the clock shows)', async () => {
    // Two late plans issued in la-1 in 2026 get an exception recorded (as the LA would through
    // the API): the family away from the area for 6 weeks during the assessment (reg 13(3)).
    const late = await hub.subgraphs.record.db.query<{ id: string; child_id: string; request_date: string }>(
      `select a.id, a.child_id, to_char(a.request_date, 'YYYY-MM-DD') as request_date from record.ehc_assessment a
        where a.final_plan_issued_date between '2026-01-01' and '2026-08-31'
          and a.final_plan_issued_date > a.request_date + 140 and ${IN_COUNCIL('a.child_id', '$1')}
        order by a.id limit 2`,
      [['la-1']],
    );
    expect(late).toHaveLength(2);
    for (const a of late)
      await hub.subgraphs.record.db.query(
        `insert into record.ehc_exception (id, assessment_id, child_id, kind, from_date, to_date, evidence, recorded_by_sub, recorded_at)
         values (gen_random_uuid(), $1, $2, 'absence_from_area', $3::date + 14, $3::date + 56,
                 'Synthetic: family away from the area for six weeks', 'test', '2026-08-31T10:00:00Z')`,
        [a.id, a.child_id, a.request_date],
      );
    const asAt = '2026-09-01';
    const result = await hub.query<{ sendDashboard: any }>(DASHBOARD, { as: la(), variables: { asAt } });
    expect(result.errors).toBeUndefined();
    const { excused } = await excusedPlans(hub, asAt, la(), ['la-1']);
    expect(excused.sort()).toEqual(late.map((a) => a.id).sort());
    const expected = await independentRecordFigures(hub.subgraphs.record.db, asAt, 12, ['la-1'], excused);
    const figures = result.data!.sendDashboard;
    expect(figures.plansCalendarYear).toEqual(expected.plansCalendarYear);
    expect(figures.plansRolling12Months).toEqual(expected.plansRolling12Months);
    expect(figures.trend).toEqual(expected.trend);
    expect(figures.plansCalendarYear.exceptionCases).toBe(2);
    expect(figures.plansCalendarYear.issuedExcludingExceptions).toBe(figures.plansCalendarYear.issued - 2);
    // Recorded after 2026-08-31 in England? No: as at 2026-08-30 the exceptions did not exist yet.
    const before = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: la(),
      variables: { asAt: '2026-08-30' },
    });
    expect(before.data!.sendDashboard.plansCalendarYear.exceptionCases).toBe(0);
  });

  it("a council's officer sees only that council's figures; a partner those of the councils it works for", async () => {
    // Two councils in the synthetic data: la-2's officer sees la-2's figures, not la-1's.
    const la2 = demoUser(hub.dataset, 'demo-la-2');
    const second = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: la2,
      variables: { asAt: '2026-09-01' },
    });
    expect(second.errors).toBeUndefined();
    const { pathways: p2, familyInformationViews: _v2, id: _i2, ...record2 } = second.data!.sendDashboard;
    expect(record2.councils).toEqual([la2.orgId]);
    const excused2 = (await excusedPlans(hub, '2026-09-01', la2, [la2.orgId])).excused;
    expect(record2).toEqual(
      await independentRecordFigures(hub.subgraphs.record.db, '2026-09-01', 12, [la2.orgId], excused2),
    );
    expectPathways(p2, await independentPathways(hub.subgraphs.health.db, '2026-09-01', 13, [la2.orgId]));
    expect(record2.plansRolling12Months.issued).toBeGreaterThan(0);
    // A council with no children: nothing at all, in every subgraph's part.
    const otherCouncil: Principal = { ...la(), sub: 'test-la-other', orgId: 'la-test-other' } as Principal;
    const other = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: otherCouncil,
      variables: { asAt: '2026-09-01' },
    });
    expect(other.errors).toBeUndefined();
    expect(other.data!.sendDashboard).toMatchObject(
      await independentRecordFigures(hub.subgraphs.record.db, '2026-09-01', 12, ['la-test-other']),
    );
    expect(other.data!.sendDashboard.plansRolling12Months.issued).toBe(0);
    expect(
      other.data!.sendDashboard.pathways.every((p: any) => p.current.count === 0 && p.completed.count === 0),
    ).toBe(true);
    expect(other.data!.sendDashboard.familyInformationViews.views).toBe(0);
    // A partner: the councils of the children their organisation works with.
    const icb = demoUser(hub.dataset, 'demo-health-1');
    const partner = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: icb,
      variables: { asAt: '2026-09-01' },
    });
    expect(partner.errors).toBeUndefined();
    const councils = (
      await hub.subgraphs.record.db.query<{ org_id: string }>(
        `select distinct la.org_id from record.child_relationship mine
           join record.child_relationship la on la.child_id = mine.child_id and la.kind = 'la_responsible' and la.active
          where mine.org_id = $1 and mine.active and mine.kind = 'involvement' order by la.org_id`,
        [icb.orgId],
      )
    ).map((r) => r.org_id);
    const {
      pathways: pp,
      familyInformationViews: _pv,
      id: _pid,
      ...partnerRecord
    } = partner.data!.sendDashboard;
    expect(partnerRecord.councils).toEqual(councils);
    // The partner cannot open every child's assessments: each council's officer can.
    const excusedAll = [
      ...(await excusedPlans(hub, '2026-09-01', la(), ['la-1'])).excused,
      ...(await excusedPlans(hub, '2026-09-01', la2, ['la-2'])).excused,
    ];
    expect(partnerRecord).toEqual(
      await independentRecordFigures(hub.subgraphs.record.db, '2026-09-01', 12, councils, excusedAll),
    );
    expectPathways(pp, await independentPathways(hub.subgraphs.health.db, '2026-09-01', 13, councils));
    expect(JSON.stringify(partner.data)).not.toMatch(/c0000000-|Testchild/);
  });

  it('refuses families and auditors, and bad arguments with every problem listed', async () => {
    const parent = hub.dataset.demoUsers.find((u) => u.role === 'parent_carer')!;
    for (const user of [parent, demoUser(hub.dataset, 'demo-auditor-1')]) {
      const refused = await hub.query(DASHBOARD, { as: user, variables: { asAt: '2026-09-01' } });
      expect(refused.data?.sendDashboard ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const bad = await hub.query(DASHBOARD, {
      as: la(),
      variables: { asAt: '2026-02-30', months: 40, targets: { adviceOnTime: 120 } },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/asAt must be a real date/);
    expect(bad.errors?.[0]?.message).toMatch(/months must be a whole number from 1 to 36/);
    expect(bad.errors?.[0]?.message).toMatch(/targets.adviceOnTime must be a percentage/);
    const badStandard = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: la(),
      variables: { asAt: '2026-09-01', standardWeeks: 0 },
    });
    // The gateway reports the health subgraph's error, and the field it left null (masked).
    const invalid = badStandard.errors?.find((e) => e.extensions?.code === 'INVALID_INPUT');
    expect(invalid?.message).toMatch(/standardWeeks must be a whole number from 1 to 104/);
    for (const e of badStandard.errors ?? []) expect(e.message).toMatch(/standardWeeks|^Internal error\.$/);
    expect(badStandard.data?.sendDashboard ?? null).toBeNull();
    const targets = await hub.query<{ sendDashboard: any }>(DASHBOARD, {
      as: la(),
      variables: { asAt: '2026-09-01', targets: { plansWithin20Weeks: 0, adviceOnTime: 100 } },
    });
    expect(targets.data!.sendDashboard.targets).toEqual({
      plansWithin20Weeks: 0,
      annualReviewsOnTime: 90,
      reviewDecisionsOnTime: 90,
      adviceOnTime: 100,
    });
    for (const m of targets.data!.sendDashboard.trend)
      expect(m.meetsPlanTarget).toBe(m.plans.issuedExcludingExceptions === 0 ? null : true);
  });

  describe('families repeat themselves less', () => {
    let child: SyntheticChild;
    const VIEW = /* GraphQL */ `
      query ($id: ID!) { child(id: $id) { id familyInformation { version reportedDiagnoses { id } } } }
    `;
    const VIEW_TWO = /* GraphQL */ `
      query ($a: ID!, $b: ID!) {
        a: child(id: $a) { id familyInformation { version } }
        b: child(id: $b) { id familyInformation { version } }
      }
    `;
    const CONFIRM = /* GraphQL */ `
      mutation ($childId: ID!, $itemId: ID!) {
        confirmFamilyItem(childId: $childId, itemId: $itemId) { version }
      }
    `;
    const reuse = async () => {
      // Today in England (en-CA formats as YYYY-MM-DD).
      const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
      const r = await hub.query<{ sendDashboard: any }>(
        `query ($asAt: String) { sendDashboard(asAt: $asAt) {
           familyInformationConfirmations { confirmations children byOrganisationType { organisationType confirmations } }
           familyInformationViews { views children organisations byRole { role views children } byMonth { month views } }
         } }`,
        { as: la(), variables: { asAt: today } },
      );
      expect(r.errors).toBeUndefined();
      return r.data!.sendDashboard;
    };

    it('counts partners reading what the family wrote once, and confirming it, never family reads', async () => {
      const seeded = buildSendWorkflow(hub.dataset).familyInformation;
      const withInfo = hub.dataset.children.filter(
        (c) =>
          c.councilId === la().orgId &&
          seeded.some((f) => f.childId === c.id && f.reportedDiagnoses.length > 0) &&
          c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
      );
      expect(
        withInfo.length,
        'seed needs two children with family information and an ICB involvement',
      ).toBeGreaterThan(1);
      child = withInfo[0]!;
      const second = withInfo[1]!;
      const icb = demoUser(hub.dataset, 'demo-health-1');
      const senco = demoUser(hub.dataset, `demo-senco-${child.schoolId.slice('school-'.length)}`);
      const before = await reuse();

      // A SENCO reads one child's, the ICB two children's in one request: 3 views, 2 roles.
      const one = await hub.query<{ child: any }>(VIEW, { as: senco, variables: { id: child.id } });
      expect(one.data?.child.familyInformation).not.toBeNull();
      const two = await hub.query<{ a: any; b: any }>(VIEW_TWO, {
        as: icb,
        variables: { a: child.id, b: second.id },
      });
      expect(two.data?.a.familyInformation).not.toBeNull();
      expect(two.data?.b.familyInformation).not.toBeNull();
      // Not counted: the family reading their own, and a stranger refused.
      await hub.query(VIEW, { as: decisionMaker(hub.dataset, child), variables: { id: child.id } });
      const otherSchool = hub.dataset.demoUsers.find(
        (u) => u.role === 'senco' && u.orgId !== child.schoolId,
      )!;
      const refused = await hub.query<{ child: any }>(VIEW, { as: otherSchool, variables: { id: child.id } });
      expect(refused.data?.child?.familyInformation ?? null).toBeNull();
      // One confirmation by the ICB.
      const item = one.data!.child.familyInformation.reportedDiagnoses[0]?.id;
      expect(item, 'seeded family information needs a reported diagnosis').toBeDefined();
      const confirmed = await hub.query(CONFIRM, { as: icb, variables: { childId: child.id, itemId: item } });
      expect(confirmed.errors).toBeUndefined();

      const after = await reuse();
      const views = (d: any) => d.familyInformationViews;
      expect(views(after).views - views(before).views).toBe(3);
      const role = (d: any, r: string) => views(d).byRole.find((x: any) => x.role === r)?.views ?? 0;
      expect(role(after, 'senco') - role(before, 'senco')).toBe(1);
      expect(role(after, 'health_practitioner') - role(before, 'health_practitioner')).toBe(2);
      expect(role(after, 'parent_carer') + role(after, 'young_person')).toBe(0);
      expect(views(after).byMonth.at(-1).views - views(before).byMonth.at(-1).views).toBe(3);
      const c = (d: any) => d.familyInformationConfirmations;
      expect(c(after).confirmations - c(before).confirmations).toBe(1);
      const health = (d: any) =>
        c(d).byOrganisationType.find((x: any) => x.organisationType === 'health')?.confirmations ?? 0;
      expect(health(after) - health(before)).toBe(1);
    });
  });
});
