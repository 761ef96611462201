import { describe, expect, it } from 'vitest';
import { aBreakGlass, aPrincipal, someFacts } from './builders.ts';
import {
  activeBreakGlass,
  BREAK_GLASS_REASON_MAX_LENGTH,
  hasRelationship,
  normaliseFreeText,
  validateBreakGlassRequest,
  visibleLength,
} from './relationship.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('hasRelationship', () => {
  it('each partner through its own kind of active relationship with its own organisation', () => {
    const facts = someFacts();
    for (const role of ['senco', 'health_practitioner', 'social_worker', 'la_send_officer'] as const) {
      expect(hasRelationship(aPrincipal({ role }), facts, NOW)).toBe(true);
      expect(hasRelationship(aPrincipal({ role, orgId: 'elsewhere-2' }), facts, NOW)).toBe(false);
    }
  });

  it('not through an inactive relationship', () => {
    const facts = someFacts({ relationships: [{ orgId: 'school-1', kind: 'on_roll', active: false }] });
    expect(hasRelationship(aPrincipal({ role: 'senco' }), facts, NOW)).toBe(false);
  });

  it('not through the wrong kind of relationship', () => {
    // A health org recorded as la_responsible (a data error) gives its practitioners nothing.
    const facts = someFacts({ relationships: [{ orgId: 'icb-1', kind: 'la_responsible', active: true }] });
    expect(hasRelationship(aPrincipal({ role: 'health_practitioner' }), facts, NOW)).toBe(false);
  });

  it('a social worker through an involvement as well as an allocation', () => {
    const facts = someFacts({ relationships: [{ orgId: 'sc-1', kind: 'involvement', active: true }] });
    expect(hasRelationship(aPrincipal({ role: 'social_worker' }), facts, NOW)).toBe(true);
  });

  // Turns 16 on NOW's date (2026-03-01) but is of compulsory school age until the end of Friday
  // 26 June 2026 in England (23:00 UTC, BST): the young person decides from Saturday 27 June.
  const LAST_MOMENT = new Date('2026-06-26T22:59:59Z');
  const HANDOVER = new Date('2026-06-26T23:00:00Z');

  it('parent carer: of compulsory school age; afterwards only if the young person agreed', () => {
    const parent = aPrincipal({ role: 'parent_carer' });
    const turns16Today = someFacts({ dateOfBirth: '2010-03-01' });
    expect(hasRelationship(parent, turns16Today, new Date('2026-02-28T23:59:59Z'))).toBe(true);
    expect(hasRelationship(parent, turns16Today, NOW)).toBe(true);
    expect(hasRelationship(parent, turns16Today, LAST_MOMENT)).toBe(true);
    expect(hasRelationship(parent, turns16Today, HANDOVER)).toBe(false);
    expect(
      hasRelationship(parent, { ...turns16Today, parentAccessConfirmedByYoungPerson: true }, HANDOVER),
    ).toBe(true);
    // Nobody locked out: until the young person's login is set up the parent carer keeps reading.
    expect(hasRelationship(parent, { ...turns16Today, youngPersonSub: null }, HANDOVER)).toBe(true);
    expect(
      hasRelationship(aPrincipal({ role: 'parent_carer', sub: 'demo-parent-9' }), someFacts(), NOW),
    ).toBe(false);
  });

  it('young person: their own login, from the day after the end of compulsory school age', () => {
    const youngPerson = aPrincipal({ role: 'young_person' });
    const turns16Today = someFacts({ dateOfBirth: '2010-03-01' });
    expect(hasRelationship(youngPerson, turns16Today, new Date('2026-02-28T23:59:59Z'))).toBe(false);
    expect(hasRelationship(youngPerson, turns16Today, NOW)).toBe(false);
    expect(hasRelationship(youngPerson, turns16Today, LAST_MOMENT)).toBe(false);
    expect(hasRelationship(youngPerson, turns16Today, HANDOVER)).toBe(true);
    expect(hasRelationship(youngPerson, { ...turns16Today, youngPersonSub: null }, HANDOVER)).toBe(false);
  });

  it('auditor: never', () => {
    expect(hasRelationship(aPrincipal({ role: 'auditor' }), someFacts(), NOW)).toBe(false);
  });

  it('nobody whose role and org type disagree', () => {
    expect(hasRelationship(aPrincipal({ role: 'senco', orgType: 'health' }), someFacts(), NOW)).toBe(false);
  });
});

