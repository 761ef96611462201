import { isOverCompulsorySchoolAge } from '@hub/policy';
import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

/**
 * Every write is decided by the CASL ability, end to end. The whole hub runs in this process;
 * while `strip.on`, every ability @hub/policy builds gets its write rules WITHOUT the granting
 * ones (`can`; the refusals and the field read rules are kept). The same request by the same
 * person is then refused, and allowed again once the rules are back: nothing but the ability's
 * rule decides it, in the record (consent, break-glass, family information, EHC workflow, the
 * council's identity review, the viewer) as in the adapters (advice).
 */
const strip = vi.hoisted(() => ({ on: false }));
vi.mock('../../../packages/policy/src/writes.ts', async (importOriginal) => {
  const writes = await importOriginal<typeof import('../../../packages/policy/src/writes.ts')>();
  type Builder = Parameters<typeof writes.addWriteRules>[0];
  return {
    ...writes,
    addWriteRules: (
      builder: Builder,
      ...rest: Parameters<typeof writes.addWriteRules> extends [Builder, ...infer R] ? R : never
    ) =>
      writes.addWriteRules(
        strip.on ? { can: () => undefined, cannot: (...args) => builder.cannot(...args) } : builder,
        ...rest,
      ),
  };
});

const VIEWER = /* GraphQL */ `
  query ($id: ID!) {
    viewer { canBreakGlass }
    child(id: $id) {
      viewer { canManageConsent canWithdrawConsent canEditFamilyInformation canBreakGlass canManageEhcWorkflow writesAdvice }
    }
  }
`;
const GRANT = /* GraphQL */ `
  mutation ($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }
`;
const WITHDRAW = /* GraphQL */ `
  mutation ($id: ID!) { withdrawConsent(id: $id) { id status } }
`;
const SAVE = /* GraphQL */ `
  mutation ($childId: ID!, $v: Int!, $input: FamilyInformationInput!) {
    updateFamilyInformation(childId: $childId, expectedVersion: $v, input: $input) { version }
  }
`;
const REQUEST = /* GraphQL */ `
  mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { id } }
`;
const OPEN = /* GraphQL */ `
  mutation ($childId: ID!, $reason: String!, $hours: Int!) {
    openBreakGlass(childId: $childId, reason: $reason, durationHours: $hours) { id }
  }
`;
const DRAFT = /* GraphQL */ `
  mutation ($childId: ID!) { createHealthAdviceDraft(childId: $childId, input: { needs: "Synthetic: needs" }) { id } }
`;

