import { randomUUID } from 'node:crypto';
import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import type { Principal } from '@hub/policy';
import type { SyntheticChild } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, type GraphQLResponse, startHub, type TestHub } from './hub.ts';

/**
 * Identity matching end to end: an adapter resolves source records on the real record service
 * (real HTTP, service token), and the council's SEND team works the review queue through the
 * gateway (real GraphQL, audited). What the adapters may show is what /internal/identity/links
 * answers: a child id only while linked.
 */
const MATCHES = /* GraphQL */ `
  query ($status: IdentityMatchStatus, $first: Int, $after: String) {
    identityMatches(status: $status, first: $first, after: $after) {
      endCursor hasNextPage
      nodes {
        id system sourceId sentBy status reason childId
        identifiers { nhsNumber nhsNumberVerified upn laChildId }
        demographics { givenName familyName dateOfBirth sex postcode }
        candidates { childId score givenName familyName dateOfBirth comparisons { field outcome points detail } }
        history { event status childId previousChildId actorSub actorRole actorOrg requestId reason }
      }
    }
  }
`;
const VIEW =
  'id status reason childId candidates { childId score } history { event status childId previousChildId actorSub requestId reason }';
const CONFIRM = `mutation ($m: ID!, $c: ID!) { confirmMatch(matchId: $m, childId: $c) { ${VIEW} } }`;
const REJECT = `mutation ($m: ID!, $n: Boolean) { rejectMatch(matchId: $m, createNewChild: $n) { ${VIEW} } }`;
const UNLINK = `mutation ($s: String!, $id: String!, $r: String!) { unlinkSource(system: $s, sourceId: $id, reason: $r) { ${VIEW} } }`;
const CHILD = 'query ($id: ID!) { child(id: $id) { id givenName familyName dateOfBirth nhsNumber } }';

interface Match {
  id: string;
  sourceId: string;
  status: string;
  reason: string;
  childId: string | null;
  candidates: Array<{
    childId: string;
    score: number;
    comparisons: Array<{ field: string; outcome: string }>;
  }>;
  history: Array<{
    event: string;
    status: string;
    childId: string | null;
    previousChildId: string | null;
    actorSub: string;
    requestId: string;
  }>;
}
type Page = { identityMatches: { nodes: Match[]; endCursor: string | null; hasNextPage: boolean } };
type Result = { sourceId: string; status: string; childId?: string; reason?: string };

const code = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  r.errors?.[0]?.extensions?.code;