describe('activeBreakGlass', () => {
  const socialWorker = aPrincipal({ role: 'social_worker' });

  it('in force from startsAt until (not including) expiresAt', () => {
    const facts = someFacts({ breakGlass: [aBreakGlass()] }); // 09:00–13:00
    expect(activeBreakGlass(socialWorker, facts, NOW)).not.toBeNull();
    expect(activeBreakGlass(socialWorker, facts, new Date('2026-03-01T09:00:00Z'))).not.toBeNull();
    expect(activeBreakGlass(socialWorker, facts, new Date('2026-03-01T08:59:59Z'))).toBeNull();
    expect(activeBreakGlass(socialWorker, facts, new Date('2026-03-01T13:00:00Z'))).toBeNull();
  });

  it('ignores an entry longer than 24 hours; exactly 24 hours is fine', () => {
    const long = aBreakGlass({ startsAt: '2026-03-01T00:00:00Z', expiresAt: '2026-03-02T00:00:01Z' });
    const day = aBreakGlass({ startsAt: '2026-03-01T00:00:00Z', expiresAt: '2026-03-02T00:00:00Z' });
    expect(activeBreakGlass(socialWorker, someFacts({ breakGlass: [long] }), NOW)).toBeNull();
    expect(activeBreakGlass(socialWorker, someFacts({ breakGlass: [day] }), NOW)).not.toBeNull();
  });

  it("ignores someone else's entry, a role that may not break glass, and a token reason", () => {
    expect(
      activeBreakGlass(socialWorker, someFacts({ breakGlass: [aBreakGlass({ sub: 'x' })] }), NOW),
    ).toBeNull();
    const senco = aPrincipal({ role: 'senco' });
    expect(
      activeBreakGlass(senco, someFacts({ breakGlass: [aBreakGlass({ sub: senco.sub })] }), NOW),
    ).toBeNull();
    const lazy = aBreakGlass({ reason: 'urgent' });
    expect(activeBreakGlass(socialWorker, someFacts({ breakGlass: [lazy] }), NOW)).toBeNull();
  });

  it('works for an LA SEND officer', () => {
    const officer = aPrincipal({ role: 'la_send_officer' });
    const facts = someFacts({ breakGlass: [aBreakGlass({ sub: officer.sub })] });
    expect(activeBreakGlass(officer, facts, NOW)).not.toBeNull();
  });
});

describe('validateBreakGlassRequest', () => {
  const reason = 'Disclosure at school today; need health history for the strategy discussion';

  it('accepts a social worker or LA SEND officer with a reason, for up to 24 hours', () => {
    expect(validateBreakGlassRequest({ role: 'social_worker', reason, durationHours: 4 })).toEqual([]);
    expect(validateBreakGlassRequest({ role: 'la_send_officer', reason, durationHours: 24 })).toEqual([]);
  });

  it('refuses every other role', () => {
    for (const role of ['senco', 'health_practitioner', 'parent_carer', 'young_person', 'auditor'] as const) {
      expect(validateBreakGlassRequest({ role, reason, durationHours: 1 })).toHaveLength(1);
    }
  });

  it('wants a reason of at least 20 characters, not counting surrounding spaces', () => {
    expect(
      validateBreakGlassRequest({ role: 'social_worker', reason: 'x'.repeat(20), durationHours: 1 }),
    ).toEqual([]);
    const padded = `   ${'x'.repeat(19)}          `;
    expect(validateBreakGlassRequest({ role: 'social_worker', reason: padded, durationHours: 1 })).toEqual([
      'Reason must be at least 20 characters, not counting spaces or invisible characters.',
    ]);
  });

  it('does not count whitespace or invisible characters: a reason must be visible', () => {
    const invisible = [
      ' '.repeat(40),
      '\u200B'.repeat(40),
      '\u200C\u200D\u2060\uFEFF'.repeat(10),
      '\u00A0\u2003\u3000\u2028\u2029\t\n'.repeat(6),
      '\u00AD\u061C\u200E\u200F\u202A\u202E\u2066\u{E0041}'.repeat(5),
      '\u3164\u115F\u1160\uFFA0\u2800'.repeat(8),
    ];
    for (const reason of invisible) {
      expect(validateBreakGlassRequest({ role: 'social_worker', reason, durationHours: 1 })).toHaveLength(1);
      expect(visibleLength(reason)).toBe(0);
    }
    // 19 visible characters padded to 60 code units with zero-width spaces between them.
    const stuffed = 'x'.repeat(19).split('').join('\u200B\u200B');
    expect(
      validateBreakGlassRequest({ role: 'social_worker', reason: stuffed, durationHours: 1 }),
    ).toHaveLength(1);
    // Inner spaces count once: an ordinary sentence of 20 characters is a reason.
    expect(visibleLength('Disclosure at school')).toBe(20);
    expect(visibleLength('Disclosure   at\u200B school\n')).toBe(20);
    expect(
      validateBreakGlassRequest({ role: 'social_worker', reason: 'Disclosure at school', durationHours: 1 }),
    ).toEqual([]);
    // Decomposed accents count as the one character a person sees (NFC).
    expect(visibleLength('e\u0301'.repeat(20))).toBe(20);
  });

  it(`caps a reason at BREAK_GLASS_REASON_MAX_LENGTH (${BREAK_GLASS_REASON_MAX_LENGTH}), the audit store's bound`, () => {
    const longest = 'y'.repeat(BREAK_GLASS_REASON_MAX_LENGTH);
    expect(
      validateBreakGlassRequest({ role: 'social_worker', reason: `  ${longest}  `, durationHours: 1 }),
    ).toEqual([]);
    expect(
      validateBreakGlassRequest({ role: 'social_worker', reason: `${longest}z`, durationHours: 1 }),
    ).toEqual([`Reason must be at most ${BREAK_GLASS_REASON_MAX_LENGTH} characters.`]);
    expect(normaliseFreeText(' e\u0301 ')).toBe('\u00E9');
  });

  it('wants a duration in (0, 24] hours', () => {
    for (const durationHours of [0, -1, 24.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(validateBreakGlassRequest({ role: 'social_worker', reason, durationHours })).toHaveLength(1);
    }
    expect(validateBreakGlassRequest({ role: 'social_worker', reason, durationHours: 0.5 })).toEqual([]);
  });

  it('lists every problem at once', () => {
    expect(validateBreakGlassRequest({ role: 'senco', reason: ' ', durationHours: 48 })).toHaveLength(3);
  });
});
