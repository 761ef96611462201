import { ageOn } from '@hub/policy';
import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

const READ = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      id
      familyInformation {
        version updatedAt updatedByRole
        aboutMe { whatMattersToMe whatHelps communicationNeeds }
        contactPreferences { preferredMethod bestTimeToContact language interpreterNeeded }
        reportedDiagnoses { id description date confirmations { organisationId organisationType confirmedAt note } }
        previousAssessments { id description }
        schoolsAttended { id description }
      }
      familyInformationHistory { version editedAt editedByRole changedFields }
    }
  }
`;
const SAVE = /* GraphQL */ `
  mutation ($childId: ID!, $v: Int!, $input: FamilyInformationInput!) {
    updateFamilyInformation(childId: $childId, expectedVersion: $v, input: $input) {
      version updatedAt
      aboutMe { whatHelps }
      reportedDiagnoses { id description confirmations { organisationId } }
    }
  }
`;
const CONFIRM = /* GraphQL */ `
  mutation ($childId: ID!, $itemId: ID!, $note: String) {
    confirmFamilyItem(childId: $childId, itemId: $itemId, note: $note) {
      version reportedDiagnoses { id confirmations { organisationId organisationType note } }
    }
  }
`;

describe('tell it once: family information', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let over16: SyntheticChild;
  const versions = async (childId: string) =>
    (
      await hub.subgraphs.record.db.query<{ n: number }>(
        'select count(*)::int as n from record.family_information_version where child_id = $1',
        [childId],
      )
    )[0]!.n;

  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    const seeded = new Set(buildSendWorkflow(hub.dataset).familyInformation.map((f) => f.childId));
    const now = new Date();
    child = hub.dataset.children.find(
      (c) =>
        !seeded.has(c.id) &&
        ageOn(c.dateOfBirth, now) < 15 &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
    )!;
    over16 = hub.dataset.children.find((c) => c.youngPersonSub && ageOn(c.dateOfBirth, now) >= 17)!;
    expect(
      child,
      'seed needs an under-15 child with an ICB involvement and no family information',
    ).toBeDefined();
    expect(over16).toBeDefined();
  });
  afterAll(() => hub?.close());

  const parent = () => decisionMaker(hub.dataset, child);
  const icb = () => demoUser(hub.dataset, 'demo-health-1');
  const senco = () => demoUser(hub.dataset, `demo-senco-${child.schoolId.slice('school-'.length)}`);
  let diagnosisId = '';

  it('the family writes it once; every partner involved sees the latest with its date, without a consent', async () => {
    const before = await hub.query<{ child: any }>(READ, { as: senco(), variables: { id: child.id } });
    expect(before.data?.child.familyInformation).toBeNull();
    const saved = await hub.query<{ updateFamilyInformation: any }>(SAVE, {
      as: parent(),
      variables: {
        childId: child.id,
        v: 0,
        input: {
          aboutMe: {
            whatMattersToMe: 'Synthetic: swimming',
            whatHelps: 'Synthetic: a visual timetable',
            communicationNeeds: 'Synthetic: short sentences',
          },
          contactPreferences: {
            preferredMethod: 'email',
            bestTimeToContact: 'After 3pm',
            language: 'English',
            interpreterNeeded: false,
          },
          reportedDiagnoses: [{ description: 'Autism (synthetic record)', date: '2024-05-01' }],
          schoolsAttended: [{ description: 'Synthetic Nursery 1' }],
        },
      },
    });
    expect(saved.errors).toBeUndefined();
    expect(saved.data?.updateFamilyInformation.version).toBe(1);
    diagnosisId = saved.data!.updateFamilyInformation.reportedDiagnoses[0].id;
    // No consent has been granted for this child in this test: the family shared it to be told once.
    for (const partner of [senco(), icb(), demoUser(hub.dataset, 'demo-la-1')]) {
      const read = await hub.query<{ child: any }>(READ, { as: partner, variables: { id: child.id } });
      expect(read.errors).toBeUndefined();
      expect(read.data?.child.familyInformation).toMatchObject({
        version: 1,
        updatedByRole: 'parent_carer',
        aboutMe: { whatHelps: 'Synthetic: a visual timetable' },
        contactPreferences: { preferredMethod: 'email' },
        schoolsAttended: [{ description: 'Synthetic Nursery 1' }],
      });
      expect(Date.parse(read.data?.child.familyInformation.updatedAt)).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('bad input lists every problem and changes nothing; a stale version is a conflict', async () => {
    const bad = await hub.query(SAVE, {
      as: parent(),
      variables: {
        childId: child.id,
        v: 1,
        input: {
          aboutMe: { whatHelps: 'x'.repeat(2001) },
          reportedDiagnoses: [
            { id: '3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60', description: ' ', date: '2024-13-01' },
          ],
        },
      },
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/at most 2000 characters/);
    expect(bad.errors?.[0]?.message).toMatch(/description is required/);
    expect(bad.errors?.[0]?.message).toMatch(/date must be a date/);
    expect(bad.errors?.[0]?.message).toMatch(/id is not an item/);
    const stale = await hub.query(SAVE, {
      as: parent(),
      variables: { childId: child.id, v: 0, input: { aboutMe: { whatHelps: 'Synthetic: later' } } },
    });
    expect(stale.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(await versions(child.id)).toBe(1);
  });

  it('a partner confirms an item for their organisation; rewording it lapses the confirmation', async () => {
    const confirmed = await hub.query<{ confirmFamilyItem: any }>(CONFIRM, {
      as: icb(),
      variables: { childId: child.id, itemId: diagnosisId, note: 'Seen in our records' },
    });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data?.confirmFamilyItem.reportedDiagnoses[0].confirmations).toEqual([
      { organisationId: 'icb-1', organisationType: 'health', note: 'Seen in our records' },
    ]);
    const twice = await hub.query(CONFIRM, {
      as: icb(),
      variables: { childId: child.id, itemId: diagnosisId },
    });
    expect(twice.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    // The family edits something else, keeping the item: the confirmation follows it.
    const v2 = await hub.query<{ updateFamilyInformation: any }>(SAVE, {
      as: parent(),
      variables: { childId: child.id, v: 1, input: { aboutMe: { whatHelps: 'Synthetic: a quiet corner' } } },
    });
    expect(v2.data?.updateFamilyInformation).toMatchObject({
      version: 2,
      aboutMe: { whatHelps: 'Synthetic: a quiet corner' },
    });
    expect(v2.data?.updateFamilyInformation.reportedDiagnoses[0].confirmations).toEqual([
      { organisationId: 'icb-1' },
    ]);
    const v3 = await hub.query<{ updateFamilyInformation: any }>(SAVE, {
      as: parent(),
      variables: {
        childId: child.id,
        v: 2,
        input: {
          reportedDiagnoses: [{ id: diagnosisId, description: 'Autism and ADHD (synthetic record)' }],
        },
      },
    });
    expect(v3.data?.updateFamilyInformation.reportedDiagnoses[0]).toMatchObject({
      id: diagnosisId,
      confirmations: [],
    });
  });

  it('keeps every version: who, when, what changed, newest first', async () => {
    const read = await hub.query<{ child: any }>(READ, { as: senco(), variables: { id: child.id } });
    expect(
      read.data?.child.familyInformationHistory.map((h: any) => [h.version, h.editedByRole, h.changedFields]),
    ).toEqual([
      [3, 'parent_carer', ['reportedDiagnoses']],
      [2, 'parent_carer', ['aboutMe.whatHelps']],
      [
        1,
        'parent_carer',
        expect.arrayContaining([
          'aboutMe.whatMattersToMe',
          'contactPreferences.preferredMethod',
          'reportedDiagnoses',
          'schoolsAttended',
        ]),
      ],
    ]);
    // The database refuses to rewrite history.
    await expect(
      hub.subgraphs.record.db.query(
        'update record.family_information_version set version = 9 where child_id = $1',
        [child.id],
      ),
    ).rejects.toThrow(/append-only/);
  });

  it('only the decision maker writes; only involved partners confirm; strangers and auditors see nothing', async () => {
    const asSenco = await hub.query(SAVE, {
      as: senco(),
      variables: { childId: child.id, v: 3, input: { aboutMe: { whatHelps: 'Synthetic' } } },
    });
    expect(asSenco.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherSchool = demoUser(
      hub.dataset,
      child.schoolId === 'school-1' ? 'demo-senco-2' : 'demo-senco-1',
    );
    const stranger = await hub.query<{ child: any }>(READ, { as: otherSchool, variables: { id: child.id } });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const byParent = await hub.query(CONFIRM, {
      as: parent(),
      variables: { childId: child.id, itemId: diagnosisId },
    });
    expect(byParent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const auditor = await hub.query<{ child: any }>(READ, {
      as: demoUser(hub.dataset, 'demo-auditor-1'),
      variables: { id: child.id },
    });
    expect(auditor.data?.child ?? null).toBeNull();
    // At 16+ the young person tells their own story; their parent carer no longer writes it.
    const version =
      (
        await hub.query<{ child: any }>(READ, {
          as: decisionMaker(hub.dataset, over16),
          variables: { id: over16.id },
        })
      ).data?.child.familyInformation?.version ?? 0;
    const byYp = await hub.query(SAVE, {
      as: decisionMaker(hub.dataset, over16),
      variables: {
        childId: over16.id,
        v: version,
        input: { aboutMe: { whatMattersToMe: 'Synthetic: college' } },
      },
    });
    expect(byYp.errors).toBeUndefined();
    const parentOf16 = demoUser(hub.dataset, over16.parentCarerSubs[0]!);
    const byParentOf16 = await hub.query(SAVE, {
      as: parentOf16,
      variables: {
        childId: over16.id,
        v: version + 1,
        input: { aboutMe: { whatMattersToMe: 'Synthetic: x' } },
      },
    });
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(byParentOf16.errors?.[0]?.extensions?.code);
  });
});
