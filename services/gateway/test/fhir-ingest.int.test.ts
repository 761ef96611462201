import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, type DevIssuer, loadOrCreateDevIssuer } from '@hub/auth';
import { service as health } from '@hub/health';
import { buildFhirBundles } from '@hub/health/fhir-synthetic';
import type { SyntheticChild } from '@hub/synthetic';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointment, bundle, careTeam, condition, patient, referral } from './fhir-bundles.ts';
import { decisionMaker, demoUser, startHub, type TestHub } from './hub.ts';

// The health adapter's FHIR ingest (issue 12), end to end: an NHS trust's system posts bundles to
// a real health service (its own least-privilege role), which matches patients through the real
// record service's identity index and audits through the real audit service; the result is read
// back through the gateway as the family would see it.

const HEALTH_QUERY = /* GraphQL */ `
  query ($id: ID!) {
    child(id: $id) {
      id
      health {
        diagnoses { description diagnosedOn }
        pathwayWaits { pathway referralDate seenDate weeksWaited }
        involvements { organisationId service startDate endDate active }
      }
    }
  }
`;

let hub: TestHub;
let issuer: DevIssuer;
let fhir: FastifyInstance;
let trustToken: string;

interface Answer {
  statusCode: number;
  body: any;
}

async function post(payload: unknown, token = trustToken, app = fhir): Promise<Answer> {
  const response = await app.inject({
    method: 'POST',
    url: '/fhir',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    payload: JSON.stringify(payload),
  });
  return { statusCode: response.statusCode, body: response.json() };
}

function fhirApp(overrides: Record<string, string> = {}): FastifyInstance {
  return health.buildApp(
    {
      INTERNAL_CONTEXT_SECRET: hub.secret,
      LOG_LEVEL: (process.env.HUB_TEST_LOG ?? 'silent') as 'silent',
      RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
      AUDIT_URL: hub.audit.url,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWKS_FILE: issuer.jwksFile,
      ...overrides,
    },
    { db: hub.subgraphs.health.appDb },
  );
}

async function healthOf(child: SyntheticChild) {
  const result = await hub.query<{ child: { health: Record<string, unknown[]> | null } }>(HEALTH_QUERY, {
    as: decisionMaker(hub.dataset, child),
    variables: { id: child.id },
  });
  expect(result.errors).toBeUndefined();
  return result.data?.child.health ?? null;
}

const statuses = (answer: Answer) =>
  (answer.body.entry as { response: { status: string } }[]).map((e) => e.response.status);

beforeAll(async () => {
  hub = await startHub({ children: 20 });
  issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'hub-fhir-idp-')));
  trustToken = await issuer.signSystem({
    clientId: 'trust-1-epr',
    orgId: 'trust-1',
    orgType: 'health',
    scopes: ['ingest:fhir'],
  });
  fhir = fhirApp();
  await fhir.ready();
}, 120_000);

afterAll(async () => {
  await fhir?.close();
  await hub?.close();
});

describe('POST /fhir: who may send', () => {
  it('refuses callers without a system token, user tokens and tokens without the FHIR scope', async () => {
    const empty = bundle('batch', 'b-auth', []);
    const none = await fhir.inject({ method: 'POST', url: '/fhir', payload: empty });
    expect(none.statusCode).toBe(401);
    const user = await hub.token(demoUser(hub.dataset, 'demo-health-1'));
    expect((await post(empty, user)).statusCode).toBe(401);
    const school = await issuer.signSystem({
      clientId: 'school-1-mis',
      orgId: 'school-1',
      orgType: 'school',
      scopes: ['ingest:ctf'],
    });
    expect((await post(empty, school)).statusCode).toBe(401);
    const forged = trustToken.replace(/\.[^.]+$/, '.AAAA');
    expect((await post(empty, forged)).statusCode).toBe(401);
  });

  it('a health service without an identity provider configured takes no system callers at all', async () => {
    const answer = await post(bundle('batch', 'b-nojwks', []), trustToken, hub.subgraphs.health.app);
    expect(answer.statusCode).toBe(401);
    expect(answer.body.error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a body that is not a batch or transaction Bundle with one OperationOutcome', async () => {
    const answer = await post({ resourceType: 'Bundle', type: 'collection', entry: [] });
    expect(answer.statusCode).toBe(400);
    expect(answer.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-supported', expression: ['Bundle.type'] }],
    });
  });
});