describe('every write is the CASL ability’s rule (taken out: refused; put back: allowed)', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const social = () => demoUser(hub.dataset, 'demo-social-1');
  const family = () => decisionMaker(hub.dataset, child);

  /** Runs `request` with the write rules taken out, then with them: refused, then answered. */
  async function flips<T>(request: () => Promise<{ data?: T | null; errors?: readonly unknown[] }>) {
    strip.on = true;
    let refused: Awaited<ReturnType<typeof request>>;
    try {
      refused = await request();
    } finally {
      strip.on = false;
    }
    const allowed = await request();
    expect(allowed.errors).toBeUndefined();
    return { refused, allowed: allowed.data as T };
  }

  const refusal = (result: { errors?: readonly unknown[] }) =>
    (result.errors as Array<{ message: string; extensions?: { code?: string } }> | undefined)?.map((e) => ({
      code: e.extensions?.code,
      message: e.message,
    }));

  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    const now = new Date();
    const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
    // A school-age child of council la-1 with an NHS (icb-1) involvement and no EHC assessment yet.
    child = hub.dataset.children.find(
      (c) =>
        !isOverCompulsorySchoolAge(c.dateOfBirth, now) &&
        !withAssessment.has(c.id) &&
        c.councilId === 'la-1' &&
        c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
    )!;
    expect(
      child,
      'seed needs a school-age child of la-1 known to icb-1, without an assessment',
    ).toBeDefined();
  });
  afterAll(() => hub?.close());

  it('the viewer: the family decides, the council records, social care may break glass', async () => {
    const ask = (as: ReturnType<typeof la>) => () =>
      hub.query<{ viewer: unknown; child: { viewer: Record<string, unknown> } }>(VIEWER, {
        as,
        variables: { id: child.id },
      });
    const parent = await flips(ask(family()));
    expect(parent.refused.data?.child.viewer).toMatchObject({
      canManageConsent: false,
      canWithdrawConsent: false,
      canEditFamilyInformation: false,
    });
    expect(parent.allowed.child.viewer).toMatchObject({
      canManageConsent: true,
      canWithdrawConsent: true,
      canEditFamilyInformation: true,
    });
    const council = await flips(ask(la()));
    expect(council.refused.data).toMatchObject({
      viewer: { canBreakGlass: false },
      child: { viewer: { canManageEhcWorkflow: false, canBreakGlass: false } },
    });
    expect(council.allowed).toMatchObject({
      viewer: { canBreakGlass: true },
      child: { viewer: { canManageEhcWorkflow: true, canBreakGlass: true } },
    });
  });

  it('giving and withdrawing consent', async () => {
    const input = {
      childId: child.id,
      domain: 'health',
      recipientOrgType: 'local_authority',
      purpose: 'ehc_assessment',
    };
    const given = await flips(() =>
      hub.query<{ grantConsent: { id: string; status: string } }>(GRANT, {
        as: family(),
        variables: { input },
      }),
    );
    expect(refusal(given.refused)).toEqual([
      { code: 'FORBIDDEN', message: 'You cannot give consent for this child: You may not do this..' },
    ]);
    expect(given.allowed.grantConsent.status).toBe('active');

    const withdrawn = await flips(() =>
      hub.query<{ withdrawConsent: { status: string } }>(WITHDRAW, {
        as: family(),
        variables: { id: given.allowed.grantConsent.id },
      }),
    );
    expect(refusal(withdrawn.refused)).toEqual([
      { code: 'FORBIDDEN', message: 'You cannot withdraw consent for this child: You may not do this..' },
    ]);
    expect(withdrawn.allowed.withdrawConsent.status).toBe('withdrawn');
  });

  it('the family information, an EHC workflow step and break-glass', async () => {
    const version = await hub.query<{ child: { familyInformation: { version: number } | null } }>(
      'query ($id: ID!) { child(id: $id) { familyInformation { version } } }',
      { as: family(), variables: { id: child.id } },
    );
    const v = version.data?.child.familyInformation?.version ?? 0;
    const saved = await flips(() =>
      hub.query<{ updateFamilyInformation: { version: number } }>(SAVE, {
        as: family(),
        variables: { childId: child.id, v, input: { aboutMe: { whatHelps: 'Synthetic: a quiet corner' } } },
      }),
    );
    expect(refusal(saved.refused)).toEqual([{ code: 'FORBIDDEN', message: 'You may not do this.' }]);
    expect(saved.allowed.updateFamilyInformation.version).toBe(v + 1);

    const requested = await flips(() =>
      hub.query<{ recordEhcAssessmentRequest: { id: string } }>(REQUEST, {
        as: la(),
        variables: { childId: child.id, date: '2026-01-05' },
      }),
    );
    expect(refusal(requested.refused)).toEqual([{ code: 'FORBIDDEN', message: 'You may not do this.' }]);
    expect(requested.allowed.recordEhcAssessmentRequest.id).toBeTruthy();

    const opened = await flips(() =>
      hub.query<{ openBreakGlass: { id: string } }>(OPEN, {
        as: social(),
        variables: {
          childId: child.id,
          reason: 'Safeguarding concern reported by school: urgent strategy discussion',
          hours: 1,
        },
      }),
    );
    expect(refusal(opened.refused)).toEqual([
      { code: 'FORBIDDEN', message: 'Break-glass refused: You may not do this.' },
    ]);
    expect(opened.allowed.openBreakGlass.id).toBeTruthy();
  });

  it('an agency’s advice (the health adapter)', async () => {
    // The family agrees to share health information with the council for the assessment above.
    const consent = await hub.query(GRANT, {
      as: family(),
      variables: {
        input: {
          childId: child.id,
          domain: 'health',
          recipientOrgType: 'local_authority',
          purpose: 'ehc_assessment',
        },
      },
    });
    expect(consent.errors).toBeUndefined();
    const drafted = await flips(() =>
      hub.query<{ createHealthAdviceDraft: { id: string } }>(DRAFT, {
        as: demoUser(hub.dataset, 'demo-health-1'),
        variables: { childId: child.id },
      }),
    );
    expect(refusal(drafted.refused)).toEqual([
      { code: 'FORBIDDEN', message: 'You cannot write health advice for this child: You may not do this.' },
    ]);
    expect(drafted.allowed.createHealthAdviceDraft.id).toBeTruthy();
  });

  it('the council’s identity review: the queue and undoing a match', async () => {
    const queue = await flips(() =>
      hub.query<{ identityMatches: { nodes: unknown[] } }>(
        '{ identityMatches(status: linked, first: 1) { nodes { id } } }',
        { as: la() },
      ),
    );
    expect(refusal(queue.refused)).toEqual([{ code: 'FORBIDDEN', message: 'You may not do this.' }]);
    expect(Array.isArray(queue.allowed.identityMatches.nodes)).toBe(true);
    // A mutation of the review is refused by the same rule before it reads anything; with the
    // rule back it looks for the source record (there is none).
    const unlink = () =>
      hub.query(
        'mutation { unlinkSource(system: "synthetic", sourceId: "none", reason: "Synthetic: wrong link") { id } }',
        { as: la() },
      );
    strip.on = true;
    try {
      expect(refusal(await unlink())).toEqual([{ code: 'FORBIDDEN', message: 'You may not do this.' }]);
    } finally {
      strip.on = false;
    }
    expect(refusal(await unlink())).toEqual([
      { code: 'NOT_FOUND', message: 'No such source record in your council’s identity index.' },
    ]);
  });
});
