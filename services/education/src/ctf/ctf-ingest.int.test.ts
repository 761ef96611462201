import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, type DevIssuer, loadOrCreateDevIssuer } from '@hub/auth';
import { syntheticUpn } from '@hub/identifiers';
import type { IngestReport } from '@hub/service-kit';
import { type SyntheticChild, schoolDfeNumber } from '@hub/synthetic';
import { CTF_TAIL, ctfHeaderXml, ctfPupilXml } from '@hub/synthetic/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from '../../../gateway/test/hub.ts';
import { service } from '../app.ts';

/**
 * CTF ingest through the real services: the education adapter (its own app on the hub's
 * database, with the identity provider and the audit log configured), the record service's
 * identity index, the audit service, and the gateway for what the record then shows.
 */
describe('POST /ctf (DfE Common Transfer File)', () => {
  let hub: TestHub;
  let issuer: DevIssuer;
  let adapter: FastifyInstance;
  let token: string;
  let school: { laCode: string; estab: string; name: string };
  let pupils: SyntheticChild[];
  /** The real-shaped file of the first ingest, sent again later. */
  let firstFile = '';

  const build = (auditUrl: string) =>
    service.buildApp(
      {
        INTERNAL_CONTEXT_SECRET: hub.secret,
        LOG_LEVEL: 'silent',
        RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
        AUDIT_URL: auditUrl,
        JWT_ISSUER: DEV_ISSUER,
        JWT_AUDIENCE: DEV_AUDIENCE,
        JWKS_FILE: issuer.jwksFile,
      },
      { db: hub.subgraphs.education.appDb },
    );

  const send = async (xml: string, opts: { token?: string; app?: FastifyInstance; file?: string } = {}) => {
    const response = await (opts.app ?? adapter).inject({
      method: 'POST',
      url: '/ctf',
      headers: {
        'content-type': 'application/xml',
        'x-file-name': opts.file ?? 'test.xml',
        ...(opts.token === '' ? {} : { authorization: `Bearer ${opts.token ?? token}` }),
      },
      payload: xml,
    });
    return {
      status: response.statusCode,
      body: response.json() as IngestReport & { error?: { code: string; message: string } },
    };
  };
  const header = (
    over: Partial<{ dest: string; version: string; dateTime: string; school: typeof school }> = {},
  ) =>
    ctfHeaderXml(
      over.school ?? school,
      over.dest ?? '999',
      over.dateTime ?? '2026-09-01T09:00:00',
      over.version,
    );
  const sources = async () =>
    (
      await hub.subgraphs.education.db.query<{ n: number }>(
        'select count(*)::int as n from education.ctf_source',
      )
    )[0]!.n;

  beforeAll(async () => {
    hub = await startHub({ children: 40 });
    issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'ctf-idp-')));
    adapter = build(hub.audit.url);
    await adapter.ready();
    const s3 = hub.dataset.schools.find((s) => s.id === 'school-3')!;
    school = { ...schoolDfeNumber(s3), name: s3.name };
    pupils = hub.dataset.children.filter((c) => c.schoolId === 'school-3');
    token = await issuer.signSystem({
      clientId: 'mis-school-3',
      orgId: 'school-3',
      orgType: 'school',
      scopes: ['ingest:ctf'],
    });
  }, 120_000);
  afterAll(async () => {
    await adapter?.close();
    await hub?.close();
  });

  it('refuses callers that are not the school system: no token, a user token, a token without the scope', async () => {
    expect((await send(header() + CTF_TAIL, { token: '' })).status).toBe(401);
    const userToken = await hub.token(demoUser(hub.dataset, 'demo-senco-3'));
    expect((await send(header() + CTF_TAIL, { token: userToken })).status).toBe(401);
    const noScope = await issuer.signSystem({
      clientId: 'x',
      orgId: 'school-3',
      orgType: 'school',
      scopes: ['ingest:cin'],
    });
    expect((await send(header() + CTF_TAIL, { token: noScope })).status).toBe(401);
    expect(await sources()).toBe(0);
  });

  it('refuses a whole file for another LA, from another school, or of an unsupported version; writes nothing; audits the refusal', async () => {
    const pupil = ctfPupilXml(pupils[0]!, school);
    const otherLa = await send(header({ dest: '123' }) + pupil + CTF_TAIL, { file: 'other-la.xml' });
    expect(otherLa.status).toBe(403);
    expect(otherLa.body.error?.message).toMatch(/addressed to LA 123/);
    const s4 = hub.dataset.schools.find((s) => s.id === 'school-4')!;
    const otherSchool = await send(
      header({ school: { ...schoolDfeNumber(s4), name: s4.name } }) + pupil + CTF_TAIL,
    );
    expect(otherSchool.status).toBe(403);
    expect(otherSchool.body.error?.message).toMatch(/only its own pupils/);
    const old = await send(header({ version: '12.0' }) + pupil + CTF_TAIL);
    expect(old.status).toBe(422);
    expect(old.body.error?.code).toBe('UNSUPPORTED_VERSION');
    expect(
      (
        await send(
          '<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header><CTFpupilData><Pupil>',
        )
      ).status,
    ).toBe(422);
    expect(await sources()).toBe(0);
    const denied = await hub.audit.db.query<{ operation_name: string; actor_sub: string; actor_org: string }>(
      `select operation_name, actor_sub, actor_org from audit.event where outcome = 'denied' and operation_name like 'IngestCTF:%' order by seq`,
    );
    expect(denied.map((e) => e.operation_name)).toContain('IngestCTF:refused=FORBIDDEN:file=other-la.xml');
    expect(denied[0]).toMatchObject({ actor_sub: 'mis-school-3', actor_org: 'school-3' });
  });

  it('ingests a real-shaped CTF: good pupils linked and shown through the gateway, bad pupils rejected one by one with reasons', async () => {
    const [first, second, ...rest] = pupils;
    // The school now records an EHC plan and lower attendance for the first pupil.
    const changed = ctfPupilXml(first!, school)
      .replace(/<SENprovision>[NKE]<\/SENprovision>/, '<SENprovision>E</SENprovision>')
      .replace(
        /<SessionsAuthorised>\d+<\/SessionsAuthorised>/,
        '<SessionsAuthorised>150</SessionsAuthorised>',
      )
      .replace(
        /<SessionsUnauthorised>\d+<\/SessionsUnauthorised>/,
        '<SessionsUnauthorised>50</SessionsUnauthorised>',
      );
    const badUpn = ctfPupilXml(second!, school).replace(
      /<UPN>(\w)/,
      (_m, c: string) => `<UPN>${c === 'A' ? 'B' : 'A'}`,
    );
    const badDob = ctfPupilXml(rest[0]!, school).replace(/<DOB>[^<]*<\/DOB>/, '<DOB>2019-02-30</DOB>');
    const badCode = ctfPupilXml(rest[1]!, school).replace(
      /<SENprovision>[NKE]<\/SENprovision>/,
      '<SENprovision>S</SENprovision>',
    );
    const good = rest.slice(2);
    const xml =
      header() +
      changed +
      badUpn +
      badDob +
      badCode +
      good.map((c) => ctfPupilXml(c, school)).join('') +
      CTF_TAIL;

    firstFile = xml;
    const { status, body } = await send(xml, { file: '9994003_CTF_999LLLL_001.xml' });
    expect(status).toBe(200);
    expect(body.counts).toEqual({ created: good.length + 1, updated: 0, unchanged: 0, rejected: 3 });
    expect(body.linked).toBe(good.length + 1);
    const rejected = body.records.filter((r) => r.outcome === 'rejected');
    expect(rejected.map((r) => r.reason)).toEqual([
      expect.stringMatching(/not a valid Unique Pupil Number/),
      expect.stringMatching(/DOB 2019-02-30 is not a date/),
      expect.stringMatching(/SENprovision S is not a CTF code/),
    ]);
    // Nothing of a rejected pupil was written.
    const stored = await hub.subgraphs.education.db.query<{ source_id: string }>(
      'select source_id from education.ctf_source',
    );
    expect(stored.map((r) => r.source_id)).not.toContain(rest[0]!.upn);
    expect(stored).toHaveLength(good.length + 1);

    const result = await hub.query<{
      child: { education: { senStatus: string; attendancePercent: number; updatedAt: string } };
    }>('query ($id: ID!) { child(id: $id) { education { senStatus attendancePercent updatedAt } } }', {
      as: demoUser(hub.dataset, 'demo-senco-3'),
      variables: { id: first!.id },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.child.education).toEqual({
      senStatus: 'EHC_PLAN',
      attendancePercent: 80,
      updatedAt: '2026-09-01T08:00:00.000Z',
    });

    // One attempt before anything was written, one outcome naming the counts and the children.
    const events = await hub.audit.db.query<{ outcome: string; operation_name: string; seq: string }>(
      `select outcome, operation_name, seq::text as seq from audit.event where operation_name like '%file=9994003_CTF_999LLLL_001.xml' order by seq`,
    );
    expect(events.map((e) => e.outcome)).toEqual(['attempted', 'ok']);
    expect(events[1]!.operation_name).toBe(
      `IngestCTF:created=${good.length + 1},updated=0,unchanged=0,rejected=3,pending=0:file=9994003_CTF_999LLLL_001.xml`,
    );
    const children = await hub.audit.db.query<{ child_id: string }>(
      'select child_id::text from audit.event_child where seq = $1',
      [events[1]!.seq],
    );
    expect(children.map((c) => c.child_id).sort()).toEqual([first!, ...good].map((c) => c.id).sort());
  });

  it('changes nothing when the same file is sent again', async () => {
    const before = await hub.subgraphs.education.db.query('select * from education.pupil order by child_id');
    const again = await send(firstFile);
    expect(again.status).toBe(200);
    expect(again.body.counts).toEqual({ created: 0, updated: 0, unchanged: pupils.length - 3, rejected: 3 });
    expect(again.body.children).toEqual([]);
    expect(await hub.subgraphs.education.db.query('select * from education.pupil order by child_id')).toEqual(
      before,
    );
  });

  it('an older file (earlier header DateTime) arriving after a newer one never overwrites it; a newer one does', async () => {
    const first = pupils[0]!;
    const education = async () =>
      (
        await hub.query<{ child: { education: { senStatus: string; updatedAt: string } } }>(
          'query ($id: ID!) { child(id: $id) { education { senStatus updatedAt } } }',
          { as: demoUser(hub.dataset, 'demo-senco-3'), variables: { id: first.id } },
        )
      ).data?.child.education;
    const withProvision = (code: 'N' | 'K') =>
      ctfPupilXml(first, school).replace(
        /<SENprovision>[NKE]<\/SENprovision>/,
        `<SENprovision>${code}</SENprovision>`,
      );
    const shown = await education();
    expect(shown?.senStatus).toBe('EHC_PLAN'); // from the first file (2026-09-01T09:00)

    // Exported a month earlier, delivered late: read, but not applied.
    const older = await send(header({ dateTime: '2026-08-01T09:00:00' }) + withProvision('N') + CTF_TAIL);
    expect(older.status).toBe(200);
    expect(older.body.counts).toEqual({ created: 0, updated: 0, unchanged: 1, rejected: 0 });
    expect(older.body.records).toEqual([
      expect.objectContaining({
        sourceId: first.upn,
        outcome: 'unchanged',
        reason: expect.stringMatching(/older file/),
      }),
    ]);
    expect(await education()).toEqual(shown);

    // The school's next export (later than the first file) is applied.
    const newer = await send(header({ dateTime: '2026-09-15T09:00:00' }) + withProvision('K') + CTF_TAIL);
    expect(newer.body.counts).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: 0 });
    expect(await education()).toEqual({ senStatus: 'SEN_SUPPORT', updatedAt: '2026-09-15T08:00:00.000Z' });
  });

  it('holds a near-duplicate pupil for the council’s review, shown nowhere; once the council confirms, the next file shows it', async () => {
    // A pupil of the first file whose record does not already say EHC plan (so the change shows).
    const twin = pupils.slice(4).find((c) => c.education.senStatus !== 'EHC_PLAN')!;
    // Same name and date of birth as a child on the hub, a UPN the hub has never seen, and an
    // EHC plan the school records for them.
    const near = { ...twin, upn: syntheticUpn(90_001) };
    const nearXml = ctfPupilXml(near, school).replace(
      /<SENprovision>[NKE]<\/SENprovision>/,
      '<SENprovision>E</SENprovision>',
    );
    const { status, body } = await send(header() + nearXml + CTF_TAIL);
    expect(status).toBe(200);
    expect(body.counts.created).toBe(1);
    expect(body.records).toEqual([
      expect.objectContaining({ sourceId: near.upn, outcome: 'created', link: 'review' }),
    ]);
    const [row] = await hub.subgraphs.education.db.query<{ child_id: string | null; link_status: string }>(
      'select child_id, link_status from education.ctf_source where source_id = $1',
      [near.upn],
    );
    expect(row).toEqual({ child_id: null, link_status: 'review' });
    const senco = demoUser(hub.dataset, 'demo-senco-3');
    const read = async () =>
      (
        await hub.query<{ child: { education: { senStatus: string } } }>(
          'query ($id: ID!) { child(id: $id) { education { senStatus } } }',
          { as: senco, variables: { id: twin.id } },
        )
      ).data?.child.education.senStatus;
    expect(await read()).toBe(twin.education.senStatus);

    // The council's SEND team finds it in the review queue and confirms it is the same child.
    const la = demoUser(hub.dataset, 'demo-la-1');
    const queue = await hub.query<{
      identityMatches: { nodes: Array<{ id: string; sourceId: string; system: string }> };
    }>('{ identityMatches { nodes { id sourceId system } } }', { as: la });
    expect(queue.errors).toBeUndefined();
    const match = queue.data?.identityMatches.nodes.find((n) => n.sourceId === near.upn);
    expect(match).toMatchObject({ system: 'ctf:school-3' });
    const confirmed = await hub.query(
      'mutation ($m: ID!, $c: ID!) { confirmMatch(matchId: $m, childId: $c) { status } }',
      {
        as: la,
        variables: { m: match!.id, c: twin.id },
      },
    );
    expect(confirmed.errors).toBeUndefined();

    // The school's next file (even an empty one) applies the council's decision.
    const next = await send(header({ dateTime: '2026-09-02T09:00:00' }) + CTF_TAIL);
    expect(next.status).toBe(200);
    expect(next.body.children).toEqual([twin.id]);
    expect(await read()).toBe('EHC_PLAN');

    // The council undoes the link: with the school's next file the child shows its own record again.
    const undone = await hub.query(
      'mutation ($s: String!, $id: String!) { unlinkSource(system: $s, sourceId: $id, reason: "Not the same child after all: checked with the school.") { status } }',
      { as: la, variables: { s: 'ctf:school-3', id: near.upn } },
    );
    expect(undone.errors).toBeUndefined();
    expect((await send(header({ dateTime: '2026-09-03T09:00:00' }) + CTF_TAIL)).body.children).toEqual([
      twin.id,
    ]);
    expect(await read()).toBe(twin.education.senStatus);
  });

  it('two records of one file linked to the same child (a second UPN the council confirmed): the later one is shown', async () => {
    // Not the previous test's pupil; the later record changes the SEN provision either way.
    const twinId = pupils.slice(4).find((c) => c.education.senStatus !== 'EHC_PLAN')!.id;
    const pupil = pupils
      .slice(4)
      .filter((c) => c.id !== twinId)
      .at(-1)!;
    const [code, expected] =
      pupil.education.senStatus === 'EHC_PLAN' ? ['K', 'SEN_SUPPORT'] : ['E', 'EHC_PLAN'];
    const second = { ...pupil, upn: syntheticUpn(90_002) };
    expect(
      (await send(header({ dateTime: '2026-09-04T09:00:00' }) + ctfPupilXml(second, school) + CTF_TAIL))
        .status,
    ).toBe(200);
    const la = demoUser(hub.dataset, 'demo-la-1');
    const queue = await hub.query<{ identityMatches: { nodes: Array<{ id: string; sourceId: string }> } }>(
      '{ identityMatches { nodes { id sourceId } } }',
      { as: la },
    );
    const match = queue.data?.identityMatches.nodes.find((n) => n.sourceId === second.upn);
    const confirmed = await hub.query(
      'mutation ($m: ID!, $c: ID!) { confirmMatch(matchId: $m, childId: $c) { status } }',
      { as: la, variables: { m: match!.id, c: pupil.id } },
    );
    expect(confirmed.errors).toBeUndefined();

    // Both records in one file; the later one records another SEN provision.
    const ehc = ctfPupilXml(second, school).replace(
      /<SENprovision>[NKE]<\/SENprovision>/,
      `<SENprovision>${code}</SENprovision>`,
    );
    const both = await send(
      header({ dateTime: '2026-09-05T09:00:00' }) + ctfPupilXml(pupil, school) + ehc + CTF_TAIL,
    );
    expect(both.status).toBe(200);
    expect(both.body.counts.rejected).toBe(0);
    const senStatus = (
      await hub.query<{ child: { education: { senStatus: string } } }>(
        'query ($id: ID!) { child(id: $id) { education { senStatus } } }',
        { as: demoUser(hub.dataset, 'demo-senco-3'), variables: { id: pupil.id } },
      )
    ).data?.child.education.senStatus;
    expect(senStatus).toBe(expected);
  });

  it('refuses with 503 and writes nothing when the audit log is down', async () => {
    const down = build('http://127.0.0.1:9');
    await down.ready();
    try {
      const before = await sources();
      const extra = { ...pupils[0]!, upn: syntheticUpn(90_002), familyName: 'Testchild-Newcomer' };
      const { status, body } = await send(header() + ctfPupilXml(extra, school) + CTF_TAIL, { app: down });
      expect(status).toBe(503);
      expect(body.error?.code).toBe('UNAVAILABLE');
      expect(await sources()).toBe(before);
    } finally {
      await down.close();
    }
  });
});
