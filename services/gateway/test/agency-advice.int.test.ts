import { ageOn, type Principal } from '@hub/policy';
import { buildSendWorkflow, type DemoUser, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventsOf, decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Educational advice (the school's SENCO, education subgraph) and social care advice (the social
 * worker, social-care subgraph) for an EHC needs assessment, through the gateway on real
 * PostgreSQL: the lifecycle health advice has (health-advice.int.test.ts), shared through
 * @hub/service-kit advice.ts, with each agency's own store, rules and audit.
 */
const FIELDS =
  'id childId assessmentId version supersedesId status current needs outcomesSought provisionRecommended authorName organisationId submittedAt date';

const GOOD = {
  needs: 'Synthetic: needs help to regulate in busy spaces and with written work.',
  outcomesSought: 'Synthetic: takes part in whole-class lessons for most of the day by the end of the year.',
  provisionRecommended: 'Synthetic: a quiet space, a visual timetable and 5 hours a week of adult support.',
};

interface Domain {
  name: string;
  type: 'EducationalAdvice' | 'SocialCareAdvice';
  field: 'educationalAdvice' | 'socialCareAdvice';
  consentDomain: 'education' | 'social_care';
  agency: 'education' | 'social_care';
  table: string;
  subgraph: 'education' | 'social-care';
  writer: string;
  orgId: string;
  /** Same role, another organisation: must be refused, and the refusal audited. */
  outsider: () => Principal;
}

let hub: TestHub;
let child: SyntheticChild;
let assessmentId = '';
let requestIds = 0;

const DOMAINS: Domain[] = [
  {
    name: 'educational advice (SENCO)',
    type: 'EducationalAdvice',
    field: 'educationalAdvice',
    consentDomain: 'education',
    agency: 'education',
    table: 'education.educational_advice',
    subgraph: 'education',
    writer: 'demo-senco-1',
    orgId: 'school-1',
    outsider: () => demoUser(hub.dataset, 'demo-senco-2'),
  },
  {
    name: 'social care advice (social worker)',
    type: 'SocialCareAdvice',
    field: 'socialCareAdvice',
    consentDomain: 'social_care',
    agency: 'social_care',
    table: 'social_care.social_care_advice',
    subgraph: 'social-care',
    writer: 'demo-social-1',
    orgId: 'sc-1',
    // The data set has one social care team: a worker of another one, signed in the same way.
    outsider: () => ({ sub: 'test-social-9', role: 'social_worker', orgId: 'sc-9', orgType: 'social_care' }),
  },
];

/** A request through the gateway with its own request id, to find its audit events. */
async function send(query: string, variables: Record<string, unknown>, as: DemoUser | Principal) {
  const requestId = `agency-advice-${++requestIds}`;
  return { requestId, ...(await hub.query<Record<string, any>>(query, { as, variables, requestId })) };
}

const la = () =>
  demoUser(
    hub.dataset,
    hub.dataset.demoUsers.find((u) => u.role === 'la_send_officer' && u.orgId === child.councilId)!.sub,
  );
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());

beforeAll(async () => {
  hub = await startHub({ children: 80 });
  const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
  child = hub.dataset.children.find(
    (c) =>
      !withAssessment.has(c.id) &&
      ageOn(c.dateOfBirth, new Date()) < 15 &&
      c.schoolId === 'school-1' &&
      c.socialCare?.allocatedWorker?.organisationId === 'sc-1',
  )!;
  expect(
    child,
    'seed needs an under-15 child at school-1 with an sc-1 worker and no assessment',
  ).toBeDefined();
  const requestDate = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
  const requested = await hub.query<{ recordEhcAssessmentRequest: { id: string } }>(
    `mutation ($childId: ID!, $date: String!) { recordEhcAssessmentRequest(childId: $childId, requestDate: $date) { id } }`,
    { as: la(), variables: { childId: child.id, date: requestDate } },
  );
  expect(requested.errors).toBeUndefined();
  assessmentId = requested.data!.recordEhcAssessmentRequest.id;
  const sentDate = new Date(Date.now() - 8 * 86_400_000).toISOString().slice(0, 10);
  for (const agency of ['education', 'social_care']) {
    const asked = await hub.query(
      `mutation ($id: ID!, $agency: AdviceAgency!, $date: String!) { recordEhcAdviceRequest(assessmentId: $id, agency: $agency, sentDate: $date) { id } }`,
      { as: la(), variables: { id: assessmentId, agency, date: sentDate } },
    );
    expect(asked.errors).toBeUndefined();
  }
});
afterAll(() => hub?.close());

