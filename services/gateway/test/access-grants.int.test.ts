import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  type GrantedAssessment,
  INTERNAL_CONTEXT_HEADER,
  signAccessGrant,
  signInternalContext,
} from '@hub/auth';
import type { Principal } from '@hub/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionMaker, demoUser, grantConsents, startHub, type TestHub } from './hub.ts';

/**
 * The record hands the policy's assessment of each child (made from the facts it read for this
 * request) to the adapters as a signed grant (Child.accessGrant, federation @requires) instead of
 * each adapter asking the record for the facts again. These tests hold the
 * three things that change must not break: no extra round trip, consent still fresh on the very
 * next request, and a grant that is not the hub's own for this request is refused.
 */
const RECORD = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      id
      givenName
      education { senStatus }
      health { diagnoses { description } }
      socialCare { status }
    }
  }
`;
const EDUCATION = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Child { education { senStatus } } } }`;

describe('access grants: the adapters use the assessment the record made for this request', () => {
  let hub: TestHub;
  /** Requests the record service received, by path. */
  const received: string[] = [];
  const accessFactsCalls = () => received.filter((path) => path === '/internal/access-facts').length;
  let child: TestHub['dataset']['children'][number];
  let la: ReturnType<typeof demoUser>;
  let laPrincipal: Principal;

  beforeAll(async () => {
    hub = await startHub();
    // Every HTTP request the record service receives, counted on its real server.
    hub.subgraphs.record.app.server.on('request', (request: IncomingMessage) => {
      received.push((request.url ?? '').split('?')[0]!);
    });
    const found = hub.dataset.children.find((c) => c.health && c.socialCare);
    if (!found) throw new Error('seed has no child with all four sections');
    child = found;
    la = demoUser(hub.dataset, 'demo-la-1');
    laPrincipal = { sub: la.sub, role: la.role, orgId: la.orgId, orgType: la.orgType };
  });
  afterAll(() => hub?.close());

  /** A context as the gateway signs it: one nonce per request. */
  const context = (nonce: string | null = randomUUID(), principal = laPrincipal) =>
    signInternalContext(hub.secret, {
      principal,
      requestId: randomUUID(),
      purpose: 'ehc_assessment',
      ...(nonce ? { nonce } : {}),
    });

  async function post(service: 'record' | 'education', ctx: string, query: string, variables: unknown) {
    const response = await fetch(hub.subgraphs[service].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_CONTEXT_HEADER]: ctx },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: any; errors?: Array<{ extensions?: any }> };
  }

  /** The grant the record issues for `childId` under `ctx`, as the gateway would fetch it. */
  async function grantFrom(ctx: string, childId: string): Promise<string> {
    const answer = await post('record', ctx, 'query ($id: ID!) { child(id: $id) { id accessGrant } }', {
      id: childId,
    });
    expect(answer.errors).toBeUndefined();
    expect(typeof answer.data.child.accessGrant).toBe('string');
    return answer.data.child.accessGrant;
  }

  it('a full record through the gateway makes no access-facts round trip from the adapters', async () => {
    await grantConsents(hub, child, 'local_authority', 'ehc_assessment');
    received.length = 0;
    const result = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la,
      variables: { id: child.id },
      purpose: 'ehc_assessment',
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.child.education.senStatus).toBe(child.education.senStatus);
    expect(result.data?.child.health.diagnoses).toHaveLength(child.health!.diagnoses.length);
    expect(result.data?.child.socialCare.status).toBe(child.socialCare!.status);
    // The record was asked once, by the gateway, for the identity (and its grants).
    expect(accessFactsCalls()).toBe(0);
    expect(received.filter((path) => path === '/graphql')).toHaveLength(1);
  });

  const page = (first: number) =>
    hub.query<{ children: Array<{ id: string; education: unknown }> }>(
      `{ children(search: { name: "Testchild" }, first: ${first}) { id education { senStatus } health { updatedAt } socialCare { status } } }`,
      { as: la, purpose: 'ehc_assessment' },
    );

  it('a search of 10 children makes no access-facts round trip either', async () => {
    received.length = 0;
    const result = await page(10);
    expect(result.data?.children).toHaveLength(10);
    expect(accessFactsCalls()).toBe(0);
  });

  it('a page of 50 children carries grants too: no access-facts round trip, the record asked once', async () => {
    received.length = 0;
    // Sections of children whose families have not consented are refused, as before.
    const result = await page(50);
    expect(result.data?.children).toHaveLength(50);
    expect(result.data?.children.find((c) => c.id === child.id)?.education).toEqual({
      senStatus: child.education.senStatus,
    });
    expect(accessFactsCalls()).toBe(0);
    expect(received.filter((path) => path === '/graphql')).toHaveLength(1);
  });

  it('a consent withdrawal through the gateway counts on the very next request', async () => {
    const other = hub.dataset.children.find((c) => c.id !== child.id && c.health);
    if (!other) throw new Error('seed has no second child with a health section');
    const [consentId] = await grantConsents(hub, other, 'local_authority', 'ehc_assessment', ['health']);
    const before = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la,
      variables: { id: other.id },
      purpose: 'ehc_assessment',
    });
    expect(before.data?.child.health.diagnoses).toHaveLength(other.health!.diagnoses.length);
    const withdrawn = await hub.query<{ withdrawConsent: { status: string } }>(
      `mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`,
      { as: decisionMaker(hub.dataset, other), variables: { id: consentId } },
    );
    expect(withdrawn.data?.withdrawConsent.status).toBe('withdrawn');
    received.length = 0;
    const after = await hub.query<{ child: Record<string, any> }>(RECORD, {
      as: la,
      variables: { id: other.id },
      purpose: 'ehc_assessment',
    });
    expect(after.data?.child.health).toBeNull();
    const refusal = after.errors?.find((e) => e.extensions?.field === 'Child.health');
    expect(refusal?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: 'NO_CONSENT' });
    expect(JSON.stringify(after.data)).not.toContain(other.health!.diagnoses[0]?.description ?? '§');
    expect(accessFactsCalls()).toBe(0);
  });

  it('on a 50-child page too, a withdrawal closes the section on the very next request', async () => {
    const ids = new Set((await page(50)).data?.children.map((c) => c.id));
    const onPage = hub.dataset.children.find((c) => ids.has(c.id) && c.id !== child.id && c.health);
    if (!onPage) throw new Error('no child with a health section on the first page');
    const [consentId] = await grantConsents(hub, onPage, 'local_authority', 'ehc_assessment', ['health']);
    const health = async () => {
      const result = await page(50);
      return {
        value: result.data?.children.find((c) => c.id === onPage.id) as { health?: unknown } | undefined,
        refusal: result.errors?.find(
          (e) => e.extensions?.childId === onPage.id && e.extensions?.field === 'Child.health',
        ),
      };
    };
    const before = await health();
    expect(before.value?.health).not.toBeNull();
    expect(before.refusal).toBeUndefined();
    const withdrawn = await hub.query<{ withdrawConsent: { status: string } }>(
      `mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`,
      { as: decisionMaker(hub.dataset, onPage), variables: { id: consentId } },
    );
    expect(withdrawn.data?.withdrawConsent.status).toBe('withdrawn');
    received.length = 0;
    const after = await health();
    expect(after.value?.health).toBeNull();
    expect(after.refusal?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: 'NO_CONSENT' });
    expect(accessFactsCalls()).toBe(0);
  });

  it('no caller may ask for the grant itself, nor send the adapters representations of their own', async () => {
    const asked = await hub.query<{ child: Record<string, unknown> }>(
      `query ($id: ID!) { child(id: $id) { id accessGrant } }`,
      { as: la, variables: { id: child.id }, purpose: 'ehc_assessment' },
    );
    expect(asked.data?.child).toEqual({ id: child.id });
    expect(asked.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN_FIELD',
      field: 'Child.accessGrant',
    });
    expect(JSON.stringify(asked)).not.toMatch(/g[12]\./);
    const entities = await hub.query(EDUCATION, {
      as: la,
      variables: { representations: [{ __typename: 'Child', id: child.id, accessGrant: 'g1.x.y' }] },
      purpose: 'ehc_assessment',
    });
    expect(entities.data ?? null).toBeNull();
    expect(entities.errors?.length).toBeGreaterThan(0);
  });

  describe('an adapter refuses a grant that is not the hub’s own for this request', () => {
    const education = async (ctx: string, representation: Record<string, unknown>) =>
      post('education', ctx, EDUCATION, { representations: [{ __typename: 'Child', ...representation }] });
    const expectRefused = (answer: Awaited<ReturnType<typeof education>>) => {
      expect(answer.data?._entities?.[0]?.education ?? null).toBeNull();
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', childId: child.id });
      expect(JSON.stringify(answer)).not.toContain(child.education.senStatus);
    };
    /** An assessment that opens more: every section, under break-glass. */
    const generous: GrantedAssessment = {
      canSeeChild: true,
      breakGlass: true,
      breakGlassReason: 'not a real emergency',
      openSections: ['EducationSection', 'HealthSection', 'SocialCareSection'],
    };
    /** A grant is `g2.<mac>.<JSON payload>`. */
    const split = (grant: string) => {
      const [version, mac] = grant.split('.') as [string, string];
      return { version, mac, payload: JSON.parse(grant.slice(version.length + mac.length + 2)) };
    };

    it('the genuine grant, under its own context, opens the section without a call to the record', async () => {
      const ctx = await context();
      const grant = await grantFrom(ctx, child.id);
      received.length = 0;
      const answer = await education(ctx, { id: child.id, accessGrant: grant });
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities[0].education.senStatus).toBe(child.education.senStatus);
      expect(accessFactsCalls()).toBe(0);
    });

    it('forged: signed with another secret', async () => {
      const nonce = randomUUID();
      const ctx = await context(nonce);
      await grantFrom(ctx, child.id);
      const forged = signAccessGrant(
        randomBytes(32).toString('hex'),
        { nonce, principal: laPrincipal, purpose: 'ehc_assessment' },
        child.id,
        generous,
      );
      expectRefused(await education(ctx, { id: child.id, accessGrant: forged }));
    });

    it('tampered: a genuine grant with its assessment changed', async () => {
      const ctx = await context();
      const { version, mac, payload } = split(await grantFrom(ctx, child.id));
      const claims = { ...payload, g: 1, r: generous.breakGlassReason, o: generous.openSections };
      const tampered = `${version}.${mac}.${JSON.stringify(claims)}`;
      expectRefused(await education(ctx, { id: child.id, accessGrant: tampered }));
    });

    it('replayed: a genuine grant presented under another request’s context', async () => {
      const grant = await grantFrom(await context(), child.id);
      expectRefused(await education(await context(), { id: child.id, accessGrant: grant }));
    });

    it('another caller: a genuine grant presented by someone else', async () => {
      const nonce = randomUUID();
      const grant = await grantFrom(await context(nonce), child.id);
      const officer2: Principal = { ...laPrincipal, sub: 'demo-la-someone-else' };
      expectRefused(await education(await context(nonce, officer2), { id: child.id, accessGrant: grant }));
    });

    it('another child: a genuine grant presented for a different child', async () => {
      const ctx = await context();
      const other = hub.dataset.children.find((c) => c.id !== child.id)!;
      const grant = await grantFrom(ctx, other.id);
      expectRefused(await education(ctx, { id: child.id, accessGrant: grant }));
    });

    it('expired: the adapter reads the facts fresh from the record instead, and they decide', async () => {
      const nonce = randomUUID();
      const ctx = await context(nonce);
      // A genuine grant from a minute ago that still shows the sections open (consent the family
      // has since withdrawn).
      const stale = signAccessGrant(
        hub.secret,
        { nonce, principal: laPrincipal, purpose: 'ehc_assessment' },
        child.id,
        generous,
        Date.now() - 60_000,
      );
      // The family withdraws every education consent through the gateway.
      const active = await hub.subgraphs.record.db.query<{ id: string }>(
        `select id::text as id from record.consent
         where child_id = $1 and domain = 'education' and withdrawn_at is null`,
        [child.id],
      );
      expect(active.length).toBeGreaterThan(0);
      for (const { id } of active) {
        const withdrawn = await hub.query<{ withdrawConsent: { status: string } }>(
          `mutation ($id: ID!) { withdrawConsent(id: $id) { status } }`,
          { as: decisionMaker(hub.dataset, child), variables: { id } },
        );
        expect(withdrawn.data?.withdrawConsent.status).toBe('withdrawn');
      }
      received.length = 0;
      const answer = await education(ctx, { id: child.id, accessGrant: stale });
      expect(accessFactsCalls()).toBe(1);
      expect(answer.data._entities[0].education).toBeNull();
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: 'NO_CONSENT' });
    });

    it('a context without a nonce (no grant can be bound to it): facts are read from the record', async () => {
      const ctx = await context(null);
      const answer = await post('record', ctx, 'query ($id: ID!) { child(id: $id) { id accessGrant } }', {
        id: child.id,
      });
      expect(answer.data.child.accessGrant).toBeNull();
      received.length = 0;
      await education(ctx, { id: child.id });
      expect(accessFactsCalls()).toBe(1);
    });
  });
});
