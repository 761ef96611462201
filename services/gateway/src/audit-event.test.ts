import { randomUUID } from 'node:crypto';
import { type AuditEventInput, normaliseAuditEventInput } from '@hub/audit';
import { describe, expect, it } from 'vitest';
import { describeRequest, SUMMARY_LIMITS, summariseAuditEvent, truncationMarker } from './audit-event.ts';

const CHILD_A = '7b0c2a52-5c8e-4f51-9d8e-1f2a3b4c5d6e';
const CHILD_B = '0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b';

describe('describeRequest: what a request asks for, read before anything runs', () => {
  it('a mutation, with the children named in literal and variable arguments, inside input objects', () => {
    const described = describeRequest({
      query: `mutation Grant($input: GrantConsentInput!, $other: ID!) {
        grantConsent(input: $input) { id }
        setParentCarerAccess(childId: $other, allowed: false) { allowed }
        literal: grantConsent(input: { childId: "${CHILD_A.toUpperCase()}", domain: education }) { id }
      }`,
      variables: { input: { childId: CHILD_A, domain: 'health' }, other: CHILD_B },
    });
    expect(described).toMatchObject({
      operationType: 'mutation',
      operationName: 'Grant:grantConsent,setParentCarerAccess',
      breakGlass: false,
    });
    expect(described.childIds.toSorted()).toEqual([CHILD_A, CHILD_B].toSorted());
  });

  it('child(id:), childIds lists, fragments; only well-formed UUIDs count', () => {
    const described = describeRequest({
      query: `query Q($ids: [ID!]) { child(id: "${CHILD_A}") { ...F } other: child(id: "not-a-uuid") { id } }
        fragment F on Child { id sections(childIds: $ids) }`,
      variables: { ids: [CHILD_B, 'x'] },
    });
    expect(described.operationType).toBe('query');
    expect(described.childIds.toSorted()).toEqual([CHILD_A, CHILD_B].toSorted());
  });

  it('openBreakGlass: the reason as the record will store it (NFC, trimmed); unparseable requests never execute', () => {
    expect(
      describeRequest({
        query: 'mutation ($r: String!) { openBreakGlass(childId: "x", reason: $r, durationHours: 1) { id } }',
        variables: { r: '  Synthetic concern  ' },
      }),
    ).toMatchObject({ operationType: 'mutation', breakGlass: true, breakGlassReason: 'Synthetic concern' });
    expect(describeRequest({ query: 'mutation { grantConsent(' }).operationType).toBe('unknown');
    expect(describeRequest({ query: 'query A { a } mutation B { b }' }).operationType).toBe('unknown');
    expect(
      describeRequest({ query: 'query A { a } mutation B { b }', operationName: 'B' }).operationType,
    ).toBe('mutation');
    // Over the gateway's token limit: mercurius will not parse it, so it never runs (and it is
    // not parsed in full here).
    const long = `mutation { ${'a '.repeat(100)} }`;
    expect(describeRequest({ query: long }, 50).operationType).toBe('unknown');
    expect(describeRequest({ query: long }, 500).operationType).toBe('mutation');
    // A batch that writes is a write.
    expect(describeRequest([{ query: '{ a }' }, { query: 'mutation { b }' }]).operationType).toBe('mutation');
  });
});

describe('summariseAuditEvent: summarise, never drop', () => {
  const huge = (): AuditEventInput => ({
    requestId: 'r'.repeat(500),
    actor: { sub: 'demo-la-1', role: 'la_send_officer', orgId: 'la-1' },
    purpose: null,
    operationName: 'Big:children',
    operationType: 'query',
    outcome: 'denied',
    errorCodes: [
      ...Array.from({ length: 5000 }, () => 'FORBIDDEN_FIELD'),
      ...Array.from({ length: 300 }, (_, i) => `CODE_${i}`),
    ],
    fieldsReturned: Array.from({ length: 20_000 }, (_, i) => `Child.field${i % 12_000}`),
    fieldsDenied: Array.from({ length: 20_000 }, (_, i) => `HealthSection.f${i}:NO_CONSENT`),
    breakGlass: false,
    breakGlassReason: null,
    clientIp: '127.0.0.1',
    children: Array.from({ length: 12_000 }, () => ({
      childId: randomUUID(),
      sections: Array.from({ length: 40 }, (_, i) => `Section${i}`),
    })),
  });

  it('an event far over every bound of the store is summarised to one the store accepts, under its body limit', () => {
    const original = huge();
    // The store refuses the raw event (what happened before: a 503 and no event at all).
    expect(() => normaliseAuditEventInput(original)).toThrow(/errorCodes|fieldsReturned|children/);
    const summary = summariseAuditEvent(original);
    expect(() => normaliseAuditEventInput(summary)).not.toThrow();
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(SUMMARY_LIMITS.bytes);
    // Counted, not repeated; the rest marked with how many were left out.
    expect(summary.errorCodes).toContain('FORBIDDEN_FIELD');
    expect(summary.errorCodes).toContain('FORBIDDEN_FIELD:count=5000');
    expect(summary.errorCodes).toContain(`AUDIT_TRUNCATED:children=${12_000 - SUMMARY_LIMITS.children}`);
    expect(summary.errorCodes!.some((c) => c.startsWith('… ') && c.endsWith('more (truncated)'))).toBe(true);
    expect(summary.fieldsReturned).toHaveLength(SUMMARY_LIMITS.fields);
    expect(summary.fieldsReturned!.at(-1)).toBe(truncationMarker(12_000 - (SUMMARY_LIMITS.fields - 1)));
    expect(summary.fieldsDenied!.at(-1)).toBe(truncationMarker(20_000 - (SUMMARY_LIMITS.fields - 1)));
    expect(summary.children).toHaveLength(SUMMARY_LIMITS.children);
    expect(summary.children![0]!.sections).toHaveLength(SUMMARY_LIMITS.sectionsPerChild);
    expect(summary.children![0]!.sections.at(-1)).toBe(
      truncationMarker(40 - (SUMMARY_LIMITS.sectionsPerChild - 1)),
    );
    expect(summary.requestId.length).toBeLessThanOrEqual(200);
    expect(summary.outcome).toBe('denied');
  });

  it('a small event is left as it was (lists only deduplicated)', () => {
    const small: AuditEventInput = {
      ...huge(),
      requestId: 'r-1',
      errorCodes: ['FORBIDDEN_FIELD'],
      fieldsReturned: ['Child.givenName', 'Child.givenName'],
      fieldsDenied: [],
      children: [{ childId: CHILD_A, sections: ['Child'] }],
    };
    expect(summariseAuditEvent(small)).toMatchObject({
      requestId: 'r-1',
      errorCodes: ['FORBIDDEN_FIELD'],
      fieldsReturned: ['Child.givenName'],
      children: [{ childId: CHILD_A, sections: ['Child'] }],
    });
  });
});
