import { signInternalContext } from '@hub/auth';
import { ageOn, isOverCompulsorySchoolAge } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, GRANT_CONSENT, grantConsents, startHub, type TestHub } from './hub.ts';

const RECORD = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      id givenName nhsNumber upn
      education { senStatus sencoNotes }
      health { diagnoses { description } }
      socialCare { status allocatedWorker { name } }
    }
  }
`;

type Err = { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> };
/** Section and field refusals name the child and field in `extensions` (see the gateway's error formatter). */
const refusal = (errors: Err[] | undefined, childId: string, field: string) =>
  errors?.find((e) => e.extensions?.childId === childId && e.extensions?.field === field);

describe('consent and field-level access through the gateway', () => {
  let hub: TestHub;
  let under16: SyntheticChild;
  let over16: SyntheticChild;
  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    const now = new Date();
    const withAll = hub.dataset.children.filter((c) => c.health && c.socialCare?.allocatedWorker);
    under16 = withAll.find((c) => ageOn(c.dateOfBirth, now) < 15)!;
    over16 = hub.dataset.children.find((c) => c.youngPersonSub && ageOn(c.dateOfBirth, now) >= 17)!;
    expect(under16, 'seed needs an under-15 child with health and social care').toBeDefined();
    expect(over16, 'seed needs a young person of 17+').toBeDefined();
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const consentsOf = async (child: SyntheticChild) =>
    (
      await hub.query<{ consents: Array<{ id: string; status: string }> }>(
        `query ($id: ID!) { consents(childId: $id) { id status } }`,
        {
          as: decisionMaker(hub.dataset, child),
          variables: { id: child.id },
        },
      )
    ).data?.consents ?? [];

  it('without consent the LA SEND officer sees identity but no agency section, each refusal named and explained', async () => {
    const result = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
      purpose: 'ehc_assessment',
    });
    expect(result.data?.child).toMatchObject({
      id: under16.id,
      givenName: under16.givenName,
      nhsNumber: under16.nhsNumber,
    });
    for (const [field, section] of [
      ['education', 'education'],
      ['health', 'health'],
      ['socialCare', 'social care'],
    ] as const) {
      expect(result.data?.child[field]).toBeNull();
      const error = refusal(result.errors, under16.id, `Child.${field}`);
      expect(error?.extensions).toMatchObject({
        code: 'FORBIDDEN_FIELD',
        field: `Child.${field}`,
        reason: 'NO_CONSENT',
      });
      expect(error?.message).toContain(`the ${section} section`);
    }
  });

  it('consent opens exactly the consented domain, for the consented purpose and recipient only', async () => {
    await grantConsents(hub, under16, 'local_authority', 'ehc_assessment', ['education']);
    const asked = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
      purpose: 'ehc_assessment',
    });
    expect(asked.data?.child.education.senStatus).toBe(under16.education.senStatus);
    expect(asked.data?.child.health).toBeNull();
    const otherPurpose = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
      purpose: 'early_help',
    });
    expect(otherPurpose.data?.child.education).toBeNull();
    const noPurpose = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
    });
    expect(noPurpose.data?.child.education).toBeNull();
    expect(refusal(noPurpose.errors, under16.id, 'Child.education')?.message).toMatch(
      /did not say what it is for/,
    );
    // Consent to the local authority does not open the section to health.
    const health = demoUser(hub.dataset, 'demo-health-1');
    const healthChild = hub.dataset.children.find((c) =>
      c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
    )!;
    const byHealth = await hub.query<{ child: Record<string, any> }>(
      `query ($id: ID!) { child(id: $id) { id education { senStatus } } }`,
      { as: health, variables: { id: healthChild.id }, purpose: 'ehc_assessment' },
    );
    expect(byHealth.data?.child.education).toBeNull();
  });

  it('withdrawal takes effect on the very next request', async () => {
    const [consentId] = await grantConsents(hub, under16, 'local_authority', 'annual_review', ['health']);
    const before = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
      purpose: 'annual_review',
    });
    expect(before.data?.child.health.diagnoses).toHaveLength(under16.health!.diagnoses.length);
    const withdrawn = await hub.query<{ withdrawConsent: { status: string } }>(
      `mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`,
      {
        as: decisionMaker(hub.dataset, under16),
        variables: { id: consentId },
      },
    );
    expect(withdrawn.data?.withdrawConsent.status).toBe('withdrawn');
    const after = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la(),
      variables: { id: under16.id },
      purpose: 'annual_review',
    });
    expect(after.data?.child.health).toBeNull();
    expect(refusal(after.errors, under16.id, 'Child.health')?.extensions?.reason).toBe('NO_CONSENT');
    const history = await consentsOf(under16);
    expect(history.find((c) => c.id === consentId)?.status).toBe('withdrawn');
  });

  it('a field the role may never see is absent with FORBIDDEN_FIELD naming it and leaking no value', async () => {
    const senco = demoUser(hub.dataset, `demo-senco-${under16.schoolId.split('-')[1]}`);
    const result = await hub.query<{ child: Record<string, any> }>(
      `query ($id: ID!) { child(id: $id) { id givenName upn nhsNumber education { senStatus sencoNotes } } }`,
      { as: senco, variables: { id: under16.id } },
    );
    expect(result.data?.child).toMatchObject({ givenName: under16.givenName, upn: under16.upn });
    expect(result.data?.child.education.senStatus).toBe(under16.education.senStatus);
    expect(result.data?.child).not.toHaveProperty('nhsNumber');
    const error = result.errors?.find((e) => e.extensions?.field === 'Child.nhsNumber');
    expect(error?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: 'NOT_PERMITTED' });
    expect(JSON.stringify(result)).not.toContain(under16.nhsNumber);
  });

  it('the same query text sent by two roles is planned for each role separately', async () => {
    await grantConsents(hub, under16, 'school', 'early_help', ['health']);
    const query = `query ($id: ID!) { child(id: $id) { nhsNumber upn health { updatedAt } } }`;
    const senco = demoUser(hub.dataset, `demo-senco-${under16.schoolId.split('-')[1]}`);
    const asSenco = await hub.query<{ child: Record<string, any> }>(query, {
      as: senco,
      variables: { id: under16.id },
      purpose: 'early_help',
    });
    expect(asSenco.data?.child).not.toHaveProperty('nhsNumber');
    const asParent = await hub.query<{ child: Record<string, any> }>(query, {
      as: decisionMaker(hub.dataset, under16),
      variables: { id: under16.id },
    });
    expect(asParent.errors).toBeUndefined();
    expect(asParent.data?.child.nhsNumber).toBe(under16.nhsNumber);
    const asSencoAgain = await hub.query<{ child: Record<string, any> }>(query, {
      as: senco,
      variables: { id: under16.id },
      purpose: 'early_help',
    });
    expect(asSencoAgain.data?.child).not.toHaveProperty('nhsNumber');
    expect(asSencoAgain.data?.child.upn).toBe(under16.upn);
  });

  it('organisation scoping: a SENCO of another school cannot open the child, and learns nothing', async () => {
    const other = under16.schoolId === 'school-1' ? 'demo-senco-2' : 'demo-senco-1';
    const result = await hub.query(RECORD, {
      as: demoUser(hub.dataset, other),
      variables: { id: under16.id },
    });
    expect(result.data).toEqual({ child: null });
    const notFound = result.errors?.find((e) => e.extensions?.code === 'NOT_FOUND');
    expect(notFound).toBeDefined();
    const unknown = await hub.query(RECORD, {
      as: demoUser(hub.dataset, other),
      variables: { id: '00000000-0000-4000-8000-00000000abcd' },
    });
    const unknownError = unknown.errors?.find((e) => e.extensions?.code === 'NOT_FOUND');
    expect(unknownError?.message.replace(/[0-9a-f-]{36}/, 'ID')).toBe(
      notFound?.message.replace(/[0-9a-f-]{36}/, 'ID'),
    );
  });

  it('auditors see no child records', async () => {
    const result = await hub.query(`{ children(search: { name: "Testchild" }) { id givenName } }`, {
      as: demoUser(hub.dataset, 'demo-auditor-1'),
    });
    expect(result.data).toBeNull();
    expect(
      result.errors?.some(
        (e) => e.extensions?.code === 'FORBIDDEN' || e.extensions?.code === 'FORBIDDEN_FIELD',
      ),
    ).toBe(true);
    expect(JSON.stringify(result)).not.toContain('Testchild-');
  });

  describe('at 16 the young person decides', () => {
    it('a parent carer cannot grant; the young person can; a parent consent needs the young person’s confirmation', async () => {
      const parent = demoUser(hub.dataset, over16.parentCarerSubs[0]!);
      const byParent = await hub.query(GRANT_CONSENT, {
        as: parent,
        variables: {
          input: {
            childId: over16.id,
            domain: 'education',
            recipientOrgType: 'local_authority',
            purpose: 'ehc_assessment',
          },
        },
      });
      expect(byParent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(byParent.errors?.[0]?.message).toMatch(/cannot give consent/);
      const [id] = await grantConsents(hub, over16, 'local_authority', 'ehc_assessment', ['education']);
      const result = await hub.query<{ child: Record<string, any> }>(RECORD, {
        as: la(),
        variables: { id: over16.id },
        purpose: 'ehc_assessment',
      });
      expect(result.data?.child.education.senStatus).toBe(over16.education.senStatus);
      expect((await consentsOf(over16)).find((c) => c.id === id)?.status).toBe('active');
    });
  });

  it('from 16 a parent carer sees the record only if the young person agrees', async () => {
    const parent = demoUser(hub.dataset, over16.parentCarerSubs[0]!);
    const view = () =>
      hub.query<{ child: { givenName: string } | null }>(
        `query ($id: ID!) { child(id: $id) { givenName } }`,
        { as: parent, variables: { id: over16.id } },
      );
    expect((await view()).data?.child).toBeNull();
    const setAccess = `mutation ($id: ID!, $allowed: Boolean!) { setParentCarerAccess(childId: $id, allowed: $allowed) { allowed } }`;
    const byParent = await hub.query(setAccess, { as: parent, variables: { id: over16.id, allowed: true } });
    expect(byParent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const yp = decisionMaker(hub.dataset, over16);
    const readAccess = (as: Parameters<TestHub['token']>[0]) =>
      hub.query<{ parentCarerAccess: { allowed: boolean } }>(
        'query ($id: ID!) { parentCarerAccess(childId: $id) { allowed } }',
        { as, variables: { id: over16.id } },
      );
    expect((await readAccess(yp)).data?.parentCarerAccess.allowed).toBe(false);
    expect(
      (await hub.query(setAccess, { as: yp, variables: { id: over16.id, allowed: true } })).errors,
    ).toBeUndefined();
    expect((await readAccess(yp)).data?.parentCarerAccess.allowed).toBe(true);
    // Only the young person may ask: not the parent carer, not a professional.
    expect((await readAccess(parent)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await readAccess(la())).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await view()).data?.child?.givenName).toBe(over16.givenName);
    await hub.query(setAccess, { as: yp, variables: { id: over16.id, allowed: false } });
    expect((await view()).data?.child).toBeNull();
  });

  it('myRecords lists exactly the records a family holds, and nothing for professionals', async () => {
    const myRecords = async (as: Parameters<TestHub['token']>[0]) => {
      const res = await hub.query<{ myRecords: Array<{ id: string }> }>('{ myRecords { id } }', { as });
      expect(res.errors).toBeUndefined();
      return (res.data?.myRecords ?? []).map((c) => c.id).sort();
    };
    // A parent carer of a child: their children of compulsory school age (the young people decide
    // the rest, from the day after the last Friday in June of the school year in which they turn
    // 16, and they have not agreed here).
    const parentSub = under16.parentCarerSubs[0]!;
    const now = new Date();
    const expected = hub.dataset.children
      .filter((c) => c.parentCarerSubs.includes(parentSub) && !isOverCompulsorySchoolAge(c.dateOfBirth, now))
      .map((c) => c.id)
      .sort();
    expect(expected).toContain(under16.id);
    expect(await myRecords(demoUser(hub.dataset, parentSub))).toEqual(expected);
    // From 16: the young person's own record; the parent only once the young person agrees.
    const yp = decisionMaker(hub.dataset, over16);
    expect(await myRecords(yp)).toEqual([over16.id]);
    const parent = demoUser(hub.dataset, over16.parentCarerSubs[0]!);
    expect(await myRecords(parent)).not.toContain(over16.id);
    const setAccess = `mutation ($id: ID!, $allowed: Boolean!) { setParentCarerAccess(childId: $id, allowed: $allowed) { allowed } }`;
    await hub.query(setAccess, { as: yp, variables: { id: over16.id, allowed: true } });
    expect(await myRecords(parent)).toContain(over16.id);
    await hub.query(setAccess, { as: yp, variables: { id: over16.id, allowed: false } });
    expect(await myRecords(parent)).not.toContain(over16.id);
    // Professionals hold no family records; auditors may not read child fields at all.
    expect(await myRecords(la())).toEqual([]);
    const byAuditor = await hub.query('{ myRecords { id } }', {
      as: demoUser(hub.dataset, 'demo-auditor-1'),
    });
    expect(byAuditor.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', field: 'Child.id' });
  });

  describe('bad input gets a clear error and changes nothing', () => {
    const input = (over: Record<string, unknown> = {}) => ({
      childId: under16.id,
      domain: 'health',
      recipientOrgType: 'school',
      purpose: 'early_help',
      ...over,
    });

    it.each([
      [
        'an unknown child',
        () => ({ input: input({ childId: '00000000-0000-4000-8000-0000000000ff' }) }),
        'NOT_FOUND',
        /No child record/,
      ],
      ['a malformed child id', () => ({ input: input({ childId: 'nope' }) }), 'INVALID_INPUT', /UUID/],
      [
        'an expiry in the past',
        () => ({ input: input({ expiresAt: '2020-01-01T00:00:00Z' }) }),
        'INVALID_INPUT',
        /expiresAt must be in the future/,
      ],
      [
        'a malformed expiry',
        () => ({ input: input({ expiresAt: 'next tuesday' }) }),
        'INVALID_INPUT',
        /ISO date/,
      ],
      [
        'an unknown purpose',
        () => ({ input: input({ purpose: 'marketing' }) }),
        'GRAPHQL_VALIDATION_FAILED',
        /marketing/,
      ],
    ])('%s', async (_name, variables, code, message) => {
      const before = await consentsOf(under16);
      const result = await hub.query(GRANT_CONSENT, {
        as: decisionMaker(hub.dataset, under16),
        variables: variables(),
      });
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      expect(result.errors?.[0]?.message).toMatch(message);
      expect(await consentsOf(under16)).toEqual(before);
    });

    it('someone who is not the parent carer or the young person', async () => {
      const before = await consentsOf(under16);
      const senco = demoUser(hub.dataset, `demo-senco-${under16.schoolId.split('-')[1]}`);
      const result = await hub.query(GRANT_CONSENT, { as: senco, variables: { input: input() } });
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await consentsOf(under16)).toEqual(before);
    });

    it('withdrawing twice is not an error: the second answer is the same withdrawn consent', async () => {
      const [id] = await grantConsents(hub, under16, 'school', 'early_help', ['social_care']);
      const mutation = `mutation ($id: ID!) { withdrawConsent(id: $id) { status withdrawnAt } }`;
      const as = decisionMaker(hub.dataset, under16);
      const first = await hub.query(mutation, { as, variables: { id } });
      expect(first.errors).toBeUndefined();
      const again = await hub.query(mutation, { as, variables: { id } });
      expect(again.errors).toBeUndefined();
      expect(again.data).toEqual(first.data);
    });
  });

  describe('break-glass', () => {
    const OPEN = `mutation ($childId: ID!, $reason: String!, $hours: Int!) {
      openBreakGlass(childId: $childId, reason: $reason, durationHours: $hours) { id expiresAt }
    }`;
    const reason = 'Safeguarding concern reported by school: urgent strategy discussion';

    it('lets a social worker with no involvement open a record for a limited time', async () => {
      const child = hub.dataset.children.find((c) => !c.socialCare && c.health)!;
      const social = demoUser(hub.dataset, 'demo-social-1');
      const before = await hub.query(RECORD, { as: social, variables: { id: child.id } });
      expect(before.data).toEqual({ child: null });
      expect(before.errors?.some((e) => e.extensions?.code === 'NOT_FOUND')).toBe(true);
      const opened = await hub.query<{ openBreakGlass: { expiresAt: string } }>(OPEN, {
        as: social,
        variables: { childId: child.id, reason, hours: 2 },
      });
      expect(opened.errors).toBeUndefined();
      const hours = (Date.parse(opened.data!.openBreakGlass.expiresAt) - Date.now()) / 3_600_000;
      expect(hours).toBeGreaterThan(1.9);
      expect(hours).toBeLessThanOrEqual(2);
      const after = await hub.query<{ child: Record<string, any> }>(RECORD, {
        as: social,
        variables: { id: child.id },
      });
      expect(after.data?.child.givenName).toBe(child.givenName);
      expect(after.data?.child.health.diagnoses).toHaveLength(child.health!.diagnoses.length);
    });

    it.each([
      ['a short reason', 'demo-social-1', 'too short', 2, 'INVALID_INPUT', /at least 20 characters/],
      ['more than 24 hours', 'demo-la-1', reason, 25, 'INVALID_INPUT', /at most 24 hours/],
      ['a role that may not break glass', 'demo-senco-1', reason, 2, 'FORBIDDEN', /may not use break-glass/],
    ])('refuses %s', async (_n, sub, why, hours, code, message) => {
      const result = await hub.query(OPEN, {
        as: demoUser(hub.dataset, sub),
        variables: { childId: under16.id, reason: why, hours },
      });
      expect(result.errors?.[0]?.extensions?.code).toBe(code);
      expect(result.errors?.[0]?.message).toMatch(message);
    });
  });

  it('a subgraph re-checks access itself: a validly signed context for the wrong school gets nothing', async () => {
    const other = under16.schoolId === 'school-1' ? 'school-2' : 'school-1';
    const token = await signInternalContext(hub.secret, {
      principal: { sub: 'demo-senco-x', role: 'senco', orgId: other, orgType: 'school' },
      requestId: 'direct-call',
      purpose: null,
    });
    const response = await fetch(hub.subgraphs.education.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-context': token },
      body: JSON.stringify({
        query: `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Child { education { senStatus sencoNotes } } } }`,
        variables: { r: [{ __typename: 'Child', id: under16.id }] },
      }),
    });
    const body = (await response.json()) as { data: { _entities: unknown[] }; errors?: Err[] };
    expect(body.data._entities).toEqual([{ education: null }]);
    expect(body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(JSON.stringify(body)).not.toContain(
      under16.education.senStatus === 'NO_SEN' ? 'NO_SEN"' : under16.education.senStatus,
    );
  });
});
