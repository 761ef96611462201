import { randomUUID } from 'node:crypto';
import {
  ageOn,
  decisionHandoverDate,
  endOfCompulsorySchoolAge,
  isOverCompulsorySchoolAge,
  longDate,
  type Principal,
} from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, GRANT_CONSENT, startHub, type TestHub } from './hub.ts';

const HANDOVER = /* GraphQL */ `
  query ($id: ID!, $asAt: String) {
    decisionHandover(childId: $id, asAt: $asAt) {
      childId lastDayParentCarerDecides handoverDate noticeFrom stage parentCarerNotice youngPersonNotice
    }
  }
`;
const RECORD_REP = /* GraphQL */ `
  mutation ($input: RecordCapacityRepresentativeInput!) {
    recordCapacityRepresentative(input: $input) {
      id childId representativeSub representativeKind basis reason recordedBySub recordedByRole
      recordedByOrgId recordedAt reviewBy endedAt active
    }
  }
`;
const END_REP = /* GraphQL */ `
  mutation ($id: ID!, $reason: String!) {
    endCapacityRepresentative(id: $id, reason: $reason) { id endedAt endedBySub endReason active }
  }
`;
const REPS = /* GraphQL */ `
  query ($id: ID!) { capacityRepresentatives(childId: $id) { id representativeSub basis active } }
`;
const CHILD = /* GraphQL */ `query ($id: ID!) { child(id: $id) { id givenName } }`;
const MY_RECORDS = /* GraphQL */ `{ myRecords { id } }`;

const code = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  r.errors?.[0]?.extensions?.code;
const consentInput = (childId: string) => ({
  childId,
  domain: 'health',
  recipientOrgType: 'school',
  purpose: 'ehc_assessment',
});
const REASON =
  'Court of Protection deputyship order for property and welfare decisions, seen by the SEND team.';

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