describe('POST /fhir: a trust’s batch lands in the child’s health section', () => {
  let child: SyntheticChild;
  const p = 'pat-1001';

  beforeAll(() => {
    const found = hub.dataset.children.find((c) => c.health === null);
    if (!found) throw new Error('the data set has no child without a health section');
    child = found;
  });

  it('maps Patient (verified NHS number), Condition, referral, first appointment and CareTeam; a bad entry fails alone', async () => {
    expect(await healthOf(child)).toBeNull();
    const sent = bundle('batch', 'b-1', [
      patient(p, { ...child, verified: true }),
      condition('cond-1', p, '408856003', 'Autistic disorder', '2025-11-03'),
      referral('sr-1', p, 'SPEECH_AND_LANGUAGE', '2025-09-01'),
      appointment('enc-1', p, 'sr-1', '2025-12-01T10:00:00Z'),
      careTeam('ct-1', p, 'Community paediatrics', '2025-06-01'),
      // R4 says birthDate is a date: this Condition's onset is not a dateTime.
      {
        ...condition('cond-bad', p, '35489007', 'Depressive disorder', '2025-11-03'),
        onsetDateTime: '3rd Nov',
      },
      // UK Core: a diagnosis must be SNOMED CT coded.
      { ...condition('cond-local', p, 'X1', 'Local code', '2025-11-03'), code: { text: 'Local only' } },
      // Another trust performs this referral: a trust sends only its own patients' care.
      referral('sr-other', p, 'NEURODEVELOPMENTAL', '2025-10-01', 'trust-2'),
    ]);
    const answer = await post(sent);
    expect(answer.statusCode).toBe(200);
    expect(answer.body.resourceType).toBe('Bundle');
    expect(answer.body.type).toBe('batch-response');
    expect(statuses(answer)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
      '201 Created',
      '201 Created',
      '422 Unprocessable Entity',
      '422 Unprocessable Entity',
      '403 Forbidden',
    ]);
    const bad = answer.body.entry[5].response.outcome;
    expect(bad.resourceType).toBe('OperationOutcome');
    expect(bad.issue[0]).toMatchObject({ severity: 'error', expression: ['Condition.onset[x]'] });
    expect(bad.issue[0].diagnostics).toBeTruthy();
    expect(answer.body.entry[6].response.outcome.issue[0]).toMatchObject({
      code: 'code-invalid',
      expression: ['Condition.code'],
    });
    expect(answer.body.entry[7].response.outcome.issue[0]).toMatchObject({
      code: 'forbidden',
      expression: ['ServiceRequest.performer[0]'],
    });

    const section = await healthOf(child);
    expect(section?.diagnoses).toEqual([{ description: 'Autistic disorder', diagnosedOn: '2025-11-03' }]);
    expect(section?.pathwayWaits).toEqual([
      { pathway: 'SPEECH_AND_LANGUAGE', referralDate: '2025-09-01', seenDate: '2025-12-01', weeksWaited: 13 },
    ]);
    expect(section?.involvements).toEqual([
      {
        organisationId: 'trust-1',
        service: 'Community paediatrics',
        startDate: '2025-06-01',
        endDate: null,
        active: true,
      },
    ]);

    // One audited ingest: the attempt before anything was written, the outcome with the counts.
    const events = await hub.audit.db.query<{
      outcome: string;
      operation_name: string;
      actor_sub: string;
      actor_org: string;
      actor_role: string | null;
      child_ids: string[];
    }>(
      `select outcome, operation_name, actor_sub, actor_org, actor_role, child_ids from audit.event
        where operation_name like 'FhirIngest:batch bundle=b-1%' order by seq`,
    );
    expect(events.map((e) => e.outcome)).toEqual(['attempted', 'ok']);
    expect(events[1]).toMatchObject({
      operation_name: 'FhirIngest:batch bundle=b-1 created=5 updated=0 unchanged=0 rejected=3 deleted=0',
      actor_sub: 'system:trust-1-epr',
      actor_org: 'trust-1',
      actor_role: null,
      child_ids: [child.id],
    });
  });

  it('re-sent, the same bundle changes nothing and says so', async () => {
    const before = await hub.subgraphs.health.db.query(
      `select resource_type, resource_id, content_hash, received_at from health.fhir_resource
        where org_id = 'trust-1' order by resource_type, resource_id`,
    );
    const again = await post(
      bundle('batch', 'b-1', [
        patient(p, { ...child, verified: true }),
        condition('cond-1', p, '408856003', 'Autistic disorder', '2025-11-03'),
        referral('sr-1', p, 'SPEECH_AND_LANGUAGE', '2025-09-01'),
      ]),
    );
    expect(statuses(again)).toEqual(['200 OK', '200 OK', '200 OK']);
    for (const entry of again.body.entry)
      expect(entry.response.outcome.issue[0].diagnostics).toMatch(/^Unchanged/);
    const after = await hub.subgraphs.health.db.query(
      `select resource_type, resource_id, content_hash, received_at from health.fhir_resource
        where org_id = 'trust-1' order by resource_type, resource_id`,
    );
    expect(after).toEqual(before);
  });

  it('an older version never overwrites a newer one', async () => {
    const v2 = condition('cond-1', p, '408856003', 'Autism spectrum disorder', '2025-11-03');
    v2.meta = { versionId: '2', lastUpdated: '2026-02-01T09:00:00Z' };
    expect(statuses(await post(bundle('batch', 'b-2', [v2])))).toEqual(['200 OK']);
    const v1 = condition('cond-1', p, '408856003', 'Autistic disorder (old wording)', '2025-11-03');
    const late = await post(bundle('batch', 'b-3', [v1]));
    expect(statuses(late)).toEqual(['200 OK']);
    expect(late.body.entry[0].response.outcome.issue[0].diagnostics).toMatch(/older than the version/);
    expect((await healthOf(child))?.diagnoses).toEqual([
      { description: 'Autism spectrum disorder', diagnosedOn: '2025-11-03' },
    ]);
  });

  it('a DELETE entry removes what it names', async () => {
    const answer = await post({
      resourceType: 'Bundle',
      id: 'b-4',
      type: 'batch',
      entry: [{ request: { method: 'DELETE', url: 'Condition/cond-1' } }],
    });
    expect(statuses(answer)).toEqual(['204 No Content']);
    expect((await healthOf(child))?.diagnoses).toEqual([]);
    const rows = await hub.subgraphs.health.db.query(
      `select 1 from health.fhir_resource where org_id = 'trust-1' and resource_type = 'Condition' and resource_id = 'cond-1'`,
    );
    expect(rows).toHaveLength(0);
  });

  it('a transaction with one bad entry writes nothing and answers one OperationOutcome', async () => {
    const answer = await post(
      bundle('transaction', 't-1', [
        condition('cond-t1', p, '35919005', 'Pervasive developmental disorder', '2025-12-02'),
        { ...condition('cond-t2', p, '35919005', 'x', '2025-12-02'), subject: { display: 'no reference' } },
      ]),
    );
    expect(answer.statusCode).toBe(422);
    expect(answer.body.resourceType).toBe('OperationOutcome');
    expect(answer.body.issue[1]).toMatchObject({
      severity: 'error',
      expression: ['Bundle.entry[1].resource.subject'],
    });
    expect((await healthOf(child))?.diagnoses).toEqual([]);

    const ok = await post(
      bundle('transaction', 't-2', [
        condition('cond-t1', p, '35919005', 'Pervasive developmental disorder', '2025-12-02'),
      ]),
    );
    expect(ok.statusCode).toBe(200);
    expect(ok.body.type).toBe('transaction-response');
    expect((await healthOf(child))?.diagnoses).toEqual([
      { description: 'Pervasive developmental disorder', diagnosedOn: '2025-12-02' },
    ]);
  });

  it('another trust cannot add to this trust’s patient: its references stay in its own namespace', async () => {
    const trust2 = await issuer.signSystem({
      clientId: 'trust-2-epr',
      orgId: 'trust-2',
      orgType: 'health',
      scopes: ['ingest:fhir'],
    });
    const before = await healthOf(child);
    // trust-2's Patient/pat-1001 is not trust-1's: it never sent one, so nothing links.
    const answer = await post(
      bundle('batch', 'b-t2', [condition('cond-t2x', p, '84757009', 'Epilepsy', '2025-12-05')]),
      trust2,
    );
    expect(statuses(answer)).toEqual(['201 Created']);
    expect(await healthOf(child)).toEqual(before);
    // And trust-2 cannot delete trust-1's resources either: its DELETE names its own (absent) one.
    const del = await post(
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'DELETE', url: 'Condition/cond-t1' } }],
      },
      trust2,
    );
    expect(statuses(del)).toEqual(['204 No Content']);
    expect(await healthOf(child)).toEqual(before);
  });

  it('fails closed when the audit store is down: 503 and nothing written', async () => {
    const blind = fhirApp({ AUDIT_URL: 'http://127.0.0.1:9' });
    await blind.ready();
    try {
      const answer = await post(
        bundle('batch', 'b-blind', [condition('cond-blind', p, '35919005', 'Never written', '2025-12-03')]),
        trustToken,
        blind,
      );
      expect(answer.statusCode).toBe(503);
      expect(answer.body.resourceType).toBe('OperationOutcome');
    } finally {
      await blind.close();
    }
    const rows = await hub.subgraphs.health.db.query(
      `select 1 from health.fhir_resource where resource_id = 'cond-blind'`,
    );
    expect(rows).toHaveLength(0);
  });
});

