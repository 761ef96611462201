import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_AUDIENCE, DEV_ISSUER, loadOrCreateDevIssuer } from '@hub/auth';
import type { IngestReport } from '@hub/service-kit';
import { buildAgencyFiles } from '@hub/synthetic';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoUser, startHub, type TestHub } from '../../../gateway/test/hub.ts';
import { service as socialCare } from '../../../social-care/src/app.ts';
import { service as education } from '../app.ts';

/**
 * The synthetic data set as agency files (what packages/synthetic/fixtures holds for the
 * default data set) loads through the adapters into a hub seeded with the same data set: every
 * record is linked to its child by UPN, none is rejected, and the sections read the same as the
 * direct seed (only "last updated" becomes the file's time). This is what lets `pnpm start`
 * seed through the adapters.
 */
describe('synthetic CTF and CIN files through the adapters', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startHub({ children: 80, councils: 2 });
  }, 120_000);
  afterAll(async () => {
    await hub?.close();
  });

  it('every file ingests: all linked, none rejected; the sections are the same as seeded', async () => {
    const issuer = await loadOrCreateDevIssuer(mkdtempSync(join(tmpdir(), 'fixtures-idp-')));
    const config = {
      INTERNAL_CONTEXT_SECRET: hub.secret,
      LOG_LEVEL: 'silent' as const,
      RECORD_BASE_URL: hub.subgraphs.record.url.replace(/\/graphql$/, ''),
      AUDIT_URL: hub.audit.url,
      JWT_ISSUER: DEV_ISSUER,
      JWT_AUDIENCE: DEV_AUDIENCE,
      JWKS_FILE: issuer.jwksFile,
    };
    const apps = {
      ctf: education.buildApp(config, { db: hub.subgraphs.education.appDb }),
      cin: socialCare.buildApp(config, { db: hub.subgraphs['social-care'].appDb }),
    };
    const pupilsBefore = await hub.subgraphs.education.db.query(
      'select child_id, school_id, sen_status, attendance_percent, senco_notes from education.pupil order by child_id',
    );
    const casesBefore = await hub.subgraphs['social-care'].db.query(
      'select child_id, status, worker_name from social_care.case_record order by child_id',
    );
    try {
      for (const { name, xml } of buildAgencyFiles(hub.dataset)) {
        const kind = name.startsWith('ctf') ? 'ctf' : 'cin';
        const orgId = name.replace(/^(ctf|cin)-/, '').replace(/\.xml$/, '');
        const token = await issuer.signSystem({
          clientId: `${orgId}-client`,
          orgId,
          orgType: kind === 'ctf' ? 'school' : 'local_authority',
          scopes: [kind === 'ctf' ? 'ingest:ctf' : 'ingest:cin'],
        });
        const response = await apps[kind].inject({
          method: 'POST',
          url: `/${kind}`,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/xml',
            'x-file-name': name,
          },
          payload: xml,
        });
        expect(response.statusCode, `${name}: ${response.body.slice(0, 300)}`).toBe(200);
        const report = response.json() as IngestReport;
        expect(report.counts.rejected, name).toBe(0);
        expect(report.pending, name).toBe(0);
      }
    } finally {
      await apps.ctf.close();
      await apps.cin.close();
    }
    expect(
      await hub.subgraphs.education.db.query(
        'select child_id, school_id, sen_status, attendance_percent, senco_notes from education.pupil order by child_id',
      ),
    ).toEqual(pupilsBefore);
    expect(
      await hub.subgraphs['social-care'].db.query(
        'select child_id, status, worker_name from social_care.case_record order by child_id',
      ),
    ).toEqual(casesBefore);
    // And through the gateway, as the school sees it.
    const child = hub.dataset.children.find((c) => c.schoolId === 'school-3')!;
    const result = await hub.query<{
      child: { education: { senStatus: string; attendancePercent: number } };
    }>('query ($id: ID!) { child(id: $id) { education { senStatus attendancePercent } } }', {
      as: demoUser(hub.dataset, 'demo-senco-3'),
      variables: { id: child.id },
    });
    expect(result.data?.child.education).toEqual({
      senStatus: child.education.senStatus,
      attendancePercent: child.education.attendancePercent,
    });
  });
});
