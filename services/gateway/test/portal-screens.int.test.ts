import { ageOn } from '@hub/policy';
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

  describe('family information: key history (keyEvents)', () => {
    const SAVE = /* GraphQL */ `
      mutation Save($childId: ID!, $v: Int!, $input: FamilyInformationInput!) {
        updateFamilyInformation(childId: $childId, expectedVersion: $v, input: $input) { version keyEvents { id description date } }
      }
    `;
    const READ =
      '{ child(id: "ID") { familyInformation { version keyEvents { id description date } contactPreferences { preferredMethod } } } }';

    it('an earlier version without key history reads as none; the family adds events, keeps ids, and partners read them', async () => {
      const child = hub.dataset.children.find(
        (c) =>
          c.schoolId === 'school-1' && c.parentCarerSubs.length > 0 && ageOn(c.dateOfBirth, new Date()) < 14,
      )!;
      const parent = as(child.parentCarerSubs[0]!);
      // A version written before key history existed: content without keyEvents.
      const current = await hub.query<{ child: { familyInformation: { version: number } | null } }>(
        READ.replace('ID', child.id),
        { as: parent },
      );
      const v = current.data!.child.familyInformation?.version ?? 0;
      await hub.subgraphs.record.db.query(
        `insert into record.family_information_version (id, child_id, version, content, changed_fields, edited_by_sub, edited_by_role)
         values (gen_random_uuid(), $1, $2, $3, '["contactPreferences"]', $4, 'parent_carer')`,
        [
          child.id,
          v + 1,
          JSON.stringify({
            aboutMe: { whatMattersToMe: null, whatHelps: null, communicationNeeds: null },
            contactPreferences: {
              preferredMethod: 'letter',
              bestTimeToContact: null,
              language: null,
              interpreterNeeded: null,
            },
            reportedDiagnoses: [],
            previousAssessments: [],
            schoolsAttended: [],
          }),
          parent.sub,
        ],
      );
      const old = await hub.query<{ child: { familyInformation: { keyEvents: unknown[] } } }>(
        READ.replace('ID', child.id),
        {
          as: parent,
        },
      );
      expect(old.errors).toBeUndefined();
      expect(old.data!.child.familyInformation.keyEvents).toEqual([]);

      const saved = await hub.query<{
        updateFamilyInformation: {
          version: number;
          keyEvents: { id: string; description: string; date: string | null }[];
        };
      }>(SAVE, {
        as: parent,
        variables: {
          childId: child.id,
          v: v + 1,
          input: { keyEvents: [{ description: 'Moved house', date: '2025-09-01' }] },
        },
      });
      expect(saved.errors).toBeUndefined();
      const [event] = saved.data!.updateFamilyInformation.keyEvents;
      expect(event).toMatchObject({ description: 'Moved house', date: '2025-09-01' });

      const again = await hub.query<{ updateFamilyInformation: { keyEvents: { id: string }[] } }>(SAVE, {
        as: parent,
        variables: {
          childId: child.id,
          v: v + 2,
          input: {
            keyEvents: [
              { id: event!.id, description: 'Moved house', date: '2025-09-01' },
              { description: 'New baby sister' },
            ],
          },
        },
      });
      expect(again.data!.updateFamilyInformation.keyEvents.map((e) => e.id)[0]).toBe(event!.id);

      const partner = await hub.query<{
        child: {
          familyInformation: {
            keyEvents: { description: string }[];
            contactPreferences: { preferredMethod: string };
          };
        };
      }>(READ.replace('ID', child.id), { as: as('demo-senco-1'), purpose: 'ehc_assessment' });
      expect(partner.data!.child.familyInformation.keyEvents.map((e) => e.description)).toEqual([
        'Moved house',
        'New baby sister',
      ]);
      expect(partner.data!.child.familyInformation.contactPreferences.preferredMethod).toBe('letter');
    });
  });
});
