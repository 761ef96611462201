import {
  EVENT_COLUMNS,
  type EventRow,
  FAMILY_SECTION_KEYS,
  rowToEvent,
  type StoredAuditEvent,
  verifyAuditChain,
} from '@hub/audit';
import { ageOn } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_FAILED_MESSAGE } from '../src/audit-plugin.ts';
import { PURPOSE_HEADER } from '../src/index.ts';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

const RECORD = /* GraphQL */ `
  query ChildRecord($id: ID!) {
    child(id: $id) { id givenName nhsNumber education { senStatus } health { diagnoses { description } } }
  }
`;

describe('audit: one event per query, attempt + outcome per mutation, through the gateway', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let requests = 0;
  beforeAll(async () => {
    hub = await startHub({ children: 30 });
    const now = new Date();
    child = hub.dataset.children.find(
      (c) => c.health && c.socialCare?.allocatedWorker && ageOn(c.dateOfBirth, now) < 15,
    )!;
    expect(child, 'seed needs an under-15 child with health and social care').toBeDefined();
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const auditor = () => demoUser(hub.dataset, 'demo-auditor-1');

  /** A request through the gateway with a known request id, so its audit event can be found. */
  async function send(options: {
    query?: string;
    variables?: Record<string, unknown>;
    as?: Parameters<TestHub['token']>[0];
    token?: string;
    purpose?: string;
    rawBody?: string;
  }) {
    const requestId = `audit-test-${++requests}`;
    const bearer = options.token ?? (options.as ? await hub.token(options.as) : undefined);
    const response = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(options.purpose ? { [PURPOSE_HEADER]: options.purpose } : {}),
      },
      payload:
        options.rawBody ?? JSON.stringify({ query: options.query, variables: options.variables ?? {} }),
    });
    return {
      requestId,
      statusCode: response.statusCode,
      body: response.json() as { data?: any; errors?: any[] },
    };
  }

  async function eventsOf(requestId: string): Promise<StoredAuditEvent[]> {
    const rows = await hub.audit.db.query<EventRow>(
      `select ${EVENT_COLUMNS} from audit.event e where e.request_id = $1 order by e.seq`,
      [requestId],
    );
    return rows.map(rowToEvent);
  }

  async function theEventOf(requestId: string): Promise<StoredAuditEvent> {
    const events = await eventsOf(requestId);
    expect(events, `events for ${requestId}`).toHaveLength(1);
    return events[0]!;
  }

  /** A mutation has two events: the attempt (written before it was forwarded), then its outcome. */
  async function theOutcomeOf(requestId: string): Promise<StoredAuditEvent> {
    const events = await eventsOf(requestId);
    expect(
      events.map((e) => e.outcome),
      `events for ${requestId}`,
    ).toEqual(['attempted', expect.not.stringMatching(/^attempted$/)]);
    return events[1]!;
  }

  it(`a query: who, what, which child, fields returned and denied, purpose, outcome (${process.env.DATABASE_URL ? 'postgres' : 'pglite'})`, async () => {
    const { requestId, body } = await send({
      query: RECORD,
      variables: { id: child.id },
      as: la(),
      purpose: 'ehc_assessment',
    });
    expect(body.data.child.givenName).toBe(child.givenName);
    const event = await theEventOf(requestId);
    expect(event).toMatchObject({
      actor: { sub: 'demo-la-1', role: 'la_send_officer', orgId: la().orgId },
      purpose: 'ehc_assessment',
      operationName: 'ChildRecord:child',
      operationType: 'query',
      outcome: 'denied',
      clientIp: '127.0.0.1',
      childIds: [child.id],
      children: [{ childId: child.id, sections: ['Child'] }],
      breakGlass: false,
    });
    expect(event.fieldsReturned).toEqual(expect.arrayContaining(['Child.givenName', 'Child.nhsNumber']));
    // No consent yet: both agency sections are recorded as denied, with the reason.
    expect(event.fieldsDenied).toEqual(
      expect.arrayContaining(['Child.education:NO_CONSENT', 'Child.health:NO_CONSENT']),
    );
    expect(event.errorCodes).toContain('FORBIDDEN_FIELD');
  });

  it('a mutation, and then the sections it opened (fetched through _entities) recorded as returned', async () => {
    const parent = decisionMaker(hub.dataset, child);
    const grant = await send({
      query: 'mutation Grant($input: GrantConsentInput!) { grantConsent(input: $input) { id } }',
      variables: {
        input: {
          childId: child.id,
          domain: 'education',
          recipientOrgType: 'local_authority',
          purpose: 'ehc_assessment',
        },
      },
      as: parent,
    });
    expect(grant.body.errors).toBeUndefined();
    expect(await theOutcomeOf(grant.requestId)).toMatchObject({
      operationType: 'mutation',
      operationName: 'Grant:grantConsent',
      outcome: 'ok',
      actor: { sub: parent.sub, role: parent.role },
      childIds: [child.id],
    });

    const read = await send({
      query: RECORD,
      variables: { id: child.id },
      as: la(),
      purpose: 'ehc_assessment',
    });
    expect(read.body.data.child.education.senStatus).toBe(child.education.senStatus);
    const event = await theEventOf(read.requestId);
    expect(event.fieldsReturned).toContain('EducationSection.senStatus');
    expect(event.children).toEqual([{ childId: child.id, sections: ['Child', 'EducationSection'] }]);
    expect(event.fieldsDenied).toContain('Child.health:NO_CONSENT');
    expect(event.fieldsDenied.join()).not.toContain('education');
  });

  it('a field the gateway strips for the role is recorded as denied', async () => {
    const senco = demoUser(hub.dataset, `demo-senco-${child.schoolId.split('-')[1]}`);
    const { requestId, body } = await send({ query: RECORD, variables: { id: child.id }, as: senco });
    expect(body.data.child).not.toHaveProperty('nhsNumber');
    const event = await theEventOf(requestId);
    expect(event.fieldsDenied).toContain('Child.nhsNumber:NOT_PERMITTED');
    expect(event.outcome).toBe('denied');
  });

  it('break-glass is flagged, with its reason, on the override and on every read it opens', async () => {
    const worker = demoUser(hub.dataset, 'demo-social-1');
    const reason = 'Synthetic test: police welfare concern, checking known needs';
    const open = await send({
      query:
        'mutation ($id: ID!, $reason: String!) { openBreakGlass(childId: $id, reason: $reason, durationHours: 2) { id } }',
      variables: { id: child.id, reason },
      as: worker,
    });
    expect(open.body.errors).toBeUndefined();
    expect(await theOutcomeOf(open.requestId)).toMatchObject({
      breakGlass: true,
      breakGlassReason: reason,
      operationType: 'mutation',
    });
    const read = await send({
      query: 'query ($id: ID!) { child(id: $id) { id givenName health { diagnoses { description } } } }',
      variables: { id: child.id },
      as: worker,
    });
    expect(read.body.data.child.health).not.toBeNull();
    const event = await theEventOf(read.requestId);
    expect(event).toMatchObject({ breakGlass: true, breakGlassReason: reason, actor: { sub: worker.sub } });
    expect(event.fieldsReturned).toContain('HealthSection.diagnoses');
  });

  describe('requests refused before or during GraphQL are recorded too', () => {
    it.each([
      ['no token', {}, 401, 'UNAUTHENTICATED', 'denied'],
      ['a malformed token', { token: 'not.a.jwt' }, 401, 'UNAUTHENTICATED', 'denied'],
    ] as const)('%s → one anonymous denied event', async (_name, auth, status, code, outcome) => {
      const { requestId, statusCode } = await send({ query: RECORD, variables: { id: child.id }, ...auth });
      expect(statusCode).toBe(status);
      expect(await theEventOf(requestId)).toMatchObject({
        actor: { sub: null, role: null, orgId: null },
        outcome,
        errorCodes: [code],
        childIds: [],
        fieldsReturned: [],
      });
    });

    it('an unknown purpose → 400, recorded as an error of that user', async () => {
      const { requestId, statusCode } = await send({
        query: '{ __typename }',
        as: la(),
        purpose: 'curiosity',
      });
      expect(statusCode).toBe(400);
      expect(await theEventOf(requestId)).toMatchObject({
        actor: { sub: 'demo-la-1' },
        outcome: 'error',
        errorCodes: ['INVALID_INPUT'],
      });
    });

    it('a syntax error, a validation error and an unparseable body', async () => {
      const syntax = await send({ query: '{ child(id: ', as: la() });
      expect(syntax.statusCode).toBe(400);
      expect(await theEventOf(syntax.requestId)).toMatchObject({
        operationType: 'unknown',
        operationName: null,
        outcome: 'error',
      });
      const invalid = await send({ query: 'query Bad { child(id: "x") { noSuchField } }', as: la() });
      expect(invalid.body.errors?.length).toBeGreaterThan(0);
      expect(await theEventOf(invalid.requestId)).toMatchObject({
        operationType: 'query',
        operationName: 'Bad:child',
        outcome: 'error',
      });
      const garbage = await send({ rawBody: '{"query": ', as: la() });
      expect(garbage.statusCode).toBe(400);
      expect(await theEventOf(garbage.requestId)).toMatchObject({
        operationType: 'unknown',
        outcome: 'error',
      });
    });
  });

  describe('auditors and families', () => {
    const AUDIT_EVENTS = /* GraphQL */ `
      query Trail($filter: AuditFilter, $first: Int, $after: String) {
        auditEvents(filter: $filter, first: $first, after: $after) {
          edges { cursor node { seq operationName outcome actor { sub role organisation } fieldsDenied breakGlass childIds hash } }
          pageInfo { hasNextPage endCursor }
        }
      }
    `;

    it('auditors page through the events of a child; their own query is audited', async () => {
      const first = await send({
        query: AUDIT_EVENTS,
        variables: { filter: { childId: child.id }, first: 2 },
        as: auditor(),
      });
      expect(first.body.errors).toBeUndefined();
      const page = first.body.data.auditEvents;
      expect(page.edges).toHaveLength(2);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const second = await send({
        query: AUDIT_EVENTS,
        variables: { filter: { childId: child.id }, first: 200, after: page.pageInfo.endCursor },
        as: auditor(),
      });
      const all = [...page.edges, ...second.body.data.auditEvents.edges].map((e: { node: { seq: string } }) =>
        Number(e.node.seq),
      );
      expect(all).toEqual([...all].sort((a, b) => b - a));
      expect(new Set(all).size).toBe(all.length);
      const { rows } = {
        rows: await hub.audit.db.query<{ n: number }>(
          `select count(*)::int as n from audit.event_child where child_id = $1`,
          [child.id],
        ),
      };
      // Both auditor queries were recorded against the child too (AuditTrail), after they ran.
      expect(all.length).toBe(rows[0]!.n - 2);
      expect(await theEventOf(first.requestId)).toMatchObject({
        actor: { role: 'auditor' },
        operationName: 'Trail:auditEvents',
        outcome: 'ok',
        children: [{ childId: child.id, sections: ['AuditTrail'] }],
      });
    });

    it('filters by break-glass and outcome, with enum values', async () => {
      const result = await send({
        query: AUDIT_EVENTS,
        variables: { filter: { breakGlass: true, outcome: 'OK' } },
        as: auditor(),
      });
      const nodes = result.body.data.auditEvents.edges.map((e: { node: unknown }) => e.node);
      expect(nodes.length).toBeGreaterThanOrEqual(2);
      for (const node of nodes) expect(node).toMatchObject({ breakGlass: true, outcome: 'OK' });
    });

    it('anyone else is refused (and the refusal audited); bad filters get every problem listed', async () => {
      const refused = await send({
        query: AUDIT_EVENTS,
        variables: { filter: { childId: child.id } },
        as: la(),
      });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(await theEventOf(refused.requestId)).toMatchObject({
        outcome: 'denied',
        fieldsDenied: ['AuditTrail.auditEvents:NOT_PERMITTED'],
      });
      const bad = await send({
        query: AUDIT_EVENTS,
        variables: { filter: { from: 'yesterday' }, first: 0 },
        as: auditor(),
      });
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
      expect(bad.body.errors?.[0]?.message).toMatch(/from must be.*first must be/);
    });

    it('the family sees who looked at their child’s record: organisation, role, sections, no personal ids', async () => {
      const HISTORY =
        'query ($id: ID!) { accessHistory(childId: $id) { at organisation organisationName role sections purpose breakGlass outcome } }';
      const parent = decisionMaker(hub.dataset, child);
      // The LA reads the family's own account and the assessment timeline too.
      const look = await send({
        query: 'query ($id: ID!) { child(id: $id) { familyInformation { version } ehcAssessments { id } } }',
        variables: { id: child.id },
        as: la(),
      });
      expect(look.body.errors).toBeUndefined();
      const { body } = await send({ query: HISTORY, variables: { id: child.id }, as: parent });
      expect(body.errors).toBeUndefined();
      const history = body.data.accessHistory as Array<Record<string, unknown>>;
      expect(history).toContainEqual(
        expect.objectContaining({
          organisation: la().orgId,
          // Families are shown the organisation's name, not its id.
          organisationName: expect.stringMatching(/^Synthetic .*Council/),
          role: 'la_send_officer',
          sections: ['identity', 'education'],
          purpose: 'ehc_assessment',
        }),
      );
      expect(history.some((h) => h.breakGlass === true && h.role === 'social_worker')).toBe(true);
      expect(history[0]).toMatchObject({ role: 'la_send_officer', purpose: null });
      expect((history[0]!.sections as string[]).toSorted()).toEqual([
        'ehc_assessment',
        'family_information',
        'identity',
      ]);
      // Every section is named by a stable key the portal can put into words, never a type name.
      const keys = new Set(Object.values(FAMILY_SECTION_KEYS));
      expect(history.flatMap((h) => h.sections as string[]).filter((s) => !keys.has(s))).toEqual([]);
      expect(JSON.stringify(history)).not.toMatch(/demo-/);
      // Looks at the audit log itself are not accesses to the record.
      expect(history.some((h) => (h.sections as string[]).length === 0)).toBe(false);

      for (const who of [
        la(),
        demoUser(
          hub.dataset,
          hub.dataset.demoUsers.find(
            (u) => u.role === 'parent_carer' && !child.parentCarerSubs.includes(u.sub),
          )!.sub,
        ),
      ]) {
        const refused = await send({ query: HISTORY, variables: { id: child.id }, as: who });
        expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(refused.body.data).toBeNull();
      }
    });
  });

  describe('export', () => {
    const exportAs = async (query: string, token?: string) => {
      const requestId = `audit-test-${++requests}`;
      const response = await hub.gateway.inject({
        method: 'GET',
        url: `/audit/export?${query}`,
        headers: { 'x-request-id': requestId, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
      return { requestId, response };
    };

    it('NDJSON and FHIR NDJSON for an auditor, each export itself audited', async () => {
      const ndjson = await exportAs(`format=ndjson&childId=${child.id}`, await hub.token(auditor()));
      expect(ndjson.response.statusCode).toBe(200);
      expect(ndjson.response.headers['content-type']).toMatch(/^application\/x-ndjson/);
      const lines = ndjson.response.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.length).toBeGreaterThan(3);
      expect(lines.every((l) => l.childIds.includes(child.id))).toBe(true);
      expect(lines.map((l) => l.seq)).toEqual([...lines.map((l) => l.seq)].sort((a, b) => a - b));
      expect(await theEventOf(ndjson.requestId)).toMatchObject({
        operationType: 'export',
        operationName: 'audit.export:ndjson',
        outcome: 'ok',
        actor: { role: 'auditor' },
        children: [{ childId: child.id, sections: ['AuditTrail'] }],
      });

      const fhir = await exportAs('format=fhir&breakGlass=true', await hub.token(auditor()));
      expect(fhir.response.headers['content-type']).toMatch(/^application\/fhir\+ndjson/);
      const resources = fhir.response.body
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) {
        expect(resource).toMatchObject({ resourceType: 'AuditEvent', meta: { security: [{ code: 'BTG' }] } });
      }
      // No value from the child's record in the log (names, NHS number), only ids and field names.
      const everything = (await exportAs('format=ndjson', await hub.token(auditor()))).response.body;
      for (const value of [child.givenName, child.familyName, child.nhsNumber, child.education.senStatus]) {
        expect(everything).not.toContain(value);
      }
    });

    it('refused without a token or for other roles, and the refusal audited', async () => {
      const anonymous = await exportAs('format=ndjson');
      expect(anonymous.response.statusCode).toBe(401);
      expect(await theEventOf(anonymous.requestId)).toMatchObject({
        operationType: 'export',
        outcome: 'denied',
        actor: { sub: null },
      });
      const officer = await exportAs('format=fhir', await hub.token(la()));
      expect(officer.response.statusCode).toBe(403);
      expect(await theEventOf(officer.requestId)).toMatchObject({
        outcome: 'denied',
        errorCodes: ['FORBIDDEN'],
        actor: { sub: 'demo-la-1' },
      });
      const bad = await exportAs('format=xml&from=soon', await hub.token(auditor()));
      expect(bad.response.statusCode).toBe(400);
      expect(bad.response.json().error.message).toMatch(/format must be ndjson or fhir.*from must be/);
    });
  });

  it('200 concurrent requests through the gateway: exactly 200 events, one chain, unbroken', async () => {
    const before = await verifyAuditChain(hub.audit.db);
    expect(before.ok).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        i % 4 === 0
          ? send({
              query: 'query ($id: ID!) { child(id: $id) { id givenName } }',
              variables: { id: child.id },
              as: la(),
            })
          : send({ query: '{ __typename }', as: la() }),
      ),
    );
    const refused = results.filter((r) => r.statusCode !== 200);
    expect(refused.map((r) => ({ status: r.statusCode, body: r.body }))).toEqual([]);
    const after = await verifyAuditChain(hub.audit.db);
    expect(after).toMatchObject({ ok: true, checked: before.checked + 200 });
    for (const { requestId } of results.slice(0, 20)) await theEventOf(requestId);
  });

  describe('no audit, no access', () => {
    it('when the audit store refuses the insert, the caller gets a 503 and no data', async () => {
      await hub.audit.db.exec(`
        create function audit.test_refuse_insert() returns trigger language plpgsql as $$
        begin raise exception 'test: audit store refuses inserts'; end $$;
        create trigger test_refuse_insert before insert on audit.event for each row execute function audit.test_refuse_insert();`);
      try {
        const { requestId, statusCode, body } = await send({
          query: RECORD,
          variables: { id: child.id },
          as: la(),
          purpose: 'ehc_assessment',
        });
        expect(statusCode).toBe(503);
        expect(body).toEqual({
          data: null,
          errors: [{ message: AUDIT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE' } }],
        });
        expect(JSON.stringify(body)).not.toContain(child.givenName);
        expect(await eventsOf(requestId)).toEqual([]);
        expect((await send({ query: RECORD, variables: { id: child.id } })).statusCode).toBe(503);
        const exported = await hub.gateway.inject({
          method: 'GET',
          url: '/audit/export?format=ndjson',
          headers: { authorization: `Bearer ${await hub.token(auditor())}` },
        });
        expect(exported.statusCode).toBe(503);
        expect(exported.body).not.toContain('"seq"');
      } finally {
        await hub.audit.db.exec(
          'drop trigger test_refuse_insert on audit.event; drop function audit.test_refuse_insert();',
        );
      }
      const { requestId, statusCode } = await send({
        query: RECORD,
        variables: { id: child.id },
        as: la(),
        purpose: 'ehc_assessment',
      });
      expect(statusCode).toBe(200);
      await theEventOf(requestId);
      expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
    });

    it('when the audit service is down, the caller gets a 503 and no data', async () => {
      await hub.audit.app.close();
      const { statusCode, body } = await send({
        query: RECORD,
        variables: { id: child.id },
        as: la(),
        purpose: 'ehc_assessment',
      });
      expect(statusCode).toBe(503);
      expect(body.data).toBeNull();
      expect(body.errors).toEqual([{ message: AUDIT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE' } }]);
    });
  });
});
