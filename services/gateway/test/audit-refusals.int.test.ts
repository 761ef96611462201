import { verifyAuditChain } from '@hub/audit';
import { ageOn } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditEventsOf,
  decisionMaker,
  demoUser,
  GRANT_CONSENT,
  grantConsents,
  startHub,
  type TestHub,
} from './hub.ts';

/**
 * Issue 10, class 3: a refusal is recorded WITH the child it was about (the gateway reads the
 * child ids an operation names in its arguments; the record reports the child of a consent), so
 * an auditor filtering by child finds it; and a response of any size gets its event (summarised),
 * never a 503 with no event.
 */
describe('refusals are recorded with the child; large responses are summarised, never dropped', () => {
  let hub: TestHub;
  let child: SyntheticChild;
  let requests = 0;
  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    const now = new Date();
    child = hub.dataset.children.find((c) => c.parentCarerSubs.length > 0 && ageOn(c.dateOfBirth, now) < 15)!;
    expect(child, 'seed needs an under-15 child with a parent login').toBeDefined();
  });
  afterAll(() => hub?.close());

  const la = () => demoUser(hub.dataset, 'demo-la-1');
  const auditor = () => demoUser(hub.dataset, 'demo-auditor-1');
  /** A parent carer of some other child: may do nothing for this one. */
  const stranger = () =>
    demoUser(
      hub.dataset,
      hub.dataset.demoUsers.find((u) => u.role === 'parent_carer' && !child.parentCarerSubs.includes(u.sub))!
        .sub,
    );

  async function send(
    query: string,
    variables: Record<string, unknown>,
    as: Parameters<TestHub['token']>[0],
    purpose?: string,
  ) {
    const requestId = `refusal-${++requests}`;
    const response = await hub.gateway.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        'x-request-id': requestId,
        authorization: `Bearer ${await hub.token(as)}`,
        ...(purpose ? { 'x-hub-purpose': purpose } : {}),
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

  it('refused grantConsent, withdrawConsent, confirmConsent, consents, setParentCarerAccess, parentCarerAccess: each found by child', async () => {
    const [consentId] = await grantConsents(hub, child, 'local_authority', 'ehc_assessment', ['education']);
    const refused = [
      await send(
        GRANT_CONSENT,
        {
          input: {
            childId: child.id,
            domain: 'health',
            recipientOrgType: 'local_authority',
            purpose: 'ehc_assessment',
          },
        },
        la(),
      ),
      // The child only as a literal inside an input object.
      await send(
        `mutation { grantConsent(input: { childId: "${child.id}", domain: health, recipientOrgType: school, purpose: early_help }) { id } }`,
        {},
        stranger(),
      ),
      // Names a consent, not a child: the record service reports the consent's child.
      await send(
        'mutation ($id: ID!) { withdrawConsent(id: $id) { status } }',
        { id: consentId },
        stranger(),
      ),
      await send('mutation ($id: ID!) { confirmConsent(id: $id) { status } }', { id: consentId }, la()),
      await send('query ($id: ID!) { consents(childId: $id) { id } }', { id: child.id }, stranger()),
      await send(
        'mutation ($id: ID!) { setParentCarerAccess(childId: $id, allowed: false) { allowed } }',
        { id: child.id },
        decisionMaker(hub.dataset, child),
      ),
      await send('query ($id: ID!) { parentCarerAccess(childId: $id) { allowed } }', { id: child.id }, la()),
    ];
    for (const { body } of refused) {
      expect(body.errors?.length, JSON.stringify(body)).toBeGreaterThan(0);
      expect(['FORBIDDEN', 'NOT_FOUND']).toContain(body.errors![0].extensions.code);
    }

    const trail = await send(
      'query ($f: AuditFilter) { auditEvents(filter: $f, first: 50) { edges { node { requestId outcome children { childId sections } } } } }',
      { f: { childId: child.id } },
      auditor(),
    );
    expect(trail.body.errors, JSON.stringify(trail.body.errors)).toBeUndefined();
    const found = trail.body.data.auditEvents.edges.map(
      (e: { node: { requestId: string; outcome: string; children: unknown[] } }) => e.node,
    );
    for (const { requestId } of refused) {
      const events = found.filter((n: { requestId: string }) => n.requestId === requestId);
      // The outcome (refused: nothing returned, so no sections) is always there; a mutation's
      // attempt too when the child is named in its arguments.
      expect(
        events.map((e: { outcome: string }) => e.outcome).filter((o: string) => o !== 'ATTEMPTED'),
      ).toEqual([expect.stringMatching(/^(DENIED|ERROR)$/)]);
      for (const event of events) expect(event.children).toEqual([{ childId: child.id, sections: [] }]);
    }
  });

  // Within the gateway's query limits (cost 5000 by default: three aliased searches of 50); the
  // unit test (src/audit-event.test.ts) summarises events with thousands of entries of each kind.
  it('hundreds of errors and denied fields in one response (over the store bound of 100 codes): 200, and one event that says how many', async () => {
    const sections =
      'education { senStatus } health { diagnoses { description } } socialCare { allocatedWorker { name } }';
    const aliases = Array.from(
      { length: 3 },
      (_, i) => `a${i}: children(search: { name: "Testchild" }, first: 50) { id ${sections} }`,
    ).join('\n');
    const big = await send(`query Big { ${aliases} }`, {}, la(), 'ehc_assessment');
    const errorCount = big.body.errors?.length ?? 0;
    expect(big.statusCode, JSON.stringify(big.body.errors?.slice(0, 2))).toBe(200);
    expect(errorCount, JSON.stringify(big.body.errors?.slice(0, 2))).toBeGreaterThan(300);
    const [event, ...rest] = await eventsOf(big.requestId);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ outcome: 'denied', operationName: 'Big:children' });
    expect(event!.errorCodes).toContain('FORBIDDEN_FIELD');
    expect(event!.errorCodes).toContain(`FORBIDDEN_FIELD:count=${errorCount}`);
    expect(event!.fieldsDenied).toEqual(expect.arrayContaining(['Child.health:NO_CONSENT']));
    expect(event!.childIds.length).toBeGreaterThan(10);
    expect((await verifyAuditChain(hub.audit.db)).ok).toBe(true);
  });
});
