import { randomUUID } from 'node:crypto';
import { BREAK_GLASS_REASON_MAX_LENGTH, POLICY_TABLE, type Principal, type Role } from '@hub/policy';
import { buildSendWorkflow, type SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Leaks around the edges, attacked through the real gateway (issue 10, class 6): searching on a
 * field the role may not read, refusals that tell a real child from an unknown id, client
 * mistakes answered as INTERNAL, variables inside list literals, invisible break-glass reasons.
 */
let hub: TestHub;
/** The youngest child: under 16, so a parent carer decides. */
let child: SyntheticChild;

beforeAll(async () => {
  hub = await startHub({ children: 30 });
  child = [...hub.dataset.children].sort((a, b) => b.dateOfBirth.localeCompare(a.dateOfBirth))[0]!;
});
afterAll(() => hub?.close());

const stranger = (role: Role): Principal => {
  const orgType = {
    senco: 'school',
    health_practitioner: 'health',
    social_worker: 'social_care',
    la_send_officer: 'local_authority',
    parent_carer: 'family',
    young_person: 'family',
    auditor: 'audit',
  } as const;
  return {
    sub: `stranger-${role}`,
    role,
    orgId: role === 'parent_carer' || role === 'young_person' ? 'family' : `elsewhere-${role}`,
    orgType: orgType[role],
  };
};

describe('search matches only on fields the caller may read', () => {
  const SEARCH = `query ($s: ChildSearch!) { children(search: $s) { id } }`;
  const criteria = (c: SyntheticChild) =>
    ({
      nhsNumber: { value: c.nhsNumber, fields: ['nhsNumber'] },
      upn: { value: c.upn, fields: ['upn'] },
      name: { value: c.familyName, fields: ['givenName', 'familyName'] },
      dateOfBirth: { value: c.dateOfBirth, fields: ['dateOfBirth'] },
    }) as const;

  it('a SENCO cannot confirm an NHS number of a child on the roll: FORBIDDEN, nothing returned', async () => {
    const senco = hub.dataset.demoUsers.find((u) => u.role === 'senco' && u.orgId === child.schoolId)!;
    const byNhs = await hub.query<{ children: Array<{ id: string }> }>(SEARCH, {
      as: senco,
      variables: { s: { nhsNumber: child.nhsNumber } },
    });
    expect(byNhs.data).toBeNull();
    expect(byNhs.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(byNhs.errors?.[0]?.message).toMatch(
      /cannot search by NHS number.*Search by name, Unique Pupil Number, date of birth/,
    );
    expect(JSON.stringify(byNhs)).not.toContain(child.id);
    // Combined with a criterion it may use, still refused (the NHS number would narrow the match).
    const combined = await hub.query(SEARCH, {
      as: senco,
      variables: { s: { nhsNumber: child.nhsNumber, upn: child.upn } },
    });
    expect(combined.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The UPN, which a school does read, still finds the child.
    const byUpn = await hub.query<{ children: Array<{ id: string }> }>(SEARCH, {
      as: senco,
      variables: { s: { upn: child.upn } },
    });
    expect(byUpn.data?.children.map((c) => c.id)).toEqual([child.id]);
  });

  const people: Array<[Role, () => Principal]> = [
    ['senco', () => hub.dataset.demoUsers.find((u) => u.role === 'senco' && u.orgId === child.schoolId)!],
    ['health_practitioner', () => demoUser(hub.dataset, 'demo-health-1')],
    ['social_worker', () => demoUser(hub.dataset, 'demo-social-1')],
    ['la_send_officer', () => demoUser(hub.dataset, 'demo-la-1')],
    ['parent_carer', () => decisionMaker(hub.dataset, child)],
    ['auditor', () => demoUser(hub.dataset, 'demo-auditor-1')],
  ];
  for (const [role, who] of people) {
    it(`${role}: each criterion allowed exactly when POLICY_TABLE lets the role read its fields`, async () => {
      const readable: readonly string[] = POLICY_TABLE[role].read.Child;
      for (const [name, { value, fields }] of Object.entries(criteria(child))) {
        const result = await hub.query<{ children: Array<{ id: string }> }>(SEARCH, {
          as: who(),
          variables: { s: { [name]: value } },
        });
        const allowed = fields.every((f) => readable.includes(f));
        if (allowed) {
          expect(result.errors, `${role} by ${name}`).toBeUndefined();
          if (role === 'la_send_officer' || role === 'parent_carer')
            expect(result.data?.children.map((c) => c.id)).toContain(child.id);
        } else {
          expect(result.errors?.[0]?.extensions?.code, `${role} by ${name}`).toBe('FORBIDDEN');
          expect(result.data).toBeNull();
        }
      }
    });
  }
});

describe('a refusal reads the same for a real child and an unknown id', () => {
  const unknownChild = randomUUID();
  const normalise = (text: string, ...ids: string[]) => ids.reduce((t, id) => t.split(id).join('<id>'), text);

  /** Sends the same operation for the real id and an unknown one; both answers must match. */
  async function sameAnswer(
    as: Principal,
    query: string,
    variables: (id: string) => Record<string, unknown>,
    real: string,
    unknown = randomUUID(),
  ) {
    const a = await hub.query(query, { as, variables: variables(real) });
    const b = await hub.query(query, { as, variables: variables(unknown) });
    expect(a.errors?.length, JSON.stringify(a)).toBeGreaterThan(0);
    expect(a.statusCode).toBe(b.statusCode);
    expect(a.errors?.map((e) => e.extensions?.code)).toEqual(b.errors?.map((e) => e.extensions?.code));
    expect(normalise(JSON.stringify(a.errors), real)).toEqual(normalise(JSON.stringify(b.errors), unknown));
    return a;
  }

  const CHILD_OPERATIONS: Array<[string, string, (id: string) => Record<string, unknown>]> = [
    [
      'grantConsent',
      `mutation ($i: GrantConsentInput!) { grantConsent(input: $i) { id } }`,
      (id) => ({
        i: { childId: id, domain: 'health', recipientOrgType: 'school', purpose: 'annual_review' },
      }),
    ],
    ['consents', `query ($id: ID!) { consents(childId: $id) { id } }`, (id) => ({ id })],
    [
      'parentCarerAccess',
      `query ($id: ID!) { parentCarerAccess(childId: $id) { allowed } }`,
      (id) => ({ id }),
    ],
    [
      'setParentCarerAccess',
      `mutation ($id: ID!) { setParentCarerAccess(childId: $id, allowed: false) { allowed } }`,
      (id) => ({ id }),
    ],
    [
      'updateFamilyInformation',
      `mutation ($id: ID!) { updateFamilyInformation(childId: $id, expectedVersion: 0, input: { aboutMe: { whatHelps: "quiet room" } }) { version } }`,
      (id) => ({ id }),
    ],
    [
      'confirmFamilyItem',
      `mutation ($id: ID!, $item: ID!) { confirmFamilyItem(childId: $id, itemId: $item) { version } }`,
      (id) => ({ id, item: '3f0c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60' }),
    ],
    [
      'recordEhcAssessmentRequest',
      `mutation ($id: ID!) { recordEhcAssessmentRequest(childId: $id, requestDate: "2026-01-05") { id } }`,
      (id) => ({ id }),
    ],
    [
      'recordAnnualReview',
      `mutation ($id: ID!) { recordAnnualReview(childId: $id, meetingDate: "2026-01-05") { planAssessmentId } }`,
      (id) => ({ id }),
    ],
  ];
  const ROLES: Role[] = [
    'parent_carer',
    'young_person',
    'senco',
    'health_practitioner',
    'social_worker',
    'la_send_officer',
  ];
  for (const [name, query, variables] of CHILD_OPERATIONS) {
    it(`${name}: every role outside the child's circle gets the unknown-id answer`, async () => {
      for (const role of ROLES) {
        const answer = await sameAnswer(stranger(role), query, variables, child.id, unknownChild);
        expect(answer.errors?.[0]?.extensions?.code, `${name} as ${role}`).toBe('NOT_FOUND');
      }
    });
  }

  it('grantConsent still explains the refusal to someone who knows the child (no oracle there)', async () => {
    const la = demoUser(hub.dataset, 'demo-la-1');
    const result = await hub.query(CHILD_OPERATIONS[0]![1], {
      as: la,
      variables: CHILD_OPERATIONS[0]![2](child.id),
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('openBreakGlass: a role that may not break glass is refused without looking the child up', async () => {
    const query = `mutation ($id: ID!) { openBreakGlass(childId: $id, reason: "Disclosure at school; strategy meeting today", durationHours: 2) { id } }`;
    for (const role of ['senco', 'health_practitioner', 'parent_carer'] as const) {
      const answer = await sameAnswer(stranger(role), query, (id) => ({ id }), child.id, unknownChild);
      expect(answer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('consent ids: withdrawing or confirming a real consent of another family reads as an unknown consent', async () => {
    const [consentId] = await grantConsents(hub, child, 'school', 'annual_review', ['health']);
    for (const role of ['parent_carer', 'young_person', 'senco', 'la_send_officer'] as const) {
      for (const op of ['withdrawConsent', 'confirmConsent']) {
        const answer = await sameAnswer(
          stranger(role),
          `mutation ($id: ID!) { ${op}(id: $id) { id } }`,
          (id) => ({ id }),
          consentId!,
        );
        expect(answer.errors?.[0]?.extensions?.code, `${op} as ${role}`).toBe('NOT_FOUND');
      }
    }
  });

  it('EHC records by id: a real assessment, advice request or review of a child you cannot see reads as unknown, without its child id', async () => {
    const db = hub.subgraphs.record.db;
    const [assessment] = await db.query<{ id: string; child_id: string }>(
      'select id, child_id from record.ehc_assessment limit 1',
    );
    const [advice] = await db.query<{ id: string; child_id: string }>(
      'select id, child_id from record.ehc_advice_request limit 1',
    );
    const [review] = await db.query<{ id: string; child_id: string }>(
      'select id, child_id from record.annual_review limit 1',
    );
    const otherLa = stranger('la_send_officer');
    const cases: Array<[string, string, string | undefined, string | undefined]> = [
      [
        'updateEhcAssessment',
        `mutation ($id: ID!) { updateEhcAssessment(id: $id, input: { decision: assess }) { id } }`,
        assessment?.id,
        assessment?.child_id,
      ],
      [
        'recordEhcAdviceRequest',
        `mutation ($id: ID!) { recordEhcAdviceRequest(assessmentId: $id, agency: health, sentDate: "2026-01-05") { id } }`,
        assessment?.id,
        assessment?.child_id,
      ],
      [
        'recordEhcAdviceReceived',
        `mutation ($id: ID!) { recordEhcAdviceReceived(adviceRequestId: $id, receivedDate: "2026-01-05") { id } }`,
        advice?.id,
        advice?.child_id,
      ],
      [
        'recordAnnualReviewDecision',
        `mutation ($id: ID!) { recordAnnualReviewDecision(reviewId: $id, decisionDate: "2026-01-05") { planAssessmentId } }`,
        review?.id,
        review?.child_id,
      ],
    ];
    let checked = 0;
    for (const [name, query, id, childId] of cases) {
      if (!id || !childId) continue;
      const answer = await sameAnswer(otherLa, query, (v) => ({ id: v }), id);
      expect(answer.errors?.[0]?.extensions?.code, name).toBe('NOT_FOUND');
      expect(JSON.stringify(answer), name).not.toContain(childId);
      checked++;
    }
    expect(checked, 'the synthetic data set has EHC records').toBeGreaterThan(0);
  });
});

describe('health advice by id: another organisation cannot tell a real advice id from an unknown one', () => {
  it('update, submit and correct read the same for a real draft and an unknown id, without the child id', async () => {
    const withAssessment = new Set(buildSendWorkflow(hub.dataset).assessments.map((a) => a.childId));
    const target = [...hub.dataset.children]
      .sort((a, b) => b.dateOfBirth.localeCompare(a.dateOfBirth))
      .find(
        (c) =>
          c.id !== child.id &&
          !withAssessment.has(c.id) &&
          c.health?.involvements.some((i) => i.organisationId === 'icb-1' && !i.endDate),
      );
    expect(target, 'seed needs a young child with an ICB involvement and no EHC assessment').toBeDefined();
    await grantConsents(hub, target!, 'local_authority', 'ehc_assessment', ['health']);
    const requestDate = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const requested = await hub.query(
      `mutation ($id: ID!, $d: String!) { recordEhcAssessmentRequest(childId: $id, requestDate: $d) { id } }`,
      { as: demoUser(hub.dataset, 'demo-la-1'), variables: { id: target!.id, d: requestDate } },
    );
    expect(requested.errors).toBeUndefined();
    const draft = await hub.query<{ createHealthAdviceDraft: { id: string } }>(
      `mutation ($id: ID!) { createHealthAdviceDraft(childId: $id, input: { needs: "Synthetic needs" }) { id } }`,
      { as: demoUser(hub.dataset, 'demo-health-1'), variables: { id: target!.id } },
    );
    expect(draft.errors).toBeUndefined();
    const adviceId = draft.data!.createHealthAdviceDraft.id;
    const other = stranger('health_practitioner');
    for (const query of [
      `mutation ($id: ID!) { updateHealthAdviceDraft(id: $id, input: { needs: "x" }) { id } }`,
      `mutation ($id: ID!) { submitHealthAdvice(id: $id) { id } }`,
      `mutation ($id: ID!) { correctHealthAdvice(id: $id) { id } }`,
    ]) {
      const unknown = randomUUID();
      const real = await hub.query(query, { as: other, variables: { id: adviceId } });
      const none = await hub.query(query, { as: other, variables: { id: unknown } });
      expect(real.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(JSON.stringify(real.errors).split(adviceId).join('<id>')).toBe(
        JSON.stringify(none.errors).split(unknown).join('<id>'),
      );
      expect(JSON.stringify(real)).not.toContain(target!.id);
    }
  });
});

describe('client mistakes are INVALID_INPUT with a message the caller can act on, never INTERNAL', () => {
  const CASES: Array<{
    name: string;
    method?: 'GET' | 'POST';
    url?: string;
    contentType?: string | null;
    body?: string;
    message: RegExp;
  }> = [
    { name: 'malformed JSON', body: '{"query": ', message: /not valid JSON/ },
    {
      name: 'no content-type',
      contentType: null,
      body: '{"query":"{ myRecords { id } }"}',
      message: /content-type/,
    },
    {
      name: 'form content-type',
      contentType: 'application/x-www-form-urlencoded',
      body: 'query=x',
      message: /content-type/,
    },
    {
      name: 'batched array body',
      body: JSON.stringify([{ query: '{ myRecords { id } }' }]),
      message: /batched/,
    },
    { name: 'body is null', body: 'null', message: /one JSON object/ },
    { name: 'body is a string', body: '"abc"', message: /one JSON object/ },
    { name: 'no query', body: '{}', message: /no "query"/ },
    { name: 'query is a number', body: '{"query": 5}', message: /"query" must be text/ },
    {
      name: 'variables not an object',
      body: '{"query":"{ myRecords { id } }","variables":"x"}',
      message: /"variables" must be a JSON object/,
    },
    {
      name: 'operationName not text',
      body: '{"query":"{ myRecords { id } }","operationName":{}}',
      message: /"operationName" must be text/,
    },
    {
      name: 'mutation over GET',
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('mutation { withdrawConsent(id: "x") { id } }')}`,
      message: /send a mutation with POST/,
    },
    {
      name: 'GET variables not JSON',
      method: 'GET',
      url: `/graphql?query=${encodeURIComponent('query ($id: ID!) { child(id: $id) { id } }')}&variables=%7Bbad`,
      message: /"variables" parameter is not valid JSON/,
    },
  ];
  for (const c of CASES) {
    it(c.name, async () => {
      const token = await hub.token(demoUser(hub.dataset, 'demo-la-1'));
      const response = await hub.gateway.inject({
        method: c.method ?? 'POST',
        url: c.url ?? '/graphql',
        headers: {
          authorization: `Bearer ${token}`,
          ...(c.contentType === null ? {} : { 'content-type': c.contentType ?? 'application/json' }),
        },
        ...(c.body !== undefined ? { payload: c.body } : {}),
      });
      const body = response.json() as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]?.extensions.code, response.body).toBe('INVALID_INPUT');
      expect(body.errors[0]?.message).toMatch(c.message);
      expect(response.statusCode).not.toBe(500);
    });
  }

  it('a bad id names the argument as the caller wrote it', async () => {
    const la = demoUser(hub.dataset, 'demo-la-1');
    const consents = await hub.query(`{ consents(childId: "123") { id } }`, { as: la });
    expect(consents.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^childId must be a UUID/),
      extensions: { code: 'INVALID_INPUT', field: 'childId' },
    });
    const grant = await hub.query(
      `mutation { grantConsent(input: { childId: "", domain: health, recipientOrgType: school, purpose: annual_review }) { id } }`,
      { as: la },
    );
    expect(grant.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/^input\.childId must be a UUID/),
      extensions: { code: 'INVALID_INPUT', field: 'input.childId' },
    });
  });
});

describe('variables inside list literals reach the subgraph', () => {
  it('updateFamilyInformation(input: { reportedDiagnoses: [{ description: $d }] }) saves $d', async () => {
    const parent = decisionMaker(hub.dataset, child);
    const result = await hub.query<{
      updateFamilyInformation: { version: number; reportedDiagnoses: Array<{ description: string }> };
    }>(
      `mutation ($id: ID!, $d: String!, $when: String) {
        updateFamilyInformation(childId: $id, expectedVersion: 0, input: {
          reportedDiagnoses: [{ description: $d, date: $when }]
        }) { version reportedDiagnoses { description date } }
      }`,
      { as: parent, variables: { id: child.id, d: 'Synthetic reported diagnosis', when: '2024-05-01' } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateFamilyInformation).toMatchObject({
      version: 1,
      reportedDiagnoses: [{ description: 'Synthetic reported diagnosis', date: '2024-05-01' }],
    });
  });

  it('a whole list item as a variable, next to a literal item: [$item, { description: "..." }]', async () => {
    const parent = decisionMaker(hub.dataset, child);
    const result = await hub.query<{
      updateFamilyInformation: { version: number; schoolsAttended: Array<{ description: string }> };
    }>(
      `mutation ($id: ID!, $item: FamilyItemInput!) {
        updateFamilyInformation(childId: $id, expectedVersion: 1, input: {
          schoolsAttended: [$item, { description: "Synthetic Nursery" }]
        }) { version schoolsAttended { description } }
      }`,
      { as: parent, variables: { id: child.id, item: { description: 'Synthetic Primary' } } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.updateFamilyInformation.schoolsAttended.map((i) => i.description)).toEqual([
      'Synthetic Primary',
      'Synthetic Nursery',
    ]);
  });
});

describe('other free text: invisible characters are no text', () => {
  it('a family item described only by zero-width characters is refused as missing', async () => {
    const parent = decisionMaker(hub.dataset, child);
    const result = await hub.query(
      `mutation ($id: ID!, $d: String!) {
        updateFamilyInformation(childId: $id, expectedVersion: 2, input: { previousAssessments: [{ description: $d }] }) { version }
      }`,
      { as: parent, variables: { id: child.id, d: '\u200B\u200D\u2060\uFEFF \u3164' } },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/previousAssessments\[0\]\.description is required/);
  });
});

describe('break-glass reasons must be visible and fit the audit event', () => {
  const OPEN = `mutation ($id: ID!, $r: String!) { openBreakGlass(childId: $id, reason: $r, durationHours: 1) { id reason } }`;
  const socialWorker = () => demoUser(hub.dataset, 'demo-social-1');

  for (const [name, reason] of [
    ['zero-width spaces', '\u200B'.repeat(40)],
    ['joiners, word joiner and BOM', '\u200C\u200D\u2060\uFEFF'.repeat(10)],
    ['spaces of every kind', ' \u00A0\u2003\u3000\t\n'.repeat(8)],
    ['19 letters stuffed with zero-width spaces', 'x'.repeat(19).split('').join('\u200B\u200B\u200B')],
  ] as const) {
    it(`refuses a reason of ${name}`, async () => {
      const result = await hub.query(OPEN, { as: socialWorker(), variables: { id: child.id, r: reason } });
      expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
      expect(result.errors?.[0]?.message).toMatch(/not counting spaces or invisible characters/);
      const rows = await hub.subgraphs.record.db.query(
        'select 1 from record.break_glass where child_id = $1',
        [child.id],
      );
      expect(rows).toHaveLength(0);
    });
  }

  it(`refuses a reason over ${BREAK_GLASS_REASON_MAX_LENGTH} characters; accepts one at the bound`, async () => {
    const long = await hub.query(OPEN, {
      as: socialWorker(),
      variables: { id: child.id, r: 'r'.repeat(BREAK_GLASS_REASON_MAX_LENGTH + 1) },
    });
    expect(long.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(long.errors?.[0]?.message).toMatch(`at most ${BREAK_GLASS_REASON_MAX_LENGTH} characters`);
    const atBound = await hub.query<{ openBreakGlass: { reason: string } }>(OPEN, {
      as: socialWorker(),
      variables: { id: child.id, r: `  ${'r'.repeat(BREAK_GLASS_REASON_MAX_LENGTH)}  ` },
    });
    expect(atBound.errors).toBeUndefined();
    expect(atBound.data?.openBreakGlass.reason).toHaveLength(BREAK_GLASS_REASON_MAX_LENGTH);
  });

  it('the database holds the same bound: a longer reason written around the policy is refused', async () => {
    const insert = (reason: string) =>
      hub.subgraphs.record.db.query(
        `insert into record.break_glass (id, child_id, sub, role, org_id, reason, starts_at, expires_at)
         values (gen_random_uuid(), $1, 'insider', 'social_worker', 'la-1', $2, now(), now() + interval '1 hour')`,
        [child.id, reason],
      );
    await expect(insert('r'.repeat(BREAK_GLASS_REASON_MAX_LENGTH + 1))).rejects.toMatchObject({
      code: '23514',
    });
    await expect(insert('r'.repeat(BREAK_GLASS_REASON_MAX_LENGTH))).resolves.toBeDefined();
  });
});