describe.each(DOMAINS)('$name for an EHC needs assessment', (d) => {
  const CREATE = `mutation ($childId: ID!, $input: ${d.type}Input!) { create${d.type}Draft(childId: $childId, input: $input) { ${FIELDS} } }`;
  const UPDATE = `mutation ($id: ID!, $input: ${d.type}Input!) { update${d.type}Draft(id: $id, input: $input) { ${FIELDS} } }`;
  const SUBMIT = `mutation ($id: ID!) { submit${d.type}(id: $id) { ${FIELDS} } }`;
  const CORRECT = `mutation ($id: ID!) { correct${d.type}(id: $id) { ${FIELDS} } }`;
  const READ = `query ($id: ID!) { child(id: $id) { id ${d.field} { ${FIELDS} } } }`;
  const WAITING = '{ adviceRequestsForMe { assessmentId request { id agency receivedDate } child { id } } }';
  const writer = () => demoUser(hub.dataset, d.writer);
  const rows = async (where = 'true') =>
    (
      await hub.subgraphs[d.subgraph].db.query<{ n: number }>(
        `select count(*)::int as n from ${d.table} where child_id = $1 and ${where}`,
        [child.id],
      )
    )[0]!.n;
  let v1 = '';
  let consentId = '';

  it('without the family’s consent the writer is refused, the refusal audited, nothing written', async () => {
    const refused = await send(CREATE, { childId: child.id, input: GOOD }, writer());
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_CONSENT' });
    expect(refused.errors?.[0]?.message).toMatch(/not agreed to share .* with the local authority/);
    const events = await auditEventsOf(hub, refused.requestId);
    expect(events.map((e) => e.outcome)).toEqual(['attempted', expect.stringMatching(/denied|error/)]);
    expect(events[1]!.childIds).toContain(child.id);
    expect(events[1]!.fieldsDenied.join()).toMatch(new RegExp(`${d.field}:NO_CONSENT`));
    expect(await rows()).toBe(0);
    consentId = (await grantConsents(hub, child, 'local_authority', 'ehc_assessment', [d.consentDomain]))[0]!;
  });

  it('the writer sees the request waiting for them', async () => {
    const waiting = await hub.query<{ adviceRequestsForMe: any[] }>(WAITING, { as: writer() });
    expect(waiting.errors).toBeUndefined();
    expect(waiting.data!.adviceRequestsForMe.filter((w) => w.child.id === child.id)).toEqual([
      {
        assessmentId,
        request: expect.objectContaining({ agency: d.agency, receivedDate: null }),
        child: { id: child.id },
      },
    ]);
  });

  it('writes and saves a draft; concurrent first drafts make exactly one (the database decides)', async () => {
    const tooLong = await hub.query(CREATE, {
      as: writer(),
      variables: { childId: child.id, input: { needs: 'x'.repeat(10_001) } },
    });
    expect(tooLong.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    const attempts = await Promise.all(
      Array.from({ length: 4 }, () =>
        hub.query<Record<string, any>>(CREATE, {
          as: writer(),
          variables: { childId: child.id, input: { needs: GOOD.needs } },
        }),
      ),
    );
    const made = attempts.filter((a) => !a.errors);
    expect(made).toHaveLength(1);
    for (const lost of attempts.filter((a) => a.errors)) {
      expect(lost.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    }
    const draft = made[0]!.data![`create${d.type}Draft`];
    expect(draft).toMatchObject({ status: 'draft', version: 1, organisationId: d.orgId, current: false });
    v1 = draft.id;
    expect(await rows("status = 'draft'")).toBe(1);
    const saved = await hub.query<Record<string, any>>(UPDATE, {
      as: writer(),
      variables: {
        id: v1,
        input: { outcomesSought: GOOD.outcomesSought, provisionRecommended: GOOD.provisionRecommended },
      },
    });
    expect(saved.errors).toBeUndefined();
    expect(saved.data![`update${d.type}Draft`]).toMatchObject({ ...GOOD, status: 'draft' });
    // A draft is the writer's organisation's working document: the family and the LA see none.
    const family = await hub.query<{ child: any }>(READ, {
      as: decisionMaker(hub.dataset, child),
      variables: { id: child.id },
    });
    expect(family.data?.child[d.field]).toEqual([]);
  });

  it('another organisation of the same kind is refused every step, and each refusal is audited', async () => {
    const outsider = d.outsider();
    for (const [query, variables] of [
      [CREATE, { childId: child.id, input: GOOD }],
      [UPDATE, { id: v1, input: { needs: 'Synthetic: overwritten by someone else' } }],
      [SUBMIT, { id: v1 }],
    ] as const) {
      const refused = await send(query, variables, outsider);
      expect(['NOT_FOUND', 'FORBIDDEN']).toContain(refused.errors?.[0]?.extensions?.code);
      const events = await auditEventsOf(hub, refused.requestId);
      expect(events.map((e) => e.outcome)).toEqual(['attempted', expect.stringMatching(/denied|error/)]);
      expect(events[1]!.actor).toMatchObject({ sub: outsider.sub });
      expect(events[1]!.errorCodes.length).toBeGreaterThan(0);
    }
    expect(await rows(`needs like '%someone else%'`)).toBe(0);
    expect(await rows("status = 'submitted'")).toBe(0);
  });

  it('sends: submitted advice is immutable, and the council’s request is marked received today', async () => {
    const sends = await Promise.all([send(SUBMIT, { id: v1 }, writer()), send(SUBMIT, { id: v1 }, writer())]);
    const ok = sends.filter((s) => !s.errors);
    expect(ok).toHaveLength(1);
    expect(sends.find((s) => s.errors)?.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(ok[0]!.data![`submit${d.type}`]).toMatchObject({ status: 'submitted', current: true, ...GOOD });
    // No write without its event: the attempt is recorded before, the outcome after.
    const events = await auditEventsOf(hub, ok[0]!.requestId);
    expect(events.map((e) => e.outcome)).toEqual(['attempted', 'ok']);
    expect(events[1]!.childIds).toContain(child.id);

    const edit = await hub.query(UPDATE, {
      as: writer(),
      variables: { id: v1, input: { needs: 'Synthetic: changed' } },
    });
    expect(edit.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await expect(
      hub.subgraphs[d.subgraph].db.query(`update ${d.table} set needs = 'tampered' where id = $1`, [v1]),
    ).rejects.toThrow(/immutable/);
    await expect(
      hub.subgraphs[d.subgraph].db.query(`delete from ${d.table} where id = $1`, [v1]),
    ).rejects.toThrow(/cannot be deleted/);

    const waiting = await hub.query<{ adviceRequestsForMe: any[] }>(WAITING, { as: writer() });
    expect(waiting.data!.adviceRequestsForMe.filter((w) => w.child.id === child.id)).toEqual([]);
    const assessments = await hub.query<{ child: { ehcAssessments: any[] } }>(
      'query ($id: ID!) { child(id: $id) { ehcAssessments { id adviceRequests { agency receivedDate status } } } }',
      { as: la(), variables: { id: child.id } },
    );
    const requests = assessments.data!.child.ehcAssessments.find(
      (a) => a.id === assessmentId,
    )!.adviceRequests;
    expect(requests).toContainEqual({ agency: d.agency, receivedDate: today(), status: expect.any(String) });
  });

  it('corrects: a new version that supersedes the old one once sent', async () => {
    const correction = await hub.query<Record<string, any>>(CORRECT, { as: writer(), variables: { id: v1 } });
    expect(correction.data![`correct${d.type}`]).toMatchObject({
      version: 2,
      supersedesId: v1,
      status: 'draft',
      ...GOOD,
    });
    const v2 = correction.data![`correct${d.type}`].id;
    const again = await hub.query(CORRECT, { as: writer(), variables: { id: v1 } });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await hub.query(UPDATE, {
      as: writer(),
      variables: { id: v2, input: { needs: `${GOOD.needs} Corrected.` } },
    });
    expect((await hub.query(SUBMIT, { as: writer(), variables: { id: v2 } })).errors).toBeUndefined();
    const byLa = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(byLa.errors).toBeUndefined();
    expect(byLa.data!.child[d.field].map((a: any) => [a.version, a.status, a.current])).toEqual([
      [1, 'submitted', false],
      [2, 'submitted', true],
    ]);
  });

  it('the family reads the submitted advice about their child; others only as the section is shared', async () => {
    const family = await hub.query<{ child: any }>(READ, {
      as: decisionMaker(hub.dataset, child),
      variables: { id: child.id },
    });
    expect(family.errors).toBeUndefined();
    expect(family.data!.child[d.field].map((a: any) => [a.version, a.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(family.data!.child[d.field][1].needs).toBe(`${GOOD.needs} Corrected.`);
    // The LA for another purpose, with no consent for it: refused, named, no value.
    const otherPurpose = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'early_help',
    });
    expect(otherPurpose.data?.child[d.field]).toBeNull();
    expect(otherPurpose.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN_FIELD',
      field: `Child.${d.field}`,
    });
  });

  it('consent withdrawn: the writer is refused at once (and audited); the LA no longer reads it', async () => {
    const withdrawn = await hub.query(`mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`, {
      as: decisionMaker(hub.dataset, child),
      variables: { id: consentId },
    });
    expect(withdrawn.errors).toBeUndefined();
    const latest = (
      await hub.query<{ child: any }>(READ, { as: writer(), variables: { id: child.id } })
    ).data!.child[d.field].find((a: any) => a.current).id;
    const refused = await send(CORRECT, { id: latest }, writer());
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_CONSENT' });
    const events = await auditEventsOf(hub, refused.requestId);
    expect(events[1]!.fieldsDenied.join()).toMatch(new RegExp(`${d.field}:NO_CONSENT`));
    expect(await rows('version = 3')).toBe(0);
    const byLa = await hub.query<{ child: any }>(READ, {
      as: la(),
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(byLa.data?.child[d.field]).toBeNull();
    expect(byLa.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: 'NO_CONSENT' });
  });
});
