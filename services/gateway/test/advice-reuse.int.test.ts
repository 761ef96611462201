import { decisionHandoverDate, englandDate, isOverCompulsorySchoolAge } from '@hub/policy';
import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from './hub.ts';

// SEND Regulations 2014 reg 6(4): the council need not ask again for advice already given for
// any purpose when the person who gave it, the council and the child's parent or the young person
// agree it is sufficient. Recorded through the gateway by the council, checked against who
// decides for the family on the day, shown on the assessment and counted on the dashboard.
const REUSE = /* GraphQL */ `mutation ($id: ID!, $input: EhcAdviceReuseInput!) {
  recordEhcAdviceReuse(assessmentId: $id, input: $input) {
    id adviceRequests { agency }
    adviceReused { agency existingAdvice existingAdviceDate providerAgreedDate familyAgreedDate familyAgreedBy }
  }
}`;
const READ = /* GraphQL */ `query ($id: ID!, $asAt: String) {
  child(id: $id) { ehcAssessments(asAt: $asAt) { id adviceReused { agency familyAgreedBy } } }
}`;
const REQUEST = `mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { id } }`;
const DECIDE = `mutation ($id: ID!, $input: EhcAssessmentUpdate!) { updateEhcAssessment(id: $id, input: $input) { id } }`;
const DASHBOARD = /* GraphQL */ `query ($asAt: String) {
  sendDashboard(asAt: $asAt) { familyInformationConfirmations { adviceReusedWithConsent adviceReuseModelled } }
}`;

const addDays = (iso: string, n: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('reg 6(4): existing advice reused with the family’s agreement', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let youngPerson: SyntheticChild;
  const today = englandDate(new Date());
  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const run = (query: string, variables: Record<string, unknown>, as = la()) =>
    hub.query<any>(query, { as, variables });
  const start = async (c: SyntheticChild) => {
    const r = await run(REQUEST, { childId: c.id, date: addDays(today, -40) });
    expect(r.errors).toBeUndefined();
    const id = r.data.recordEhcAssessmentRequest.id as string;
    expect(
      (await run(DECIDE, { id, input: { decision: 'assess', decisionDate: addDays(today, -20) } })).errors,
    ).toBeUndefined();
    return id;
  };
  const input = (over: Record<string, unknown> = {}) => ({
    agency: 'educational_psychology',
    existingAdvice: 'Educational psychology report for the previous school (synthetic)',
    existingAdviceDate: addDays(today, -200),
    providerAgreedDate: addDays(today, -12),
    familyAgreedDate: addDays(today, -15),
    familyAgreedBy: 'parent_carer',
    ...over,
  });
  const reused = async () => {
    const r = await run(DASHBOARD, { asAt: today });
    expect(r.errors).toBeUndefined();
    return r.data.sendDashboard.familyInformationConfirmations;
  };

  beforeAll(async () => {
    hub = await startHub({ children: 80 });
    const busy = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
    const free = hub.dataset.children.filter((c) => !busy.has(c.id) && c.councilId === 'la-1');
    const now = new Date();
    child = free.find((c) => c.dateOfBirth < '2020-01-01' && !isOverCompulsorySchoolAge(c.dateOfBirth, now))!;
    // Over compulsory school age well before the agreement, and nobody recorded to act for them.
    youngPerson = free.find(
      (c) => decisionHandoverDate(c.dateOfBirth) < addDays(today, -60) && c.capacityRepresentative === null,
    )!;
    expect(child).toBeDefined();
    expect(youngPerson).toBeDefined();
  });
  afterAll(() => hub?.close());

  it('the council records a reuse agreed by the parent carer; it replaces asking again and is counted', async () => {
    const before = await reused();
    expect(before.adviceReuseModelled).toBe(true);
    const id = await start(child);
    const r = await run(REUSE, { id, input: input() });
    expect(r.errors).toBeUndefined();
    expect(r.data.recordEhcAdviceReuse.adviceReused).toEqual([
      {
        agency: 'educational_psychology',
        existingAdvice: 'Educational psychology report for the previous school (synthetic)',
        existingAdviceDate: addDays(today, -200),
        providerAgreedDate: addDays(today, -12),
        familyAgreedDate: addDays(today, -15),
        familyAgreedBy: 'parent_carer',
      },
    ]);
    expect(r.data.recordEhcAdviceReuse.adviceRequests).toEqual([]);
    expect((await reused()).adviceReusedWithConsent).toBe(before.adviceReusedWithConsent + 1);
    // As at a day before the psychologist agreed, it had not happened yet.
    const earlier = (await run(READ, { id: child.id, asAt: addDays(today, -13) })).data.child.ehcAssessments;
    expect(earlier.find((a: any) => a.id === id).adviceReused).toEqual([]);
    // Once per agency per assessment; asking the same body again is refused too.
    expect((await run(REUSE, { id, input: input() })).errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });

  it('refuses an agreement given by someone who did not decide for the family that day, listing every problem', async () => {
    const id = await start(youngPerson);
    const wrong = await run(REUSE, {
      id,
      input: input({
        familyAgreedBy: 'parent_carer',
        providerAgreedDate: addDays(today, 5),
        existingAdvice: 'short',
      }),
    });
    expect(wrong.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const problems = wrong.errors?.[0]?.extensions?.problems as string[];
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('the young person decides for the family'),
        'providerAgreedDate cannot be in the future',
        expect.stringContaining('existingAdvice'),
      ]),
    );
    const right = await run(REUSE, { id, input: input({ familyAgreedBy: 'young_person' }) });
    expect(right.errors).toBeUndefined();
    expect(right.data.recordEhcAdviceReuse.adviceReused[0].familyAgreedBy).toBe('young_person');
  });

  it('only the council records it: a SENCO is refused, a family cannot', async () => {
    const other = hub.dataset.children.find(
      (c) =>
        c.id !== child.id &&
        c.id !== youngPerson.id &&
        c.councilId === 'la-1' &&
        c.dateOfBirth < '2020-01-01',
    )!;
    const [a] = (await run(READ, { id: other.id })).data.child.ehcAssessments.length
      ? (await run(READ, { id: other.id })).data.child.ehcAssessments
      : [{ id: await start(other) }];
    const senco = demoUser(hub.dataset, `demo-senco-${Number(other.schoolId.slice(-1))}`);
    const parent = demoUser(hub.dataset, other.parentCarerSubs[0]!);
    for (const who of [senco, parent]) {
      const r = await run(REUSE, { id: a.id, input: input({ agency: 'health' }) }, who);
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(r.errors?.[0]?.extensions?.code);
    }
  });
});
