import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from './hub.ts';

// Server changes behind the portal's screens (issue 15), through the gateway as the portal uses it.
describe('portal screens: server side, through the gateway', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  const as = (sub: string) => demoUser(hub.dataset, sub);

  describe('audit export takes the on-screen filter', () => {
    it('the same events as auditEvents with the same filter (GraphQL spelling of outcome), and nothing else', async () => {
      const child = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.health !== null)!;
      const other = hub.dataset.children.find((c) => c.schoolId === 'school-1' && c.id !== child.id)!;
      const senco = as('demo-senco-1');
      // Refused (NHS number is never for schools) and allowed looks, at this child and another.
      for (let i = 0; i < 2; i++) {
        await hub.query(`{ child(id: "${child.id}") { id nhsNumber } }`, {
          as: senco,
          purpose: 'ehc_assessment',
        });
      }
      await hub.query(`{ child(id: "${child.id}") { id givenName } }`, {
        as: senco,
        purpose: 'ehc_assessment',
      });
      await hub.query(`{ child(id: "${other.id}") { id nhsNumber } }`, {
        as: senco,
        purpose: 'ehc_assessment',
      });

      const filter = { childId: child.id, outcome: 'DENIED' };
      const onScreen = await hub.query<{ auditEvents: { edges: { node: { seq: string } }[] } }>(
        'query Log($filter: AuditFilter) { auditEvents(filter: $filter, first: 100) { edges { node { seq } } } }',
        { as: as('demo-auditor-1'), variables: { filter } },
      );
      expect(onScreen.errors).toBeUndefined();
      const shown = onScreen.data!.auditEvents.edges.map((e) => e.node.seq).sort();
      expect(shown.length).toBeGreaterThanOrEqual(2);

      const response = await hub.gateway.inject({
        method: 'GET',
        url: `/audit/export?format=ndjson&${new URLSearchParams(filter)}`,
        headers: { authorization: `Bearer ${await hub.token(as('demo-auditor-1'))}` },
      });
      expect(response.statusCode).toBe(200);
      const lines = response.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { seq: number | string; outcome: string; childIds: string[] });
      expect(lines.map((l) => String(l.seq)).sort()).toEqual(shown);
      for (const line of lines) {
        expect(line.outcome).toBe('denied');
        expect(line.childIds).toContain(child.id);
      }
    });

    it('refuses a filter it does not understand, listing the problem', async () => {
      const response = await hub.gateway.inject({
        method: 'GET',
        url: '/audit/export?format=ndjson&outcome=MAYBE&withoutOutcome=perhaps',
        headers: { authorization: `Bearer ${await hub.token(as('demo-auditor-1'))}` },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error.problems).toEqual([
        'outcome must be one of ok, denied, error, attempted',
        'withoutOutcome must be true or false',
      ]);
    });
  });

  describe('childSearch: a page of a search and the true total', () => {
    const SEARCH = /* GraphQL */ `
      query Search($search: ChildSearch!, $first: Int, $offset: Int) {
        childSearch(search: $search, first: $first, offset: $offset) { totalCount offset children { id familyName givenName } }
      }
    `;
    type Page = { childSearch: { totalCount: number; offset: number; children: { id: string }[] } };

    it('the total counts every child on the roll that matches, and the pages together list each once', async () => {
      const senco = as('demo-senco-1');
      const onRoll = hub.dataset.children.filter((c) => c.schoolId === 'school-1');
      expect(onRoll.length, 'the seed needs more children on the roll than one page').toBeGreaterThan(7);
      const seen: string[] = [];
      for (let offset = 0; offset < onRoll.length; offset += 7) {
        const page = await hub.query<Page>(SEARCH, {
          as: senco,
          purpose: 'ehc_assessment',
          variables: { search: { name: 'Testchild' }, first: 7, offset },
        });
        expect(page.errors).toBeUndefined();
        expect(page.data!.childSearch.totalCount).toBe(onRoll.length);
        expect(page.data!.childSearch.offset).toBe(offset);
        seen.push(...page.data!.childSearch.children.map((c) => c.id));
      }
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(onRoll.map((c) => c.id).sort());
    });

    it("counts only the caller's own remit, and refuses a bad offset", async () => {
      const other = await hub.query<Page>(SEARCH, {
        as: as('demo-senco-2'),
        variables: { search: { name: 'Testchild' }, first: 1 },
      });
      expect(other.data!.childSearch.totalCount).toBe(
        hub.dataset.children.filter((c) => c.schoolId === 'school-2').length,
      );
      const bad = await hub.query<Page>(SEARCH, {
        as: as('demo-senco-1'),
        variables: { search: { name: 'Testchild' }, offset: -1 },
      });
      expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    });
  });

  describe("myBreakGlass: the caller's own override in force", () => {
    const MINE = 'query Mine($id: ID!) { myBreakGlass(childId: $id) { id reason expiresAt } }';
    type Mine = { myBreakGlass: { id: string; reason: string; expiresAt: string } | null };

    it("null before, the reason and end after opening; never someone else's", async () => {
      const child = hub.dataset.children.find((c) => !c.socialCare?.allocatedWorker)!;
      const worker = as('demo-social-1');
      const before = await hub.query<Mine>(MINE, { as: worker, variables: { id: child.id } });
      expect(before.errors).toBeUndefined();
      expect(before.data!.myBreakGlass).toBeNull();

      const reason = 'Police called about a safeguarding concern at the family home tonight';
      const opened = await hub.query<{ openBreakGlass: { id: string; expiresAt: string } }>(
        `mutation { openBreakGlass(childId: "${child.id}", reason: "${reason}", durationHours: 2) { id expiresAt } }`,
        { as: worker },
      );
      expect(opened.errors).toBeUndefined();
      const after = await hub.query<Mine>(MINE, { as: worker, variables: { id: child.id } });
      expect(after.data!.myBreakGlass).toEqual({
        id: opened.data!.openBreakGlass.id,
        reason,
        expiresAt: opened.data!.openBreakGlass.expiresAt,
      });
      // The council officer (who may break glass too) and the auditor do not see the worker's.
      for (const other of ['demo-la-1', 'demo-auditor-1']) {
        const theirs = await hub.query<Mine>(MINE, { as: as(other), variables: { id: child.id } });
        expect(theirs.data!.myBreakGlass).toBeNull();
      }
    });
  });
});
