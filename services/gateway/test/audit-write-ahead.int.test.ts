import { verifyAuditChain } from '@hub/audit';
import { ageOn, BREAK_GLASS_REASON_MAX_LENGTH } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_ATTEMPT_FAILED_MESSAGE, AUDIT_OUTCOME_FAILED_MESSAGE } from '../src/audit-plugin.ts';
import { auditEventsOf, decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * Issue 10, class 2: no write commits unless its audit event is durably recorded. The gateway
 * records an `attempted` event before it forwards a mutation, refuses (503, nothing forwarded)
 * when it cannot, and records the outcome afterwards. Real gateway, real subgraphs, real
 * PostgreSQL; what was saved is read back with SQL and through the gateway.
 */
const SAVE = /* GraphQL */ `
  mutation Save($childId: ID!, $v: Int!, $input: FamilyInformationInput!) {
    updateFamilyInformation(childId: $childId, expectedVersion: $v, input: $input) { version }
  }
`;
const WITHDRAW = 'mutation Withdraw($id: ID!) { withdrawConsent(id: $id) { status } }';
const BREAK_GLASS =
  'mutation Open($id: ID!, $reason: String!) { openBreakGlass(childId: $id, reason: $reason, durationHours: 1) { id } }';

describe('write-ahead audit: a mutation is recorded before it runs, or it does not run', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let requests = 0;
  beforeAll(async () => {
    hub = await startHub({ children: 30 });
    const now = new Date();
    child = hub.dataset.children.find(
      (c) => c.socialCare?.allocatedWorker && c.parentCarerSubs.length > 0 && ageOn(c.dateOfBirth, now) < 15,
    )!;
    expect(child, 'seed needs an under-15 child with a social worker and a parent login').toBeDefined();
  });
  afterAll(() => hub?.close());

  const parent = () => decisionMaker(hub.dataset, child);
  const auditor = () => demoUser(hub.dataset, 'demo-auditor-1');
  const worker = () => demoUser(hub.dataset, 'demo-social-1');

  async function send(
    query: string,
    variables: Record<string, unknown>,
    as: Parameters<TestHub['token']>[0],
  ) {
    const requestId = `write-ahead-${++requests}`;
    const response = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: `Bearer ${await hub.token(as)}`,
      },
      payload: { query, variables },
    });
    return {
      requestId,
      statusCode: response.statusCode,
      body: response.json() as { data?: any; errors?: any[] },
    };
  }

  const eventsOf = (requestId: string) => auditEventsOf(hub, requestId);

  /** The audit store refuses inserts matching `when` (SQL on `new`) until the returned function runs. */
  async function refuseAuditInserts(when = 'true'): Promise<() => Promise<void>> {
    await hub.audit.db.exec(`
      create function audit.test_refuse_insert() returns trigger language plpgsql as $$
      begin if ${when} then raise exception 'test: audit store refuses inserts'; end if; return new; end $$;
      create trigger test_refuse_insert before insert on audit.event for each row execute function audit.test_refuse_insert();`);
    return () =>
      hub.audit.db.exec(
        'drop trigger test_refuse_insert on audit.event; drop function audit.test_refuse_insert();',
      );
  }

  const versions = async () =>
    (
      await hub.subgraphs.record.db.query<{ n: number }>(
        'select count(*)::int as n from record.family_information_version where child_id = $1',
        [child.id],
      )
    )[0]!.n;
  const withdrawnAt = async (consentId: string) =>
    (
      await hub.subgraphs.record.db.query<{ withdrawn_at: Date | null }>(
        'select withdrawn_at from record.consent where id = $1',
        [consentId],
      )
    )[0]!.withdrawn_at;
  const breakGlassRows = async () =>
    (
      await hub.subgraphs.record.db.query<{ n: number }>(
        'select count(*)::int as n from record.break_glass where child_id = $1',
        [child.id],
      )
    )[0]!.n;
  const edit = (v: number, whatHelps: string) => ({
    childId: child.id,
    v,
    input: { aboutMe: { whatHelps } },
  });

  it('with the audit up: the attempt is in the chain before the change, then the outcome (same request id)', async () => {
    const saved = await send(SAVE, edit(0, 'Synthetic: a visual timetable'), parent());
    expect(saved.body.errors).toBeUndefined();
    expect(saved.body.data.updateFamilyInformation.version).toBe(1);
    const [attempt, outcome, ...rest] = await eventsOf(saved.requestId);
    expect(rest).toEqual([]);
    expect(attempt).toMatchObject({
      outcome: 'attempted',
      operationType: 'mutation',
      operationName: 'Save:updateFamilyInformation',
      actor: { sub: parent().sub, role: parent().role },
      children: [{ childId: child.id, sections: [] }],
      fieldsReturned: [],
      fieldsDenied: [],
      errorCodes: [],
    });
    expect(outcome).toMatchObject({ outcome: 'ok', operationType: 'mutation', childIds: [child.id] });
    expect(outcome!.seq).toBeGreaterThan(attempt!.seq);
    // Recorded before the record service saved anything (one clock: same machine).
    const [version] = await hub.subgraphs.record.db.query<{ ms: number }>(
      `select (extract(epoch from created_at) * 1000)::float8 as ms
         from record.family_information_version where child_id = $1 and version = 1`,
      [child.id],
    );
    expect(Date.parse(attempt!.occurredAt)).toBeLessThanOrEqual(Number(version!.ms));
    expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);

    // A query is still exactly one event.
    const read = await send('query ($id: ID!) { child(id: $id) { id } }', { id: child.id }, parent());
    expect((await eventsOf(read.requestId)).map((e) => e.outcome)).toEqual(['ok']);
  });

  it('the audit store refusing: a family-information edit and a consent withdrawal get a 503 and are NOT saved', async () => {
    const [consentId] = await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['education']);
    const versionsBefore = await versions();
    const stop = await refuseAuditInserts();
    let refused: Array<Awaited<ReturnType<typeof send>>>;
    try {
      refused = [
        await send(SAVE, edit(versionsBefore, 'Synthetic: changed while the audit was down'), parent()),
        await send(WITHDRAW, { id: consentId }, parent()),
        await send(
          'mutation ($id: ID!) { setParentCarerAccess(childId: $id, allowed: false) { allowed } }',
          { id: child.id },
          parent(),
        ),
      ];
    } finally {
      await stop();
    }
    for (const { statusCode, body, requestId } of refused) {
      expect(statusCode).toBe(503);
      expect(body).toEqual({
        data: null,
        errors: [
          { message: AUDIT_ATTEMPT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: false } },
        ],
      });
      expect(await eventsOf(requestId)).toEqual([]);
    }
    // Nothing changed: by SQL, and through the gateway now that the audit is back.
    expect(await versions()).toBe(versionsBefore);
    expect(await withdrawnAt(consentId!)).toBeNull();
    const consents = await send(
      'query ($id: ID!) { consents(childId: $id) { id status } }',
      { id: child.id },
      parent(),
    );
    expect(consents.body.data.consents).toContainEqual({ id: consentId, status: 'active' });
    const info = await send(
      'query ($id: ID!) { child(id: $id) { familyInformation { version aboutMe { whatHelps } } } }',
      { id: child.id },
      parent(),
    );
    expect(info.body.data.child.familyInformation).toEqual({
      version: versionsBefore,
      aboutMe: { whatHelps: 'Synthetic: a visual timetable' },
    });
    expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
  });

  it('the outcome cannot be recorded after the attempt was: the 503 says the change may have been saved', async () => {
    const [consentId] = await grantConsents(hub, child, 'school', 'early_help', ['education']);
    const stop = await refuseAuditInserts(`new.outcome <> 'attempted'`);
    let result: Awaited<ReturnType<typeof send>>;
    try {
      result = await send(WITHDRAW, { id: consentId }, parent());
    } finally {
      await stop();
    }
    expect(result.statusCode).toBe(503);
    expect(result.body).toEqual({
      data: null,
      errors: [
        { message: AUDIT_OUTCOME_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: 'unknown' } },
      ],
    });
    expect(result.body.errors?.[0]?.message).not.toMatch(/nothing was saved/i);
    // It did commit, and the attempt (with no outcome after it) is what tells the auditor.
    expect(await withdrawnAt(consentId!)).not.toBeNull();
    expect((await eventsOf(result.requestId)).map((e) => e.outcome)).toEqual(['attempted']);
    // The auditor lists the attempts whose outcome was never recorded: exactly this one of the
    // parent's (every other mutation of theirs has its outcome). withdrawConsent names a consent,
    // not a child, so it is found by actor (an outcome, when recorded, carries the child).
    const list = async (f: Record<string, unknown>) => {
      const listed = await send(
        'query ($f: AuditFilter) { auditEvents(filter: $f, first: 100) { edges { node { requestId outcome childIds } } } }',
        { f: { ...f, actorSub: parent().sub } },
        auditor(),
      );
      expect(listed.body.errors).toBeUndefined();
      return listed.body.data.auditEvents.edges.map((e: { node: unknown }) => e.node);
    };
    expect(await list({ withoutOutcome: true })).toEqual([
      { requestId: result.requestId, outcome: 'ATTEMPTED', childIds: [] },
    ]);
    expect((await list({ outcome: 'ATTEMPTED' })).length).toBeGreaterThan(1);
  });

  it('a break-glass reason longer than the audit log accepts is refused before anything is stored', async () => {
    expect(BREAK_GLASS_REASON_MAX_LENGTH).toBeGreaterThan(100);
    const before = await breakGlassRows();
    const tooLong = await send(
      BREAK_GLASS,
      {
        id: child.id,
        reason: 'Synthetic welfare concern. '.repeat(200).slice(0, BREAK_GLASS_REASON_MAX_LENGTH + 1),
      },
      worker(),
    );
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body.errors?.[0]?.extensions?.code).toBe('INVALID_INPUT');
    expect(tooLong.body.errors?.[0]?.message).toContain(String(BREAK_GLASS_REASON_MAX_LENGTH));
    expect(await breakGlassRows()).toBe(before);
    // The refusal itself is recorded, with the child; no attempt (nothing was forwarded).
    expect(await eventsOf(tooLong.requestId)).toMatchObject([
      { outcome: 'error', errorCodes: ['INVALID_INPUT'], childIds: [child.id], breakGlass: false },
    ]);

    // The longest reason the record accepts is carried whole by the attempt and the outcome.
    const longest = `Synthetic: ${'welfare concern '.repeat(200)}`
      .slice(0, BREAK_GLASS_REASON_MAX_LENGTH)
      .trim();
    const opened = await send(BREAK_GLASS, { id: child.id, reason: longest }, worker());
    expect(opened.body.errors).toBeUndefined();
    expect(await breakGlassRows()).toBe(before + 1);
    expect(await eventsOf(opened.requestId)).toMatchObject([
      { outcome: 'attempted', breakGlass: true, breakGlassReason: longest, childIds: [child.id] },
      { outcome: 'ok', breakGlass: true, breakGlassReason: longest, childIds: [child.id] },
    ]);
  });

  // Last: it stops the audit service for good.
  it('the audit service down: the edit gets a 503 and is not saved', async () => {
    const before = await versions();
    await hub.audit.app.close();
    const result = await send(SAVE, edit(before, 'Synthetic: changed while the audit was down'), parent());
    expect(result.statusCode).toBe(503);
    expect(result.body.errors).toEqual([
      { message: AUDIT_ATTEMPT_FAILED_MESSAGE, extensions: { code: 'UNAVAILABLE', changed: false } },
    ]);
    expect(await versions()).toBe(before);
    expect(await eventsOf(result.requestId)).toEqual([]);
  });
});
