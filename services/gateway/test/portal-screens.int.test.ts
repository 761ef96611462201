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
});
