import { BREAK_GLASS_REASON_MAX_LENGTH } from '@hub/policy';
import { describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import {
  AUDIT_EVENT_LIMITS,
  AuditInputError,
  buildAuditEvent,
  canonicalEvent,
  chainHash,
  GENESIS_HASH,
  normaliseAuditEventInput,
} from './event.ts';

const CHILD_A = TEST_CHILD_A;
const CHILD_B = TEST_CHILD_B;
const anInput = anAuditEventInput;

describe('normaliseAuditEventInput', () => {
  it('sorts and deduplicates lists and merges a child reported twice (lower-cased)', () => {
    const normal = normaliseAuditEventInput(
      anInput({
        fieldsReturned: ['HealthSection.diagnoses', 'Child.givenName', 'Child.givenName'],
        fieldsDenied: ['SocialCareSection.status:NO_CONSENT'],
        children: [
          { childId: CHILD_A.toUpperCase(), sections: ['HealthSection'] },
          { childId: CHILD_B, sections: [] },
          { childId: CHILD_A, sections: ['Child', 'HealthSection'] },
        ],
      }),
    );
    expect(normal.fieldsReturned).toEqual(['Child.givenName', 'HealthSection.diagnoses']);
    expect(normal.children).toEqual([
      { childId: CHILD_B, sections: [] },
      { childId: CHILD_A, sections: ['Child', 'HealthSection'] },
    ]);
    expect(normal).toMatchObject({
      errorCodes: [],
      breakGlass: false,
      breakGlassReason: null,
      clientIp: null,
    });
  });

  it('lists every problem at once', () => {
    try {
      normaliseAuditEventInput({
        ...anInput(),
        actor: { sub: 's', role: 'janitor', orgId: 'x' },
        outcome: 'maybe',
        children: [{ childId: 'child-1' }],
        extra: 1,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AuditInputError);
      const problems = (error as AuditInputError).problems.join('\n');
      expect(problems).toMatch(/actor\.role/);
      expect(problems).toMatch(/outcome/);
      expect(problems).toMatch(/children\.0\.childId: must be a UUID/);
      expect(problems).toMatch(/extra/);
    }
  });

  it('refuses a break-glass reason without the break-glass flag', () => {
    expect(() => normaliseAuditEventInput(anInput({ breakGlassReason: 'x'.repeat(30) }))).toThrow(
      /only allowed when breakGlass/,
    );
    expect(
      normaliseAuditEventInput(anInput({ breakGlass: true, breakGlassReason: 'Police welfare check' }))
        .breakGlass,
    ).toBe(true);
  });
});

describe('limits shared with writers', () => {
  it('an attempted event (write-ahead, before a mutation runs) is accepted', () => {
    expect(
      normaliseAuditEventInput(anInput({ outcome: 'attempted', operationType: 'mutation' })).outcome,
    ).toBe('attempted');
  });

  it('carries any break-glass reason the record accepts, and no longer one', () => {
    expect(AUDIT_EVENT_LIMITS.breakGlassReason).toBeGreaterThanOrEqual(BREAK_GLASS_REASON_MAX_LENGTH);
    const at = (length: number) =>
      anInput({ breakGlass: true, breakGlassReason: 'r'.repeat(length) }) as Parameters<
        typeof normaliseAuditEventInput
      >[0];
    expect(normaliseAuditEventInput(at(BREAK_GLASS_REASON_MAX_LENGTH)).breakGlassReason).toHaveLength(
      BREAK_GLASS_REASON_MAX_LENGTH,
    );
    expect(() => normaliseAuditEventInput(at(AUDIT_EVENT_LIMITS.breakGlassReason + 1))).toThrow(
      AuditInputError,
    );
  });
});

describe('chain hash', () => {
  const event = buildAuditEvent(normaliseAuditEventInput(anInput()), {
    seq: 1,
    occurredAt: new Date('2026-03-01T09:00:00.000Z'),
    eventId: '11111111-1111-4111-8111-111111111111',
  });

  it('is SHA-256 over the previous hash (hex) followed by the canonical event', async () => {
    const { createHash } = await import('node:crypto');
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}${canonicalEvent(event)}`)
      .digest('hex');
    expect(chainHash(GENESIS_HASH, event)).toBe(expected);
    expect(chainHash(GENESIS_HASH, event)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('covers every content field and the previous hash', () => {
    const base = chainHash(GENESIS_HASH, event);
    const variants = [
      { ...event, seq: 2 },
      { ...event, occurredAt: '2026-03-01T09:00:00.001Z' },
      { ...event, actor: { ...event.actor, orgId: 'school-2' } },
      { ...event, outcome: 'denied' as const },
      { ...event, fieldsReturned: [] },
      { ...event, breakGlass: true },
      { ...event, children: [{ childId: CHILD_A, sections: ['Child', 'HealthSection'] }] },
    ];
    for (const variant of variants) expect(chainHash(GENESIS_HASH, variant)).not.toBe(base);
    expect(chainHash('f'.repeat(64), event)).not.toBe(base);
  });

  it('does not hash properties outside the event model', () => {
    const withExtra = { ...event, note: 'x' } as typeof event;
    expect(chainHash(GENESIS_HASH, withExtra)).toBe(chainHash(GENESIS_HASH, event));
  });
});