describe('POST /fhir: a near-duplicate patient waits for the council', () => {
  it('is visible nowhere until the council confirms the match', async () => {
    const child = hub.dataset.children.filter((c) => c.health === null)[1];
    if (!child) throw new Error('the data set has too few children without health');
    const p = 'pat-2002';
    // No NHS number: only name, date of birth (and sex/postcode when sent) can be compared.
    const answer = await post(
      bundle('batch', 'b-dup', [
        patient(p, {
          givenName: child.givenName,
          familyName: child.familyName,
          dateOfBirth: child.dateOfBirth,
        }),
        condition('cond-dup', p, '408856003', 'Autistic disorder', '2025-10-10'),
      ]),
    );
    expect(statuses(answer)).toEqual(['201 Created', '201 Created']);
    expect(answer.body.entry[0].response.outcome.issue[0].diagnostics).toMatch(/review/);
    expect(await healthOf(child)).toBeNull();

    const la = demoUser(hub.dataset, 'demo-la-1');
    const matches = await hub.query<{
      identityMatches: {
        nodes: { id: string; system: string; sourceId: string; candidates: { childId: string }[] }[];
      };
    }>('{ identityMatches { nodes { id system sourceId candidates { childId } } } }', { as: la });
    expect(matches.errors).toBeUndefined();
    const match = matches.data?.identityMatches.nodes.find(
      (m) => m.system === 'fhir:trust-1' && m.sourceId === p,
    );
    expect(match?.candidates.map((c) => c.childId)).toContain(child.id);
    const confirmed = await hub.query(
      'mutation ($m: ID!, $c: ID!) { confirmMatch(matchId: $m, childId: $c) { status childId } }',
      { as: la, variables: { m: match?.id, c: child.id } },
    );
    expect(confirmed.errors).toBeUndefined();

    await fhir.fhirRelink();
    expect((await healthOf(child))?.diagnoses).toEqual([
      { description: 'Autistic disorder', diagnosedOn: '2025-10-10' },
    ]);

    // The council undoes the link: the trust's data leaves the child at the next re-check.
    const unlinked = await hub.query(
      'mutation ($s: String!, $id: String!, $r: String!) { unlinkSource(system: $s, sourceId: $id, reason: $r) { status } }',
      { as: la, variables: { s: 'fhir:trust-1', id: p, r: 'Confirmed in error: a different child.' } },
    );
    expect(unlinked.errors).toBeUndefined();
    await fhir.fhirRelink();
    expect((await healthOf(child))?.diagnoses ?? []).toEqual([]);
  });
});