describe('identity matching: the review queue through the gateway', () => {
  let hub: TestHub;
  let kids: SyntheticChild[];
  let school: string;
  let system: string;
  const recordUrl = () => hub.subgraphs.record.url.replace(/\/graphql$/, '');
  const officer = () => demoUser(hub.dataset, 'demo-la-1');
  // Another council's SEND officer (the data set may hold one council only at this size).
  const otherCouncil = (): Principal => ({
    sub: 'demo-la-other',
    role: 'la_send_officer',
    orgId: 'la-9',
    orgType: 'local_authority',
  });

  beforeAll(async () => {
    hub = await startHub({ children: 40 });
    kids = hub.dataset.children.filter((c) => c.councilId === 'la-1');
    school = (kids[0] as SyntheticChild).schoolId;
    kids = kids.filter((c) => c.schoolId === school);
    system = `ctf:${school}`;
    expect(kids.length, 'needs six la-1 children at one school').toBeGreaterThanOrEqual(6);
  });
  afterAll(() => hub?.close());

  // The record service's JSON answer; each test checks its shape.
  async function post(path: string, body: unknown, requestId = `ingest-${randomUUID()}`): Promise<any> {
    const response = await fetch(`${recordUrl()}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_TOKEN_HEADER]: await signServiceToken(hub.secret, 'identity-resolve', requestId),
      },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return response.json();
  }
  const pupil = (
    c: SyntheticChild,
    sourceId: string,
    demo: Record<string, unknown> = {},
    ids: Record<string, unknown> = {},
  ) => ({
    system,
    sourceId,
    identifiers: ids,
    demographics: { givenName: c.givenName, familyName: c.familyName, dateOfBirth: c.dateOfBirth, ...demo },
  });
  const resolve = async (records: unknown[]): Promise<Result[]> =>
    (await post('/internal/identity/resolve', { orgId: school, records })).results;
  const linkOf = async (sourceId: string) =>
    (
      (await post('/internal/identity/links', { system, sourceIds: [sourceId] })).links as Array<{
        childId: string | null;
        status: string;
      }>
    )[0];
  async function queued(
    sourceId: string,
    status = 'pending_review',
    as: Principal = officer(),
  ): Promise<Match | undefined> {
    let after: string | null = null;
    for (;;) {
      const page: GraphQLResponse<Page> = await hub.query<Page>(MATCHES, {
        as,
        variables: { status, first: 50, after },
      });
      expect(page.errors).toBeUndefined();
      const found = page.data!.identityMatches.nodes.find((m) => m.sourceId === sourceId);
      if (found || !page.data!.identityMatches.hasNextPage) return found;
      after = page.data!.identityMatches.endCursor;
    }
  }
  const typo = (name: string) => `${name.slice(0, -2)}${name.at(-1)}${name.at(-2)}`;

  it('a near-duplicate (name typo, same date of birth and postcode, no identifier) waits in the queue, shown on no child', async () => {
    const c = kids.find(
      (k) => k.familyName.length >= 5 && k.familyName.at(-1) !== k.familyName.at(-2),
    ) as SyntheticChild;
    const [result] = await resolve([
      pupil(c, 'near-1', { familyName: typo(c.familyName), postcode: 'SW1A 1AA', sex: 'female' }),
    ]);
    expect(result).toMatchObject({ status: 'review' });
    expect(await linkOf('near-1')).toEqual({ sourceId: 'near-1', status: 'review', childId: null });

    const match = await queued('near-1');
    expect(match).toMatchObject({ status: 'pending_review', childId: null });
    const candidate = match!.candidates.find((k) => k.childId === c.id);
    expect(candidate?.score).toBeGreaterThanOrEqual(60);
    expect(candidate?.comparisons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'familyName', outcome: 'partial' }),
        expect.objectContaining({ field: 'dateOfBirth', outcome: 'agree' }),
      ]),
    );
    expect(match!.history.map((h) => h.event)).toEqual(['queued']);

    // Only the council's SEND team, and another council never sees this council's child as a candidate.
    const senco = hub.dataset.demoUsers.find((u) => u.role === 'senco')!;
    const refused = await hub.query(MATCHES, { as: senco });
    expect(code(refused)).toBe('FORBIDDEN');
    // The school works for la-1 only: another council's officer does not see its records at all.
    expect(await queued('near-1', 'pending_review', otherCouncil())).toBeUndefined();
    const wrongCouncil = await hub.query(CONFIRM, {
      as: otherCouncil(),
      variables: { m: match!.id, c: c.id },
    });
    expect(code(wrongCouncil)).toBe('NOT_FOUND');

    // Confirmed by the council: linked, shown on the child, audited with the child named.
    const confirmed = await hub.query<{ confirmMatch: Match }>(CONFIRM, {
      as: officer(),
      variables: { m: match!.id, c: c.id },
    });
    expect(confirmed.errors).toBeUndefined();
    expect(confirmed.data!.confirmMatch).toMatchObject({ status: 'linked', childId: c.id });
    expect(await linkOf('near-1')).toMatchObject({ status: 'linked', childId: c.id });
    const decision = confirmed.data!.confirmMatch.history.at(-1)!;
    expect(decision).toMatchObject({ event: 'confirmed', actorSub: 'demo-la-1', childId: c.id });
    const [audited] = await hub.audit.db.query<{
      operation_type: string;
      outcome: string;
      child_ids: string[];
    }>(
      `select operation_type, outcome, child_ids::text[] as child_ids from audit.event where request_id = $1 and outcome = 'ok'`,
      [decision.requestId],
    );
    expect(audited).toMatchObject({ operation_type: 'mutation', outcome: 'ok' });
    expect(audited!.child_ids).toContain(c.id);

    // Confirming again is refused: unlink first.
    expect(code(await hub.query(CONFIRM, { as: officer(), variables: { m: match!.id, c: c.id } }))).toBe(
      'CONFLICT',
    );
  });

  it('unlink restores the pending state, the data leaves the child, and a resend never re-links it automatically', async () => {
    const c = kids[1] as SyntheticChild;
    const record = pupil(c, 'verified-1', {}, { nhsNumber: c.nhsNumber, nhsNumberVerified: true });
    const [linked] = await resolve([record]);
    expect(linked).toMatchObject({ status: 'linked', childId: c.id });

    const short = await hub.query(UNLINK, {
      as: officer(),
      variables: { s: system, id: 'verified-1', r: 'wrong' },
    });
    expect(code(short)).toBe('INVALID_INPUT');
    const reason = 'Twin sibling: the school sent the other twin under this NHS number.';
    const unlinked = await hub.query<{ unlinkSource: Match }>(UNLINK, {
      as: officer(),
      variables: { s: system, id: 'verified-1', r: reason },
    });
    expect(unlinked.errors).toBeUndefined();
    expect(unlinked.data!.unlinkSource).toMatchObject({ status: 'pending_review', childId: null });
    expect(unlinked.data!.unlinkSource.history.map((h) => [h.event, h.previousChildId])).toEqual([
      ['auto_linked', null],
      ['unlinked', c.id],
    ]);
    expect(unlinked.data!.unlinkSource.candidates.map((k) => k.childId)).toContain(c.id);
    expect(await linkOf('verified-1')).toMatchObject({ status: 'review', childId: null });

    // The same file again: the council's decision stands (no automatic re-link).
    const [again] = await resolve([record]);
    expect(again).toMatchObject({ status: 'review' });
    expect(again?.childId).toBeUndefined();

    // Re-linking is the council's, and it is reversible again.
    const relinked = await hub.query<{ confirmMatch: Match }>(CONFIRM, {
      as: officer(),
      variables: { m: unlinked.data!.unlinkSource.id, c: c.id },
    });
    expect(relinked.data!.confirmMatch).toMatchObject({ status: 'linked', childId: c.id });
  });

  it('reject keeps the record separate (and stays so on resend); reject with a new child creates one the council can open', async () => {
    const [a, b] = [kids[2] as SyntheticChild, kids[3] as SyntheticChild];
    await resolve([
      pupil(a, 'twin-1', { givenName: `${a.givenName}a`, familyName: typo(a.familyName) }),
      pupil(b, 'newcomer-1', { givenName: 'Zephyrine', familyName: 'Quillfeather' }),
    ]);
    const twin = await queued('twin-1');
    const rejected = await hub.query<{ rejectMatch: Match }>(REJECT, {
      as: officer(),
      variables: { m: twin!.id, n: false },
    });
    expect(rejected.data!.rejectMatch).toMatchObject({ status: 'rejected', childId: null });
    const [resent] = await resolve([
      pupil(a, 'twin-1', { givenName: `${a.givenName}a`, familyName: typo(a.familyName) }),
    ]);
    expect(resent).toMatchObject({ status: 'rejected' });
    expect(await linkOf('twin-1')).toMatchObject({ status: 'rejected', childId: null });

    const newcomer = await queued('newcomer-1');
    expect(newcomer).toMatchObject({ candidates: [], reason: expect.stringMatching(/new to the hub/) });
    const created = await hub.query<{ rejectMatch: Match }>(REJECT, {
      as: officer(),
      variables: { m: newcomer!.id, n: true },
    });
    expect(created.errors).toBeUndefined();
    const newChild = created.data!.rejectMatch.childId!;
    expect(created.data!.rejectMatch).toMatchObject({ status: 'linked' });
    expect([a.id, b.id]).not.toContain(newChild);
    expect(await linkOf('newcomer-1')).toMatchObject({ status: 'linked', childId: newChild });
    const opened = await hub.query<{ child: Record<string, string> }>(CHILD, {
      as: officer(),
      variables: { id: newChild },
    });
    expect(opened.data?.child).toMatchObject({
      id: newChild,
      givenName: 'Zephyrine',
      familyName: 'Quillfeather',
      dateOfBirth: b.dateOfBirth,
    });
    const elsewhere = await hub.query<{ child: unknown }>(CHILD, {
      as: otherCouncil(),
      variables: { id: newChild },
    });
    expect(elsewhere.data?.child ?? null).toBeNull();
  });

  it('a conflict (same NHS number, another date of birth) is flagged in its own list and can never be confirmed', async () => {
    const c = kids[4] as SyntheticChild;
    const day = c.dateOfBirth.endsWith('-01') ? '02' : '01';
    const [result] = await resolve([
      pupil(
        c,
        'conflict-1',
        { dateOfBirth: `${c.dateOfBirth.slice(0, 8)}${day}` },
        { nhsNumber: c.nhsNumber, nhsNumberVerified: true },
      ),
    ]);
    expect(result).toMatchObject({ status: 'conflict' });
    expect(await queued('conflict-1')).toBeUndefined();
    const flagged = await queued('conflict-1', 'conflict');
    expect(flagged).toMatchObject({
      status: 'conflict',
      reason: expect.stringMatching(/different date of birth/),
    });
    expect(flagged!.candidates.map((k) => k.childId)).toContain(c.id);
    const refused = await hub.query(CONFIRM, { as: officer(), variables: { m: flagged!.id, c: c.id } });
    expect(code(refused)).toBe('CONFLICT');
    expect(await linkOf('conflict-1')).toMatchObject({ status: 'conflict', childId: null });
  });

  it('pages through the queue with endCursor, oldest first, each item once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const result: GraphQLResponse<Page> = await hub.query<Page>(MATCHES, {
        as: officer(),
        variables: { status: 'linked', first: 1, after },
      });
      expect(result.errors).toBeUndefined();
      const { nodes, endCursor, hasNextPage } = result.data!.identityMatches;
      expect(nodes.length).toBeLessThanOrEqual(1);
      seen.push(...nodes.map((n) => n.sourceId));
      if (!hasNextPage) break;
      after = endCursor;
    }
    // Linked by now, in the order they arrived: near-1, verified-1 (relinked), newcomer-1.
    expect(seen).toEqual(['near-1', 'verified-1', 'newcomer-1']);
  });

  it('validates the queue arguments', async () => {
    expect(code(await hub.query(MATCHES, { as: officer(), variables: { first: 0 } }))).toBe('INVALID_INPUT');
    expect(code(await hub.query(MATCHES, { as: officer(), variables: { after: 'not-a-cursor' } }))).toBe(
      'INVALID_INPUT',
    );
    expect(code(await hub.query(CONFIRM, { as: officer(), variables: { m: 'x', c: 'y' } }))).toBe(
      'INVALID_INPUT',
    );
    const unknown = await hub.query(CONFIRM, {
      as: officer(),
      variables: { m: randomUUID(), c: (kids[0] as SyntheticChild).id },
    });
    expect(code(unknown)).toBe('NOT_FOUND');
  });
});
