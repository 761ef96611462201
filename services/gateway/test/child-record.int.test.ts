import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

const CHILD_RECORD = /* GraphQL */ `
  query ChildRecord($id: ID!) {
    child(id: $id) {
      id
      givenName
      familyName
      dateOfBirth
      nhsNumber
      upn
      education { senStatus attendancePercent school { id name } provisions { description } }
      health { involvements { organisationId active } pathwayWaits { pathway referralDate weeksWaited } diagnoses { description } }
      socialCare { status allocatedWorker { name } shortBreaks { description } }
    }
  }
`;

describe('single child record through the gateway', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startHub();
  });
  afterAll(() => hub?.close());

  it('composes identity, education, health and social care for one child in one response', async () => {
    const child = hub.dataset.children.find((c) => c.health && c.socialCare);
    if (!child) throw new Error('seed has no child with all four sections');
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment');
    const la = demoUser(hub.dataset, 'demo-la-1');
    const result = await hub.query(CHILD_RECORD, {
      as: la,
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(result.errors).toBeUndefined();
    const got = result.data?.child as Record<string, any>;
    expect(got).toMatchObject({
      id: child.id,
      givenName: child.givenName,
      familyName: child.familyName,
      dateOfBirth: child.dateOfBirth,
      nhsNumber: child.nhsNumber,
      upn: child.upn,
    });
    expect(got.education.senStatus).toBe(child.education.senStatus);
    expect(got.education.school.id).toBe(child.schoolId);
    expect(got.education.provisions).toHaveLength(child.education.provisions.length);
    expect(got.health.pathwayWaits.map((w: { pathway: string }) => w.pathway).sort()).toEqual(
      child.health!.pathwayWaits.map((w) => w.pathway).sort(),
    );
    expect(got.health.involvements).toHaveLength(child.health!.involvements.length);
    expect(got.socialCare.status).toBe(child.socialCare!.status);
    console.info(`database under test: ${hub.database.kind}`);
  });

  it('answers a search with each child’s section, batched, for the children on the SENCO’s roll only', async () => {
    const senco = demoUser(hub.dataset, 'demo-senco-1');
    const onRoll = hub.dataset.children.filter((c) => c.schoolId === 'school-1');
    const result = await hub.query<{
      children: Array<{ id: string; education: { senStatus: string } | null }>;
    }>(`{ children(search: { name: "Testchild" }, first: 50) { id familyName education { senStatus } } }`, {
      as: senco,
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.children.length).toBe(Math.min(50, onRoll.length));
    for (const c of result.data?.children ?? []) {
      const seeded = onRoll.find((s) => s.id === c.id);
      expect(seeded, 'a child not on the school roll was returned').toBeDefined();
      expect(c.education?.senStatus).toBe(seeded?.education.senStatus);
    }
  });

  describe('bad input gets a clear error', () => {
    it('unknown child id → NOT_FOUND', async () => {
      const result = await hub.query(CHILD_RECORD, {
        as: demoUser(hub.dataset, 'demo-la-1'),
        variables: { id: '00000000-0000-4000-8000-000000000000' },
      });
      expect(result.statusCode).toBe(200);
      expect(result.data).toEqual({ child: null });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, path: ['child'] });
      expect(result.errors?.[0]?.message).toMatch(/No child record has id/);
    });

    it('malformed child id → INVALID_INPUT', async () => {
      const result = await hub.query(CHILD_RECORD, {
        as: demoUser(hub.dataset, 'demo-la-1'),
        variables: { id: 'abc' },
      });
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT', field: 'id' } });
      expect(result.errors?.[0]?.message).toMatch(/must be a UUID/);
    });

    it('invalid search → INVALID_INPUT listing every problem', async () => {
      const result = await hub.query(
        `{ children(search: { nhsNumber: "1234567890", name: "x" }, first: 500) { id } }`,
        {
          as: demoUser(hub.dataset, 'demo-la-1'),
        },
      );
      const error = result.errors?.[0];
      expect(error?.extensions?.code).toBe('INVALID_INPUT');
      expect(error?.message).toMatch(/NHS number/);
      expect(error?.message).toMatch(/name must be/);
      expect(error?.message).toMatch(/first must be/);
    });

    it('a GraphQL syntax error → 400 with the parser message, not an internal error', async () => {
      const result = await hub.query('{ child(id: ', { as: demoUser(hub.dataset, 'demo-la-1') });
      expect(result.statusCode).toBe(400);
      expect(result.errors?.[0]?.message).toMatch(/Syntax Error/);
    });

    it('missing token → 401 telling the caller to sign in', async () => {
      const result = await hub.query('{ __typename }');
      expect(result.statusCode).toBe(401);
      expect(result.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
      expect(result.errors?.[0]?.message).toMatch(/Authorization: Bearer/);
    });

    it('malformed token → 401 "Token is malformed."', async () => {
      const result = await hub.query('{ __typename }', { token: 'not.a.jwt' });
      expect(result.statusCode).toBe(401);
      expect(result.errors?.[0]?.message).toBe('Token is malformed.');
    });

    it('unknown purpose → 400 INVALID_INPUT', async () => {
      const result = await hub.query('{ __typename }', {
        as: demoUser(hub.dataset, 'demo-la-1'),
        purpose: 'curiosity',
      });
      expect(result.statusCode).toBe(400);
      expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    });
  });

  it('a subgraph called directly, without the gateway-signed context, answers 401', async () => {
    const response = await fetch(hub.subgraphs.health.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: '{ _entities(representations: [{ __typename: "Child", id: "x" }]) { __typename } }',
      }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
  });
});