describe('the synthetic data set, sent as FHIR by its health organisations', () => {
  const SECTION = /* GraphQL */ `
    query ($id: ID!) {
      child(id: $id) {
        health {
          involvements { organisationId service startDate endDate active }
          pathwayWaits { pathway referralDate seenDate weeksWaited }
          diagnoses { description diagnosedOn }
        }
      }
    }
  `;
  const sorted = (section: Record<string, unknown[]> | null) =>
    section &&
    Object.fromEntries(
      Object.entries(section).map(([k, rows]) => [k, [...rows].map((r) => JSON.stringify(r)).sort()]),
    );
  async function sections() {
    const out = new Map<string, unknown>();
    for (const child of hub.dataset.children.filter((c) => c.health)) {
      const result = await hub.query<{ child: { health: Record<string, unknown[]> | null } }>(SECTION, {
        as: decisionMaker(hub.dataset, child),
        variables: { id: child.id },
      });
      expect(result.errors).toBeUndefined();
      out.set(child.id, sorted(result.data?.child.health ?? null));
    }
    return out;
  }

  it('gives the same health sections as the seed', async () => {
    const seeded = await sections();
    // Start from nothing: the seed's rows and everything the tests above sent.
    await hub.subgraphs.health.db.exec(
      `truncate health.support_while_waiting, health.pathway_wait, health.involvement, health.diagnosis,
         health.health_record, health.fhir_resource, health.fhir_patient_link`,
    );
    for (const { orgId, bundle: sent } of buildFhirBundles(hub.dataset)) {
      const token = await issuer.signSystem({
        clientId: `${orgId}-epr`,
        orgId,
        orgType: 'health',
        scopes: ['ingest:fhir'],
      });
      const answer = await post(sent, token);
      expect(answer.statusCode).toBe(200);
      const failed = (answer.body.entry as { response: { status: string; outcome: unknown } }[]).filter(
        (e) => !/^20/.test(e.response.status),
      );
      expect(failed).toEqual([]);
    }
    expect(await sections()).toEqual(seeded);
  });
});
