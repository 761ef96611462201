import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, type DevIssuer, loadOrCreateDevIssuer } from '@hub/auth';
import type { IngestReport } from '@hub/service-kit';
import type { SyntheticChild } from '@hub/synthetic';
import { CIN_TAIL, cinChildXml, cinHeaderXml } from '@hub/synthetic/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from '../../../gateway/test/hub.ts';
import { service } from '../app.ts';

/** CIN census ingest through the real services (social-care adapter, record identity index, audit, gateway). */
describe('POST /cin (DfE Children in Need census)', () => {
  let hub: TestHub;
  let issuer: DevIssuer;
  let adapter: FastifyInstance;
  let token: string;
  let inNeed: SyntheticChild[];
  let firstFile = '';
  const REF = '2026-09-01';

  const send = async (xml: string, opts: { token?: string; file?: string } = {}) => {
    const response = await adapter.inject({
      method: 'POST',
      url: '/cin',
      headers: {
        'content-type': 'application/xml',
        'x-file-name': opts.file ?? 'cin.xml',
        authorization: `Bearer ${opts.token ?? token}`,
      },
      payload: xml,
    });
    return {
      status: response.statusCode,
      body: response.json() as IngestReport & { error?: { code: string; message: string } },
    };
  };
  const header = (lea = '999') => cinHeaderXml(lea, '2026-09-01T09:00:00', REF);
  const sources = async () =>
    (
      await hub.subgraphs['social-care'].db.query<{ n: number }>(
        'select count(*)::int as n from social_care.cin_source',
      )
    )[0]!.n;

  beforeAll(async () => {
    hub = await startHub({ children: 60 });
    issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'cin-idp-')));
    adapter = service.buildApp(
      {
        INTERNAL_CONTEXT_SECRET: hub.secret,
        LOG_LEVEL: 'silent',
        RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
        AUDIT_URL: hub.audit.url,
        JWT_ISSUER: DEV_ISSUER,
        JWT_AUDIENCE: DEV_AUDIENCE,
        JWKS_FILE: issuer.jwksFile,
      },
      { db: hub.subgraphs['social-care'].appDb },
    );
    await adapter.ready();
    inNeed = hub.dataset.children.filter((c) => cinChildXml(c, REF) !== null);
    token = await issuer.signSystem({
      clientId: 'case-system-la-1',
      orgId: 'la-1',
      orgType: 'local_authority',
      scopes: ['ingest:cin'],
    });
  }, 120_000);
  afterAll(async () => {
    await adapter?.close();
    await hub?.close();
  });

  it('refuses a census from another LA, or sent by a school, whole; writes nothing', async () => {
    const other = await send(header('998') + cinChildXml(inNeed[0]!, REF)! + CIN_TAIL);
    expect(other.status).toBe(403);
    expect(other.body.error?.message).toMatch(/only its own children/);
    const schoolToken = await issuer.signSystem({
      clientId: 'mis',
      orgId: 'school-1',
      orgType: 'school',
      scopes: ['ingest:cin'],
    });
    expect((await send(header() + CIN_TAIL, { token: schoolToken })).status).toBe(403);
    expect(await sources()).toBe(0);
  });

  it('ingests the census: statuses shown through the gateway, bad children rejected with reasons', async () => {
    // A child the social worker's organisation works with, now on a child protection plan.
    const allocated = inNeed.find(
      (c) => c.socialCare?.allocatedWorker && c.socialCare.status === 'CHILD_IN_NEED',
    )!;
    const plan = cinChildXml(allocated, REF)!.replace(
      '<ReferralNFA>false</ReferralNFA>',
      '<ReferralNFA>false</ReferralNFA>\n        <ChildProtectionPlans>\n          <CPPstartDate>2026-08-01</CPPstartDate>\n        </ChildProtectionPlans>',
    );
    const others = inNeed.filter((c) => c !== allocated);
    const [a, b, c, ...good] = others;
    const badUpn = cinChildXml(a!, REF)!.replace(
      /<UPN>(\w)/,
      (_m, x: string) => `<UPN>${x === 'A' ? 'B' : 'A'}`,
    );
    const late = cinChildXml(b!, REF)!.replace(/<CINreferralDate>[^<]*</, '<CINreferralDate>2026-12-01<');
    // Census files up to 2023-24 carry GenderCurrent (1 male, 2 female) instead of Sex: still read.
    const legacy = cinChildXml(c!, REF)!.replace(
      /<Sex>M<\/Sex>|<Sex>F<\/Sex>/,
      '<GenderCurrent>1</GenderCurrent>',
    );
    const unborn = `    <Child>
      <ChildIdentifiers>
        <LAchildID>LA-UNBORN-1</LAchildID>
        <ExpectedPersonBirthDate>2026-11-01</ExpectedPersonBirthDate>
      </ChildIdentifiers>
      <CINdetails><CINreferralDate>2026-06-01</CINreferralDate></CINdetails>
    </Child>
`;
    firstFile =
      header() +
      plan +
      badUpn +
      late +
      legacy +
      unborn +
      good.map((x) => cinChildXml(x, REF)).join('') +
      CIN_TAIL;
    const { status, body } = await send(firstFile, { file: '999_CIN_2026.xml' });
    expect(status).toBe(200);
    expect(body.counts).toEqual({ created: good.length + 2, updated: 0, unchanged: 0, rejected: 3 });
    expect(body.records.filter((r) => r.outcome === 'rejected').map((r) => r.reason)).toEqual([
      expect.stringMatching(/not a valid Unique Pupil Number/),
      expect.stringMatching(/CINreferralDate 2026-12-01 is after the census ReferenceDate/),
      expect.stringMatching(/unborn child/),
    ]);
    expect(body.linked).toBe(good.length + 2);

    const result = await hub.query<{ child: { socialCare: { status: string; updatedAt: string } } }>(
      'query ($id: ID!) { child(id: $id) { socialCare { status updatedAt } } }',
      { as: demoUser(hub.dataset, 'demo-social-1'), variables: { id: allocated.id } },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.child.socialCare).toEqual({
      status: 'CHILD_PROTECTION',
      updatedAt: '2026-09-01T08:00:00.000Z',
    });

    // Looked-after children keep that status: the census cannot say it.
    const lac = good.find((x) => x.socialCare?.status === 'LOOKED_AFTER');
    if (lac) {
      const [row] = await hub.subgraphs['social-care'].db.query<{ status: string }>(
        'select status from social_care.case_record where child_id = $1',
        [lac.id],
      );
      expect(row?.status).toBe('LOOKED_AFTER');
    }
    const events = await hub.audit.db.query<{ outcome: string; actor_org: string }>(
      `select outcome, actor_org from audit.event where operation_name like 'IngestCIN:%file=999_CIN_2026.xml' order by seq`,
    );
    expect(events).toEqual([
      { outcome: 'attempted', actor_org: 'la-1' },
      { outcome: 'ok', actor_org: 'la-1' },
    ]);
  });

  it('changes nothing when the same census is sent again', async () => {
    const before = await hub.subgraphs['social-care'].db.query(
      'select * from social_care.case_record order by child_id',
    );
    const { status, body } = await send(firstFile);
    expect(status).toBe(200);
    expect(body.counts).toMatchObject({ created: 0, updated: 0, rejected: 3 });
    expect(body.children).toEqual([]);
    expect(
      await hub.subgraphs['social-care'].db.query('select * from social_care.case_record order by child_id'),
    ).toEqual(before);
  });

  it('an older census (earlier Source DateTime) arriving after a newer one never overwrites it; a newer one does', async () => {
    // A child in need in the first census, now on a child protection plan.
    // Not the one the first test put on a plan, nor its three rejected children.
    const onPlanAlready = inNeed.find(
      (c) => c.socialCare?.allocatedWorker && c.socialCare.status === 'CHILD_IN_NEED',
    );
    const child = inNeed
      .filter((c) => c !== onPlanAlready)
      .slice(3)
      .find((c) => c.socialCare?.status === 'CHILD_IN_NEED');
    expect(child).toBeDefined();
    const status = async () =>
      (
        await hub.subgraphs['social-care'].db.query<{ status: string }>(
          'select status from social_care.case_record where child_id = $1',
          [child!.id],
        )
      )[0]?.status;
    expect(await status()).toBe('CHILD_IN_NEED');
    const onPlan = cinChildXml(child!, REF)!.replace(
      '<ReferralNFA>false</ReferralNFA>',
      '<ReferralNFA>false</ReferralNFA>\n        <ChildProtectionPlans>\n          <CPPstartDate>2026-08-01</CPPstartDate>\n        </ChildProtectionPlans>',
    );
    const at = (dateTime: string) => cinHeaderXml('999', dateTime, REF) + onPlan + CIN_TAIL;

    const older = await send(at('2026-08-20T09:00:00'));
    expect(older.status).toBe(200);
    expect(older.body.counts).toEqual({ created: 0, updated: 0, unchanged: 1, rejected: 0 });
    expect(older.body.records).toEqual([
      expect.objectContaining({ outcome: 'unchanged', reason: expect.stringMatching(/older file/) }),
    ]);
    expect(await status()).toBe('CHILD_IN_NEED');

    const newer = await send(at('2026-09-10T09:00:00'));
    expect(newer.body.counts).toEqual({ created: 0, updated: 1, unchanged: 0, rejected: 0 });
    expect(await status()).toBe('CHILD_PROTECTION');
  });
});
