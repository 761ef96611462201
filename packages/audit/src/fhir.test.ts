import { describe, expect, it } from 'vitest';
import { anAuditEventInput as anInput } from './builders.ts';
import {
  buildAuditEvent,
  chainHash,
  GENESIS_HASH,
  normaliseAuditEventInput,
  type StoredAuditEvent,
} from './event.ts';
import { toFhirAuditEvent, toFhirNdjsonLine, toNdjsonLine } from './fhir.ts';

const CHILD = '6f1c2a4e-8b1d-4c5e-9a7f-1b2c3d4e5f60';

function stored(overrides: Parameters<typeof anInput>[0] = {}): StoredAuditEvent {
  const event = buildAuditEvent(normaliseAuditEventInput(anInput(overrides)), {
    seq: 7,
    occurredAt: new Date('2026-03-01T09:00:00.000Z'),
    eventId: '11111111-1111-4111-8111-111111111111',
  });
  return {
    ...event,
    childIds: event.children.map((c) => c.childId),
    prevHash: GENESIS_HASH,
    hash: chainHash(GENESIS_HASH, event),
  };
}

describe('toFhirAuditEvent', () => {
  it('maps a successful read with agent, organisation, purpose and one entity per child', () => {
    const fhir = toFhirAuditEvent(
      stored({ children: [{ childId: CHILD, sections: ['Child', 'HealthSection'] }], clientIp: '10.0.0.1' }),
    ) as Record<string, any>;
    expect(fhir).toMatchObject({
      resourceType: 'AuditEvent',
      id: '11111111-1111-4111-8111-111111111111',
      type: { code: 'rest' },
      subtype: [{ code: 'query', display: 'ChildRecord' }],
      action: 'R',
      recorded: '2026-03-01T09:00:00.000Z',
      outcome: '0',
      purposeOfEvent: [{ coding: [{ system: 'urn:tell-it-once:purpose', code: 'ehc_assessment' }] }],
    });
    expect(fhir.meta).toBeUndefined();
    expect(fhir.agent[0]).toMatchObject({
      requestor: true,
      role: [{ coding: [{ code: 'senco' }] }],
      who: { identifier: { value: 'demo-senco-1' } },
      network: { address: '10.0.0.1', type: '2' },
    });
    expect(fhir.agent[1]).toMatchObject({ requestor: false, who: { identifier: { value: 'school-1' } } });
    expect(fhir.entity[0]).toMatchObject({
      what: { identifier: { system: 'urn:tell-it-once:child', value: CHILD } },
      detail: [{ type: 'sections', valueString: 'Child HealthSection' }],
    });
    expect(fhir.entity[1].detail).toEqual(
      expect.arrayContaining([
        { type: 'seq', valueString: '7' },
        { type: 'fieldsReturned', valueString: 'Child.givenName' },
      ]),
    );
  });

  it('flags break-glass as a security label and a purpose of use, with the reason', () => {
    const fhir = toFhirAuditEvent(
      stored({ breakGlass: true, breakGlassReason: 'Police welfare check before strategy meeting' }),
    ) as Record<string, any>;
    expect(fhir.meta.security).toEqual([expect.objectContaining({ code: 'BTG' })]);
    expect(fhir.agent[0].purposeOfUse).toContainEqual({
      coding: [expect.objectContaining({ code: 'BTG' })],
      text: 'Police welfare check before strategy meeting',
    });
  });

  it('maps denied and failed outcomes, mutations and an unauthenticated caller', () => {
    const denied = toFhirAuditEvent(
      stored({ outcome: 'denied', errorCodes: ['FORBIDDEN_FIELD'], operationType: 'mutation' }),
    ) as Record<string, any>;
    expect(denied).toMatchObject({ outcome: '4', outcomeDesc: 'denied: FORBIDDEN_FIELD', action: 'E' });
    const anonymous = toFhirAuditEvent(
      stored({
        actor: { sub: null, role: null, orgId: null },
        outcome: 'error',
        purpose: null,
        children: [],
      }),
    ) as Record<string, any>;
    expect(anonymous.outcome).toBe('8');
    expect(anonymous.agent).toHaveLength(1);
    expect(anonymous.agent[0].who).toEqual({ display: 'unauthenticated caller' });
    expect(anonymous.entity).toHaveLength(1);
    const exported = toFhirAuditEvent(stored({ operationType: 'export' })) as Record<string, any>;
    expect(exported.type).toMatchObject({ code: '110106', display: 'Export' });
  });

  it('maps a write-ahead attempt with no outcome code (R4 outcome is optional) and says the outcome follows', () => {
    const attempt = toFhirAuditEvent(
      stored({ outcome: 'attempted', operationType: 'mutation', requestId: 'req-42' }),
    ) as Record<string, any>;
    expect(attempt).not.toHaveProperty('outcome');
    expect(attempt).toMatchObject({
      action: 'E',
      outcomeDesc: 'attempted: the outcome follows in the event with request id req-42',
    });
  });

  it('writes one JSON document per line', () => {
    const event = stored();
    for (const line of [toNdjsonLine(event), toFhirNdjsonLine(event)]) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(JSON.parse(line)).toBeTypeOf('object');
    }
    expect(JSON.parse(toNdjsonLine(event))).toMatchObject({ seq: 7, hash: event.hash, childIds: [CHILD] });
  });
});
