import { verifyAuditChain } from '@hub/audit';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import { buildSen2Return, sen2Councils } from '@hub/record';
import type { DemoUser, SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The record's KPI function itself, called with the data set's children of one council.
import { ehcKpis } from '../../record/src/ehc/kpis.ts';
import { demoUser, startHub, type TestHub } from './hub.ts';

/**
 * Tenancy (issue 14; issue 13 "per council"): two councils on one deployment. For each role of
 * council A, every query it can ask returns nothing of council B; the NHS trust working for
 * both councils sees the children of both it works with. Everything through the gateway, on the
 * seeded two-council data set; expected figures come from independent SQL.
 */
describe('tenancy: no query crosses councils', () => {
  let hub: TestHub;
  let councilOf: Map<string, string>;
  const ofCouncil = (council: string) => hub.dataset.children.filter((c) => c.councilId === council);

  beforeAll(async () => {
    hub = await startHub({ children: 80, councils: 2 });
    councilOf = new Map(hub.dataset.children.map((c) => [c.id, c.councilId]));
    expect(ofCouncil('la-1').length).toBeGreaterThan(10);
    expect(ofCouncil('la-2').length).toBeGreaterThan(10);
  });
  afterAll(() => hub?.close());

  const officer = (council: 'la-1' | 'la-2') =>
    demoUser(hub.dataset, council === 'la-1' ? 'demo-la-1' : 'demo-la-2');
  const auditor = (council: 'la-1' | 'la-2') =>
    demoUser(hub.dataset, council === 'la-1' ? 'demo-auditor-1' : 'demo-auditor-2');
  const other = (council: 'la-1' | 'la-2') => (council === 'la-1' ? 'la-2' : 'la-1');
  /** Does an event concern this council: one of its children, its own staff, or no council at all? */
  const concerns = (event: { childIds: string[]; actor: { sub: string | null } }, council: string) => {
    const staff = [officer(council as 'la-1'), auditor(council as 'la-1')].map((u) => u.sub);
    const otherStaff = [officer(other(council as 'la-1')), auditor(other(council as 'la-1'))].map(
      (u) => u.sub,
    );
    if (event.childIds.some((id) => councilOf.get(id) === council)) return true;
    if (staff.includes(event.actor.sub ?? '')) return true;
    // No child of either council and not the other council's staff: concerns no council.
    return event.childIds.length === 0 && !otherStaff.includes(event.actor.sub ?? '');
  };

  async function ids(query: string, as: DemoUser, variables: Record<string, unknown> = {}) {
    const result = await hub.query<Record<string, Array<{ id: string }>>>(query, {
      as,
      variables,
      purpose: 'ehc_assessment',
    });
    expect(result.errors).toBeUndefined();
    const value = Object.values(result.data ?? {})[0];
    return (Array.isArray(value) ? value : value ? [value] : []).map((c) => c.id);
  }

  const SEARCH = '{ children(search: { name: "Testchild" }, first: 50) { id } }';

  for (const council of ['la-1', 'la-2'] as const) {
    describe(`as council ${council}`, () => {
      it('the LA SEND officer finds exactly their council’s children, and none of the other’s', async () => {
        const found = await ids(SEARCH, officer(council));
        // A search page holds at most 50.
        expect(found.length).toBe(Math.min(50, ofCouncil(council).length));
        for (const id of found) expect(councilOf.get(id)).toBe(council);
      });

      it('the officer cannot open, search by identifier, or read the assessments of the other council’s child', async () => {
        const theirs = ofCouncil(other(council))[0] as SyntheticChild;
        const opened = await hub.query<{ child: unknown }>(
          'query ($id: ID!) { child(id: $id) { id ehcAssessments { id } } }',
          { as: officer(council), variables: { id: theirs.id }, purpose: 'ehc_assessment' },
        );
        expect(opened.data?.child ?? null).toBeNull();
        expect(opened.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
        expect(
          await ids('query ($n: String) { children(search: { nhsNumber: $n }) { id } }', officer(council), {
            n: theirs.nhsNumber,
          }),
        ).toEqual([]);
        // Their own child opens, assessments and all.
        const mine = ofCouncil(council)[0] as SyntheticChild;
        const own = await hub.query<{ child: { id: string } }>(
          'query ($id: ID!) { child(id: $id) { id ehcAssessments { id } } }',
          { as: officer(council), variables: { id: mine.id }, purpose: 'ehc_assessment' },
        );
        expect(own.errors).toBeUndefined();
        expect(own.data?.child.id).toBe(mine.id);
      });

      it('the officer’s KPIs count only their council (independent SQL), and the two councils add up', async () => {
        const asAt = '2026-09-01';
        const result = await hub.query<{
          sendKpis: {
            assessmentsInProgress: number;
            pathwayWaits: Array<{ pathway: string; waiting: number }>;
          };
        }>(
          'query ($d: String) { sendKpis(asAt: $d) { assessmentsInProgress pathwayWaits { pathway waiting } } }',
          {
            as: officer(council),
            variables: { d: asAt },
          },
        );
        expect(result.errors).toBeUndefined();
        const children = ofCouncil(council).map((c) => c.id);
        // The council's children come from the data set (not from the hub's own council query);
        // the figure's definition is kpi.int.test.ts's business, the scope is this test's.
        const scoped = await ehcKpis(hub.subgraphs.record.db, asAt, new Set(children));
        const whole = await ehcKpis(hub.subgraphs.record.db, asAt);
        const otherScoped = await ehcKpis(
          hub.subgraphs.record.db,
          asAt,
          new Set(ofCouncil(other(council)).map((c) => c.id)),
        );
        expect(result.data?.sendKpis.assessmentsInProgress).toBe(scoped.assessmentsInProgress);
        // Each council holds some but not all of them, and the two add up to the whole.
        expect(scoped.assessmentsInProgress).toBeGreaterThan(0);
        expect(scoped.assessmentsInProgress + otherScoped.assessmentsInProgress).toBe(
          whole.assessmentsInProgress,
        );
        expect(scoped.assessmentsInProgress).toBeLessThan(whole.assessmentsInProgress);
        const waits = await hub.subgraphs.health.db.query<{ pathway: string; n: number }>(
          `select pathway, count(*)::int as n from health.pathway_wait
            where child_id = any($2::uuid[]) and referral_date <= $1::date
              and (seen_date is null or seen_date > $1::date)
            group by pathway`,
          [asAt, children],
        );
        for (const kpi of result.data?.sendKpis.pathwayWaits ?? []) {
          expect(kpi.waiting).toBe(waits.find((w) => w.pathway === kpi.pathway)?.n ?? 0);
        }
      });

      it('adviceRequestsForMe gives the officer nothing (it is for the agencies asked)', async () => {
        const result = await hub.query<{ adviceRequestsForMe: unknown[] }>(
          '{ adviceRequestsForMe { assessmentId child { id } } }',
          { as: officer(council) },
        );
        expect(result.data?.adviceRequestsForMe ?? []).toEqual([]);
      });

      it('the council’s auditor sees its own events and nothing about the other council’s children or staff', async () => {
        // Activity in both councils first: each officer opens one of their own children.
        for (const c of ['la-1', 'la-2'] as const) {
          await ids('query ($id: ID!) { child(id: $id) { id } }', officer(c), { id: ofCouncil(c)[1]?.id });
        }
        const theirChild = ofCouncil(other(council))[1] as SyntheticChild;
        const page = await hub.query<{
          auditEvents: { edges: Array<{ node: { childIds: string[]; actor: { sub: string | null } } }> };
        }>('{ auditEvents(first: 200) { edges { node { childIds actor { sub } } } } }', {
          as: auditor(council),
        });
        expect(page.errors).toBeUndefined();
        const nodes = page.data?.auditEvents.edges.map((e) => e.node) ?? [];
        expect(nodes.length).toBeGreaterThan(0);
        // Every event shown concerns this council: one of its children, or its own staff acting.
        // (An event naming children of both councils, e.g. a cross-council trust's search or
        // the other council's officer trying one of this council's children, concerns both.)
        for (const node of nodes) expect(concerns(node, council)).toBe(true);
        expect(nodes.some((n) => n.actor.sub === officer(council).sub)).toBe(true);
        // Asking for the other council's child by id gives nothing; its own auditor finds the events.
        const FILTERED =
          'query ($id: ID!) { auditEvents(filter: { childId: $id }, first: 50) { edges { node { seq } } } }';
        const asked = await hub.query<{ auditEvents: { edges: unknown[] } }>(FILTERED, {
          as: auditor(council),
          variables: { id: theirChild.id },
        });
        expect(asked.data?.auditEvents.edges).toEqual([]);
        const theirs = await hub.query<{ auditEvents: { edges: unknown[] } }>(FILTERED, {
          as: auditor(other(council)),
          variables: { id: theirChild.id },
        });
        expect(theirs.data?.auditEvents.edges.length).toBeGreaterThan(0);
      });

      it('the auditor’s export holds nothing of the other council', async () => {
        const response = await hub.gateway.inject({
          method: 'GET',
          url: '/audit/export?format=ndjson',
          headers: { authorization: `Bearer ${await hub.token(auditor(council))}` },
        });
        expect(response.statusCode).toBe(200);
        const lines = response.body
          .trim()
          .split('\n')
          .filter(Boolean)
          .map(
            (l) =>
              JSON.parse(l) as { childIds: string[]; actor: { sub: string | null }; councils?: string[] },
          );
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          expect(concerns(line, council)).toBe(true);
          if (line.councils?.length) expect(line.councils).toContain(council);
        }
      });

      it('accessHistory stays the family’s: the officer and auditor are refused for either council’s child', async () => {
        for (const as of [officer(council), auditor(council)]) {
          for (const child of [ofCouncil(council)[0], ofCouncil(other(council))[0]]) {
            const result = await hub.query('query ($id: ID!) { accessHistory(childId: $id) { at } }', {
              as,
              variables: { id: child?.id },
            });
            expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
          }
        }
      });
    });
  }

  it('the NHS trust working for both councils sees the children of both it is involved with', async () => {
    const trust = demoUser(hub.dataset, 'demo-health-2');
    const found = await ids(SEARCH, trust);
    const involved = new Set(
      hub.dataset.children
        .filter((c) =>
          c.health?.involvements.some((i) => i.organisationId === 'trust-1' && i.endDate === null),
        )
        .map((c) => c.id),
    );
    expect(found.length).toBe(Math.min(50, involved.size));
    for (const id of found) expect(involved.has(id)).toBe(true);
    expect(new Set(found.map((id) => councilOf.get(id)))).toEqual(new Set(['la-1', 'la-2']));
    // Its dashboard: the councils it works with, both here.
    const kpis = await hub.query<{ sendKpis: { assessmentsInProgress: number } }>(
      '{ sendKpis(asAt: "2026-09-01") { assessmentsInProgress } }',
      { as: trust },
    );
    expect(kpis.errors).toBeUndefined();
  });

  it('the special school working for both councils sees its pupils of both', async () => {
    const senco = demoUser(hub.dataset, 'demo-senco-5');
    const found = await ids(SEARCH, senco);
    const pupils = hub.dataset.children.filter((c) => c.schoolId === 'school-5');
    expect(found.length).toBe(Math.min(50, pupils.length));
    for (const id of found) expect(pupils.some((p) => p.id === id)).toBe(true);
    expect(new Set(found.map((id) => councilOf.get(id)))).toEqual(new Set(['la-1', 'la-2']));
  });

  it('the SEND dashboard: each officer sees their council; the two add up to the trust’s view of both', async () => {
    const DASH = `query ($d: String) { sendDashboard(asAt: $d) {
      councils plansRolling12Months { issued within20Weeks } annualReviewsRolling12Months { due onTime } } }`;
    type Dash = {
      sendDashboard: {
        councils: string[];
        plansRolling12Months: { issued: number; within20Weeks: number };
        annualReviewsRolling12Months: { due: number; onTime: number };
      };
    };
    const as = async (user: DemoUser) => {
      const result = await hub.query<Dash>(DASH, { as: user, variables: { d: '2026-09-01' } });
      expect(result.errors).toBeUndefined();
      return result.data?.sendDashboard as Dash['sendDashboard'];
    };
    const [one, two, both] = [
      await as(officer('la-1')),
      await as(officer('la-2')),
      await as(demoUser(hub.dataset, 'demo-health-2')),
    ];
    expect(one.councils).toEqual(['la-1']);
    expect(two.councils).toEqual(['la-2']);
    expect([...both.councils].sort()).toEqual(['la-1', 'la-2']);
    expect(one.plansRolling12Months.issued + two.plansRolling12Months.issued).toBe(
      both.plansRolling12Months.issued,
    );
    expect(one.annualReviewsRolling12Months.due + two.annualReviewsRolling12Months.due).toBe(
      both.annualReviewsRolling12Months.due,
    );
    // Neither council's figure is the whole: the scope does something.
    expect(one.plansRolling12Months.issued).toBeLessThan(both.plansRolling12Months.issued);
    expect(two.plansRolling12Months.issued).toBeLessThan(both.plansRolling12Months.issued);
  });

  it('the SEN2 return of each council holds only its own children', async () => {
    expect(await sen2Councils(hub.subgraphs.record.db)).toEqual(['la-1', 'la-2']);
    const seen = new Set<string>();
    for (const council of ['la-1', 'la-2'] as const) {
      const ret = await buildSen2Return(hub.subgraphs.record.db, {
        year: 2026,
        councilId: council,
        lea: '999',
      });
      expect(ret.persons.length).toBeGreaterThan(0);
      for (const person of ret.persons) {
        expect(councilOf.get(person.childId)).toBe(council);
        expect(seen.has(person.childId)).toBe(false);
        seen.add(person.childId);
      }
    }
  });

  it('the record tells councils only to a service token for that purpose, and only ids', async () => {
    const url = hub.subgraphs.record.url.replace(/\/graphql$/, '/internal/child-councils');
    const [a, b] = [ofCouncil('la-1')[0], ofCouncil('la-2')[0]] as [SyntheticChild, SyntheticChild];
    const ask = (headers: Record<string, string>) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ childIds: [a.id, b.id] }),
      });
    expect((await ask({})).status).toBe(401);
    // A token for another purpose (the audit writer's) is refused.
    const wrong = await signServiceToken(hub.secret, 'audit-writer', 'tenancy-test');
    expect((await ask({ [SERVICE_TOKEN_HEADER]: wrong })).status).toBe(401);
    const right = await signServiceToken(hub.secret, 'child-councils', 'tenancy-test');
    const answer = await ask({ [SERVICE_TOKEN_HEADER]: right });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ councils: { [a.id]: 'la-1', [b.id]: 'la-2' } });
  });

  it('every event names its councils (format 2) and the chain verifies', async () => {
    const rows = await hub.audit.db.query<{ format: number; councils: string[] | null; child_ids: string[] }>(
      'select format, councils, child_ids::text[] as child_ids from audit.event',
    );
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row.format).toBe(2);
      const expected = new Set(row.child_ids.map((id) => councilOf.get(id)));
      for (const council of expected) expect(row.councils).toContain(council);
    }
    expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
  });
});