describe('who decides, through the gateway', () => {
  let hub: TestHub;
  let upcoming: SyntheticChild;
  let represented: SyntheticChild;
  let notSetUp: SyntheticChild;
  const deputy: Principal = {
    sub: 'demo-deputy-77',
    role: 'parent_carer',
    orgId: 'family',
    orgType: 'family',
  };

  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    const now = new Date();
    const young = hub.dataset.children.filter(
      (c) => isOverCompulsorySchoolAge(c.dateOfBirth, now) && ageOn(c.dateOfBirth, now) < 24,
    );
    upcoming = hub.dataset.children.find((c) => !isOverCompulsorySchoolAge(c.dateOfBirth, now))!;
    represented = young[0]!;
    notSetUp = young[1]!;
    expect(upcoming && represented && notSetUp, 'seed needs two young people and a child').toBeTruthy();
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const parentOf = (c: SyntheticChild) => demoUser(hub.dataset, c.parentCarerSubs[0]!);
  const youngPersonOf = (c: SyntheticChild) => demoUser(hub.dataset, c.youngPersonSub!);

  describe('telling the family ahead', () => {
    it('gives the handover date and, from 3 months before it, plain-English notices for parent and young person', async () => {
      const handover = decisionHandoverDate(upcoming.dateOfBirth);
      const lastDay = endOfCompulsorySchoolAge(upcoming.dateOfBirth);
      const year = Number(handover.slice(0, 4));
      const early = await hub.query<{ decisionHandover: Record<string, unknown> }>(HANDOVER, {
        as: parentOf(upcoming),
        variables: { id: upcoming.id, asAt: `${year}-03-01` },
      });
      expect(early.errors).toBeUndefined();
      expect(early.data?.decisionHandover).toMatchObject({
        childId: upcoming.id,
        handoverDate: handover,
        lastDayParentCarerDecides: lastDay,
        stage: 'child',
        parentCarerNotice: null,
        youngPersonNotice: null,
      });
      expect(lastDay).toMatch(/^\d{4}-06-(2[4-9]|30)$/);

      const ahead = await hub.query<{ decisionHandover: Record<string, string> }>(HANDOVER, {
        as: parentOf(upcoming),
        variables: { id: upcoming.id, asAt: `${year}-05-15` },
      });
      const notice = ahead.data!.decisionHandover;
      expect(notice.parentCarerNotice).toContain(
        `From ${longDate(handover)}, decisions about ${upcoming.givenName}'s information pass from you to ${upcoming.givenName}.`,
      );
      expect(notice.parentCarerNotice).toContain(
        'the end of the school year in which they turn 16 (the last Friday in June)',
      );
      expect(notice.youngPersonNotice).toContain(
        `From ${longDate(handover)}, you decide about your own information`,
      );
      expect(notice.youngPersonNotice).toContain(
        'whether your parents or carers can keep seeing your record',
      );

      // The young person can read what it means before they decide (even though they cannot open the record yet).
      const own = await hub.query<{ decisionHandover: Record<string, string> }>(HANDOVER, {
        as: youngPersonOf(upcoming),
        variables: { id: upcoming.id, asAt: `${year}-05-15` },
      });
      expect(own.data?.decisionHandover.youngPersonNotice).toBe(notice.youngPersonNotice);
    });

    it('not for partners outside the family and council; a bad date is INVALID_INPUT', async () => {
      const senco = hub.dataset.demoUsers.find((u) => u.role === 'senco')!;
      const refused = await hub.query(HANDOVER, { as: senco, variables: { id: upcoming.id } });
      expect(code(refused)).toBe('NOT_FOUND');
      const bad = await hub.query(HANDOVER, { as: la(), variables: { id: upcoming.id, asAt: '2027-02-30' } });
      expect(code(bad)).toBe('INVALID_INPUT');
    });
  });

  describe('a young person who lacks capacity', () => {
    let recordId: string;

    it('only the council SEND officer records a representative, with every input problem reported', async () => {
      const input = {
        childId: represented.id,
        representativeSub: deputy.sub,
        basis: 'deputy',
        reason: REASON,
        reviewBy: inDays(180),
      };
      const asParent = await hub.query(RECORD_REP, { as: parentOf(represented), variables: { input } });
      expect(code(asParent)).toBe('NOT_FOUND');
      const asYoungPerson = await hub.query(RECORD_REP, {
        as: youngPersonOf(represented),
        variables: { input },
      });
      expect(code(asYoungPerson)).toBe('FORBIDDEN');

      const invalid = await hub.query(RECORD_REP, {
        as: la(),
        variables: { input: { ...input, reason: 'too short', reviewBy: inDays(-1) } },
      });
      expect(code(invalid)).toBe('INVALID_INPUT');
      expect(invalid.errors?.[0]?.message).toMatch(
        /reason must be 20 to 2000 characters; reviewBy must be between today/,
      );
      const notParent = await hub.query(RECORD_REP, {
        as: la(),
        variables: { input: { ...input, basis: 'parent_acting' } },
      });
      expect(code(notParent)).toBe('INVALID_INPUT');

      const recorded = await hub.query<{ recordCapacityRepresentative: Record<string, unknown> }>(
        RECORD_REP,
        {
          as: la(),
          variables: { input },
        },
      );
      expect(recorded.errors).toBeUndefined();
      expect(recorded.data?.recordCapacityRepresentative).toMatchObject({
        childId: represented.id,
        representativeSub: deputy.sub,
        representativeKind: 'other_person',
        basis: 'deputy',
        reason: REASON,
        recordedBySub: 'demo-la-1',
        recordedByRole: 'la_send_officer',
        recordedByOrgId: la().orgId,
        active: true,
        endedAt: null,
      });
      recordId = String(recorded.data!.recordCapacityRepresentative.id);

      const again = await hub.query(RECORD_REP, { as: la(), variables: { input } });
      expect(code(again)).toBe('CONFLICT');
    });

    it('the representative opens the record and manages consent; the young person and parent carer do not', async () => {
      const mine = await hub.query<{ myRecords: Array<{ id: string }> }>(MY_RECORDS, { as: deputy });
      expect(mine.data?.myRecords.map((c) => c.id)).toEqual([represented.id]);
      const record = await hub.query<{ child: { id: string } }>(CHILD, {
        as: deputy,
        variables: { id: represented.id },
      });
      expect(record.data?.child.id).toBe(represented.id);
      // The adapters decide on facts fetched from the record service: they carry the representative too.
      const section = await hub.query<{ child: { education: { senStatus: string } | null } }>(
        `query ($id: ID!) { child(id: $id) { id education { senStatus } } }`,
        { as: deputy, variables: { id: represented.id } },
      );
      expect(section.errors).toBeUndefined();
      expect(section.data?.child.education?.senStatus).toBe(represented.education.senStatus);

      const byDeputy = await hub.query<{ grantConsent: { status: string } }>(GRANT_CONSENT, {
        as: deputy,
        variables: { input: consentInput(represented.id) },
      });
      expect(byDeputy.errors).toBeUndefined();
      expect(byDeputy.data?.grantConsent.status).toBe('active');

      const byYoungPerson = await hub.query(GRANT_CONSENT, {
        as: youngPersonOf(represented),
        variables: { input: consentInput(represented.id) },
      });
      expect(code(byYoungPerson)).toBe('FORBIDDEN');
      expect(byYoungPerson.errors?.[0]?.message).toMatch(/representative recorded by the council/);
      const byParent = await hub.query(GRANT_CONSENT, {
        as: parentOf(represented),
        variables: { input: consentInput(represented.id) },
      });
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(code(byParent));

      const access = await hub.query<{ setParentCarerAccess: { allowed: boolean } }>(
        `mutation ($id: ID!) { setParentCarerAccess(childId: $id, allowed: true) { allowed } }`,
        { as: deputy, variables: { id: represented.id } },
      );
      expect(access.data?.setParentCarerAccess.allowed).toBe(true);

      const list = await hub.query<{ capacityRepresentatives: Array<Record<string, unknown>> }>(REPS, {
        as: youngPersonOf(represented),
        variables: { id: represented.id },
      });
      expect(list.data?.capacityRepresentatives).toEqual([
        { id: recordId, representativeSub: deputy.sub, basis: 'deputy', active: true },
      ]);
    });

    it('ending the record hands decisions back to the young person; it can be ended once and never deleted', async () => {
      const ended = await hub.query<{ endCapacityRepresentative: Record<string, unknown> }>(END_REP, {
        as: la(),
        variables: {
          id: recordId,
          reason: 'Capacity reassessed: the young person can make these decisions.',
        },
      });
      expect(ended.errors).toBeUndefined();
      expect(ended.data?.endCapacityRepresentative).toMatchObject({ active: false, endedBySub: 'demo-la-1' });

      const byDeputy = await hub.query(GRANT_CONSENT, {
        as: deputy,
        variables: { input: consentInput(represented.id) },
      });
      expect(code(byDeputy)).toBe('NOT_FOUND');
      const byYoungPerson = await hub.query<{ grantConsent: { status: string } }>(GRANT_CONSENT, {
        as: youngPersonOf(represented),
        variables: { input: consentInput(represented.id) },
      });
      expect(byYoungPerson.data?.grantConsent.status).toBe('active');

      const twice = await hub.query(END_REP, {
        as: la(),
        variables: {
          id: recordId,
          reason: 'Capacity reassessed: the young person can make these decisions.',
        },
      });
      expect(code(twice)).toBe('CONFLICT');
      // Each write is one audit event naming the officer, the child and the outcome.
      const events = await hub.audit.db.query<{ operation_type: string; outcome: string; actor_sub: string }>(
        `select operation_type, outcome, actor_sub from audit.event
          where $1::uuid = any(child_ids) and actor_sub = 'demo-la-1' and operation_type = 'mutation'
            and outcome <> 'attempted' order by seq`,
        [represented.id],
      );
      expect(events.map((e) => e.outcome)).toEqual(
        expect.arrayContaining(['ok', 'ok', 'error']), // recorded, ended, ended twice (CONFLICT)
      );
      // Reviewing is recording again: a record past its review date (inserted here as an insider,
      // as if made last year) has stopped counting and does not block a new one.
      await hub.subgraphs.record.db.query(
        `insert into record.capacity_representative (id, child_id, representative_sub, representative_kind, basis,
           reason, recorded_by_sub, recorded_by_role, recorded_by_org_id, recorded_at, review_by)
         values ($1, $2, 'demo-deputy-88', 'other_person', 'attorney', $3, 'demo-la-1', 'la_send_officer', 'la-1',
           now() - interval '400 days', $4)`,
        [randomUUID(), represented.id, REASON, inDays(-2)],
      );
      const lapsed = await hub.query<{
        capacityRepresentatives: Array<{ representativeSub: string; active: boolean }>;
      }>(REPS, { as: la(), variables: { id: represented.id } });
      expect(lapsed.data?.capacityRepresentatives).toContainEqual(
        expect.objectContaining({ representativeSub: 'demo-deputy-88', active: false }),
      );
      const reviewed = await hub.query<{ recordCapacityRepresentative: { active: boolean } }>(RECORD_REP, {
        as: la(),
        variables: {
          input: {
            childId: represented.id,
            representativeSub: 'demo-deputy-88',
            basis: 'attorney',
            reason: REASON,
            reviewBy: inDays(300),
          },
        },
      });
      expect(reviewed.errors).toBeUndefined();
      expect(reviewed.data?.recordCapacityRepresentative.active).toBe(true);
      // The table refuses deletes, even from the schema owner.
      await expect(
        hub.subgraphs.record.db.query('delete from record.capacity_representative where id = $1', [recordId]),
      ).rejects.toThrow(/kept forever/);
    });
  });

  describe('a young person whose login is not set up yet', () => {
    let parentConsentId: string;

    beforeAll(async () => {
      // Insider set-up as the schema owner: a consent the parent gave before the handover, and
      // no young-person login (a family the council has not yet set up).
      parentConsentId = randomUUID();
      const db = hub.subgraphs.record.db;
      await db.query(
        `insert into record.consent (id, child_id, domain, recipient_org_type, purpose, granted_by_sub,
           granted_by_role, starts_at) values ($1, $2, 'health', 'school', 'ehc_assessment', $3, 'parent_carer', $4)`,
        [
          parentConsentId,
          notSetUp.id,
          notSetUp.parentCarerSubs[0],
          `${endOfCompulsorySchoolAge(notSetUp.dateOfBirth)}T09:00:00Z`,
        ],
      );
      await db.query(
        `delete from record.family_member where child_id = $1 and relationship = 'young_person'`,
        [notSetUp.id],
      );
    });

    it('parent carers keep reading and may withdraw, but cannot give new consent', async () => {
      const parent = parentOf(notSetUp);
      const record = await hub.query<{ child: { id: string } }>(CHILD, {
        as: parent,
        variables: { id: notSetUp.id },
      });
      expect(record.data?.child.id).toBe(notSetUp.id);
      const notice = await hub.query<{ decisionHandover: { stage: string } }>(HANDOVER, {
        as: parent,
        variables: { id: notSetUp.id },
      });
      expect(notice.data?.decisionHandover.stage).toBe('awaiting_young_person');

      const give = await hub.query(GRANT_CONSENT, {
        as: parent,
        variables: { input: consentInput(notSetUp.id) },
      });
      expect(code(give)).toBe('FORBIDDEN');
      expect(give.errors?.[0]?.message).toMatch(
        /after the end of the school year in which they turn 16 \(the last Friday in June\)/,
      );

      const withdraw = await hub.query<{ withdrawConsent: { status: string } }>(
        `mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`,
        { as: parent, variables: { id: parentConsentId } },
      );
      expect(withdraw.errors).toBeUndefined();
      expect(withdraw.data?.withdrawConsent.status).toBe('withdrawn');
    });
  });
});
