import type { Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { deriveRows, rowId } from './derive.ts';
import { PATHWAY_CODE_SYSTEM } from './uk-core.ts';

const subject = { reference: 'Patient/p1' };
const nd = { coding: [{ system: PATHWAY_CODE_SYSTEM, code: 'NEURODEVELOPMENTAL' }] };

describe('deriveRows', () => {
  it('ends a referral’s wait at its first appointment, whatever order they arrive in', () => {
    const resources = [
      {
        resourceType: 'Encounter',
        id: 'e2',
        status: 'finished',
        class: { code: 'AMB' },
        subject,
        basedOn: [{ reference: 'ServiceRequest/sr' }],
        period: { start: '2025-03-01T09:00:00Z' },
      },
      {
        resourceType: 'Encounter',
        id: 'e1',
        status: 'finished',
        class: { code: 'AMB' },
        subject,
        basedOn: [{ reference: 'ServiceRequest/sr' }],
        period: { start: '2025-02-01T09:00:00Z' },
      },
      // Cancelled: not the first appointment.
      {
        resourceType: 'Encounter',
        id: 'e0',
        status: 'cancelled',
        class: { code: 'AMB' },
        subject,
        basedOn: [{ reference: 'ServiceRequest/sr' }],
        period: { start: '2025-01-15T09:00:00Z' },
      },
      {
        resourceType: 'ServiceRequest',
        id: 'sr',
        status: 'active',
        intent: 'order',
        category: [nd],
        subject,
        authoredOn: '2025-01-05',
      },
    ] as Resource[];
    const rows = deriveRows('trust-1', resources);
    expect(rows.pathwayWaits).toEqual([
      {
        id: rowId('fhir:trust-1/ServiceRequest/sr'),
        pathway: 'NEURODEVELOPMENTAL',
        referralDate: '2025-01-05',
        seenDate: '2025-02-01',
        source: 'fhir:trust-1/ServiceRequest/sr',
      },
    ]);
    // Appointments of a referral are not separate involvements.
    expect(rows.involvements).toEqual([]);
  });

  it('takes a waitlisted EpisodeOfCare as the referral, ended when the episode becomes active', () => {
    const episode = {
      resourceType: 'EpisodeOfCare',
      id: 'eoc',
      status: 'active',
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '308447003' }] }],
      patient: subject,
      statusHistory: [
        { status: 'waitlist', period: { start: '2025-01-10', end: '2025-04-01' } },
        { status: 'active', period: { start: '2025-04-01' } },
      ],
    } as Resource;
    expect(deriveRows('trust-1', [episode]).pathwayWaits).toMatchObject([
      { pathway: 'SPEECH_AND_LANGUAGE', referralDate: '2025-01-10', seenDate: '2025-04-01' },
    ]);
    const waiting = {
      ...episode,
      status: 'waitlist',
      statusHistory: [{ status: 'waitlist', period: { start: '2025-01-10' } }],
    } as Resource;
    expect(deriveRows('trust-1', [waiting]).pathwayWaits).toMatchObject([
      { referralDate: '2025-01-10', seenDate: null },
    ]);
  });

  it('drops refuted and entered-in-error diagnoses, revoked referrals and referrals for other services', () => {
    const snomed = {
      coding: [{ system: 'http://snomed.info/sct', code: '408856003', display: 'Autistic disorder' }],
    };
    const rows = deriveRows('trust-1', [
      {
        resourceType: 'Condition',
        id: 'c1',
        subject,
        code: snomed,
        verificationStatus: { coding: [{ code: 'refuted' }] },
      },
      {
        resourceType: 'Condition',
        id: 'c2',
        subject,
        code: snomed,
        verificationStatus: { coding: [{ code: 'entered-in-error' }] },
      },
      { resourceType: 'Condition', id: 'c3', subject, code: snomed, recordedDate: '2025-05-05T10:00:00Z' },
      {
        resourceType: 'ServiceRequest',
        id: 'sr1',
        status: 'revoked',
        intent: 'order',
        category: [nd],
        subject,
        authoredOn: '2025-01-05',
      },
      {
        resourceType: 'ServiceRequest',
        id: 'sr2',
        status: 'active',
        intent: 'order',
        code: { text: 'Physiotherapy' },
        subject,
        authoredOn: '2025-01-05',
      },
    ] as Resource[]);
    expect(rows.diagnoses).toMatchObject([{ description: 'Autistic disorder', diagnosedOn: '2025-05-05' }]);
    expect(rows.pathwayWaits).toEqual([]);
  });

  it('support while waiting hangs off the derived wait it is based on; none without a wait', () => {
    const support = (id: string, basedOn: string, extra: Record<string, unknown> = {}) => ({
      resourceType: 'ServiceRequest',
      id,
      status: 'completed',
      intent: 'order',
      category: [{ coding: [{ system: PATHWAY_CODE_SYSTEM, code: 'SUPPORT_WHILE_WAITING' }] }],
      code: { text: 'Sleep advice clinic' },
      subject,
      basedOn: [{ reference: `ServiceRequest/${basedOn}` }],
      authoredOn: '2025-02-10',
      performer: [{ display: 'Synthetic Parent Carer Forum' }],
      ...extra,
    });
    const rows = deriveRows('trust-1', [
      support('s1', 'sr'),
      {
        resourceType: 'ServiceRequest',
        id: 'sr',
        status: 'active',
        intent: 'order',
        category: [nd],
        subject,
        authoredOn: '2025-01-05',
      },
      support('s2', 'elsewhere'),
      support('s3', 'sr', { status: 'entered-in-error' }),
    ] as Resource[]);
    // The support request is not itself a wait.
    expect(rows.pathwayWaits.map((w) => w.source)).toEqual(['fhir:trust-1/ServiceRequest/sr']);
    expect(rows.supportWhileWaiting).toEqual([
      {
        id: rowId('fhir:trust-1/ServiceRequest/s1'),
        pathwayWaitId: rowId('fhir:trust-1/ServiceRequest/sr'),
        description: 'Sleep advice clinic',
        offeredBy: 'Synthetic Parent Carer Forum',
        offeredOn: '2025-02-10',
        source: 'fhir:trust-1/ServiceRequest/s1',
      },
    ]);
  });

  it('gives every source one stable row id (a re-sent resource lands on the same row)', () => {
    expect(rowId('fhir:trust-1/Condition/c1')).toBe(rowId('fhir:trust-1/Condition/c1'));
    expect(rowId('fhir:trust-1/Condition/c1')).not.toBe(rowId('fhir:trust-2/Condition/c1'));
    expect(rowId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
