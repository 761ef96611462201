import { describe, expect, it } from 'vitest';
import { anAuditEventInput, TEST_CHILD_A, TEST_CHILD_B } from './builders.ts';
import { buildAuditEvent, chainHash, GENESIS_HASH, normaliseAuditEventInput } from './event.ts';
import { FAST_CHAIN_HASH, fastChainHash } from './fast-hash.ts';

describe('fastChainHash', () => {
  it('is in use, and gives exactly chainHash for varied events', () => {
    expect(FAST_CHAIN_HASH).toBe(true);
    const texts = [
      '',
      'plain',
      '"quotes" and \\ backslash',
      'line\nbreak\t',
      '\u2028\u2029',
      'é 😀 中文',
      '</script>',
    ];
    let prev = GENESIS_HASH;
    for (let i = 0; i < 200; i++) {
      const text = texts[i % texts.length]!;
      const event = buildAuditEvent(
        normaliseAuditEventInput(
          anAuditEventInput({
            requestId: `r-${i}-${text || 'x'}`,
            actor:
              i % 5
                ? { sub: `sub ${text}`, role: 'senco', orgId: `org-${i}` }
                : { sub: null, role: null, orgId: null },
            purpose: i % 3 ? 'ehc_assessment' : null,
            operationName: i % 4 ? `Op${text}:child` : null,
            outcome: (['ok', 'denied', 'error'] as const)[i % 3]!,
            errorCodes: i % 2 ? ['FORBIDDEN', `X${i}`] : [],
            fieldsReturned: [`Child.f${i}`, 'Child.givenName'],
            fieldsDenied: i % 2 ? [`HealthSection.d:NO_CONSENT${text}`] : [],
            breakGlass: i % 7 === 0,
            breakGlassReason: i % 7 === 0 ? `Reason ${text}` : null,
            clientIp: i % 2 ? '10.0.0.1' : null,
            children:
              i % 6 === 0
                ? []
                : [
                    { childId: TEST_CHILD_B, sections: ['HealthSection', 'Child'] },
                    { childId: TEST_CHILD_A, sections: i % 2 ? [] : ['Child'] },
                  ],
          }),
        ),
        { seq: i + 1, occurredAt: new Date(1_700_000_000_000 + i * 1234) },
      );
      const expected = chainHash(prev, event);
      expect(fastChainHash(prev, event)).toBe(expected);
      prev = expected;
    }
  });

  it('falls back to chainHash for any other format', () => {
    const event = {
      ...buildAuditEvent(normaliseAuditEventInput(anAuditEventInput()), { seq: 1, occurredAt: new Date(0) }),
      format: 2,
    };
    expect(fastChainHash(GENESIS_HASH, event)).toBe(chainHash(GENESIS_HASH, event));
  });
});
