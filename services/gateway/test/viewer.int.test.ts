import { isOverCompulsorySchoolAge } from '@hub/policy';
import type { DemoUser, SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventsOf, decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

// `Child.viewer` / `Query.viewer`: what the caller may do, per role, through the gateway as the
// portal asks for it. Each answer comes from the @hub/policy function the record enforces with.
const VIEWER = /* GraphQL */ `
  query Viewer($id: ID!) {
    viewer { canBreakGlass }
    child(id: $id) {
      id
      viewer {
        canManageConsent canWithdrawConsent canEditFamilyInformation canBreakGlass canManageEhcWorkflow writesAdvice
      }
    }
  }
`;

const NOTHING = {
  canManageConsent: false,
  canWithdrawConsent: false,
  canEditFamilyInformation: false,
  canBreakGlass: false,
  canManageEhcWorkflow: false,
  writesAdvice: [],
};

/** The family member who decides for the child: their sharing choices and their story, nothing else. */
const DECIDES = {
  ...NOTHING,
  canManageConsent: true,
  canWithdrawConsent: true,
  canEditFamilyInformation: true,
};

describe('Child.viewer: what each role may do with a record it can see', () => {
  let hub: TestHub;
  let young: SyntheticChild;
  let child: SyntheticChild;
  let requests = 0;
  const as = (sub: string) => demoUser(hub.dataset, sub);
  const ask = async (user: DemoUser, of: SyntheticChild) => {
    const requestId = `viewer-${++requests}`;
    const result = await hub.query<{
      viewer: { canBreakGlass: boolean };
      child: { id: string; viewer: Record<string, unknown> } | null;
    }>(VIEWER, { as: user, variables: { id: of.id }, purpose: 'ehc_assessment', requestId });
    return { ...result, requestId };
  };

  beforeAll(async () => {
    hub = await startHub();
    const now = new Date();
    // A child of school age at school-1, council la-1, with an NHS (icb-1) involvement and a
    // social worker of sc-1 allocated: every partner role below is connected to them.
    child = hub.dataset.children.find(
      (c) =>
        !isOverCompulsorySchoolAge(c.dateOfBirth, now) &&
        c.schoolId === 'school-1' &&
        c.councilId === 'la-1' &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate) &&
        c.socialCare?.allocatedWorker?.organisationId === 'sc-1',
    )!;
    young = hub.dataset.children.find(
      (c) => isOverCompulsorySchoolAge(c.dateOfBirth, now) && c.youngPersonSub && !c.capacityRepresentative,
    )!;
    expect(child, 'seed needs a school-age child known to school-1, icb-1, sc-1 and la-1').toBeDefined();
    expect(young, 'seed needs a young person over compulsory school age').toBeDefined();
  });
  afterAll(() => hub?.close());

  it('parent carer: manages consent and writes the family information, nothing else', async () => {
    const r = await ask(decisionMaker(hub.dataset, child), child);
    expect(r.errors).toBeUndefined();
    expect(r.data?.viewer).toEqual({ canBreakGlass: false });
    expect(r.data?.child?.viewer).toEqual(DECIDES);
  });

  it('young person over compulsory school age: their own choices and story', async () => {
    const r = await ask(as(young.youngPersonSub!), young);
    expect(r.errors).toBeUndefined();
    expect(r.data?.child?.viewer).toEqual(DECIDES);
  });

  it('SENCO: writes educational advice only', async () => {
    const r = await ask(as('demo-senco-1'), child);
    expect(r.errors).toBeUndefined();
    expect(r.data?.child?.viewer).toEqual({ ...NOTHING, writesAdvice: ['education'] });
  });

  it('health practitioner: writes health advice only', async () => {
    const r = await ask(as('demo-health-1'), child);
    expect(r.errors).toBeUndefined();
    expect(r.data?.child?.viewer).toEqual({ ...NOTHING, writesAdvice: ['health'] });
  });

  it('social worker: break-glass and social care advice', async () => {
    const r = await ask(as('demo-social-1'), child);
    expect(r.errors).toBeUndefined();
    expect(r.data?.viewer).toEqual({ canBreakGlass: true });
    expect(r.data?.child?.viewer).toEqual({ ...NOTHING, canBreakGlass: true, writesAdvice: ['social_care'] });
  });

  it('council SEND officer: break-glass and the EHC workflow; the field is audited like the others', async () => {
    const r = await ask(as('demo-la-1'), child);
    expect(r.errors).toBeUndefined();
    expect(r.data?.child?.viewer).toEqual({ ...NOTHING, canBreakGlass: true, canManageEhcWorkflow: true });
    const events = await auditEventsOf(hub, r.requestId);
    expect(events.flatMap((e) => e.fieldsReturned)).toContain('Child.viewer');
  });

  it('auditor: no record to act on (the child reads as not found), and no break-glass', async () => {
    const r = await ask(as('demo-auditor-1'), child);
    expect(r.data?.viewer).toEqual({ canBreakGlass: false });
    expect(r.data?.child ?? null).toBeNull();
    expect(r.errors?.map((e) => e.extensions?.code)).toContain('NOT_FOUND');
  });
});
