import { describe, expect, it } from 'vitest';
import { parseCinChild } from './parse.ts';

const REF = '2026-03-31';
const child = (ids: string, details: string) =>
  `<Child><ChildIdentifiers><LAchildID>C1</LAchildID>${ids}</ChildIdentifiers><CINdetails><CINreferralDate>2025-06-01</CINreferralDate>${details}</CINdetails></Child>`;

describe('CIN census parsing', () => {
  it('derives CHILD_PROTECTION from an open plan, CHILD_IN_NEED from an open referral, NONE when closed', () => {
    const cp = parseCinChild(
      child(
        '<PersonBirthDate>2015-01-01</PersonBirthDate><Sex>F</Sex>',
        '<ChildProtectionPlans><CPPstartDate>2025-07-01</CPPstartDate></ChildProtectionPlans>',
      ),
      0,
      REF,
    );
    expect(cp.ok && cp.child.status).toBe('CHILD_PROTECTION');
    const ended = parseCinChild(
      child(
        '<PersonBirthDate>2015-01-01</PersonBirthDate>',
        '<ChildProtectionPlans><CPPstartDate>2025-07-01</CPPstartDate><CPPendDate>2025-12-01</CPPendDate></ChildProtectionPlans>',
      ),
      0,
      REF,
    );
    expect(ended.ok && ended.child.status).toBe('CHILD_IN_NEED');
    const closed = parseCinChild(
      child(
        '<PersonBirthDate>2015-01-01</PersonBirthDate>',
        '<CINclosureDate>2026-01-01</CINclosureDate><ReasonForClosure>RC1</ReasonForClosure>',
      ),
      0,
      REF,
    );
    expect(closed.ok && closed.child.status).toBe('NONE');
  });

  it('reads GenderCurrent (to 2023-24) and Sex (2024-25 on), and a <ChildProtectionPlan> wrapper', () => {
    const legacy = parseCinChild(
      child('<PersonBirthDate>2015-01-01</PersonBirthDate><GenderCurrent>2</GenderCurrent>', ''),
      0,
      REF,
    );
    expect(legacy.ok && legacy.child.sex).toBe('female');
    const wrapped = parseCinChild(
      child(
        '<PersonBirthDate>2015-01-01</PersonBirthDate>',
        '<ChildProtectionPlans><ChildProtectionPlan><CPPstartDate>2025-07-01</CPPstartDate></ChildProtectionPlan></ChildProtectionPlans>',
      ),
      0,
      REF,
    );
    expect(wrapped.ok && wrapped.child.status).toBe('CHILD_PROTECTION');
  });

  it.each([
    ['<PersonBirthDate>2015-01-01</PersonBirthDate><GenderCurrent>7</GenderCurrent>', '', /GenderCurrent 7/],
    ['<PersonBirthDate>2015-02-30</PersonBirthDate>', '', /PersonBirthDate 2015-02-30 is not a date/],
    [
      '<PersonBirthDate>2015-01-01</PersonBirthDate>',
      '<CINclosureDate>2025-01-01</CINclosureDate>',
      /before the CINreferralDate/,
    ],
    [
      '<PersonBirthDate>2015-01-01</PersonBirthDate>',
      '<PrimaryNeedCode>X1</PrimaryNeedCode>',
      /PrimaryNeedCode X1/,
    ],
    ['<UPN>A123</UPN><PersonBirthDate>2015-01-01</PersonBirthDate>', '', /not a valid Unique Pupil Number/],
  ])('rejects a child with its reason: %s %s', (ids, details, reason) => {
    const r = parseCinChild(child(ids, details), 0, REF);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
