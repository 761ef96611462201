import { describe, expect, it } from 'vitest';
import { decide } from './match.ts';
import {
  compareDates,
  compareFamilyNames,
  compareGivenNames,
  comparePostcodes,
  compareSex,
  editDistance,
  normaliseName,
  normalisePostcode,
  type Person,
  REVIEW_THRESHOLD,
  STRONG_THRESHOLD,
  scorePair,
  transposedDate,
} from './scoring.ts';
import type { SourceRecord } from './validate.ts';

describe('normalisation', () => {
  it.each([
    ['  Zoë  O\u2019Brien-Smith ', 'zoe o brien smith'],
    ['JOSÉ', 'jose'],
    ['Anne-Marie', 'anne marie'],
    ['Mary   Jane', 'mary jane'],
    ['Łukasz', 'łukasz'], // Ł has no decomposition: kept, lower-cased
    ['Ng.', 'ng'],
  ])('normaliseName(%j) = %j', (input, expected) => {
    expect(normaliseName(input)).toBe(expected);
  });

  it.each([
    ['sw1a 1aa', 'SW1A1AA'],
    [' M1  1AE ', 'M11AE'],
    ['B33 8TH', 'B338TH'],
    ['', null],
    ['ABC', null],
    [null, null],
  ])('normalisePostcode(%j) = %j', (input, expected) => {
    expect(normalisePostcode(input)).toBe(expected);
  });

  it.each([
    ['2015-03-07', '2015-07-03'],
    ['2015-07-03', '2015-03-07'],
    ['2015-03-03', null], // same day and month: nothing to swap
    ['2015-03-25', null], // 25 is no month
    ['2016-02-11', '2016-11-02'],
  ])('transposedDate(%j) = %j', (input, expected) => {
    expect(transposedDate(input)).toBe(expected);
  });

  it.each([
    ['smith', 'smith', 0],
    ['smith', 'smyth', 1],
    ['jones', 'jnoes', 1], // adjacent swap costs one
    ['katherine', 'catharine', 2],
    ['ab', 'abcdef', 4], // length difference beyond max=3: stops at max+1
  ])('editDistance(%j, %j) = %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
  });
});

describe('field comparisons (points)', () => {
  it.each([
    ['Oliver', 'oliver', 'agree', 25],
    ['Oliver James', 'Oliver', 'partial', 15], // first given name the same
    ['Bill', 'William', 'partial', 15], // nickname
    ['O', 'Oliver', 'partial', 15], // initial
    ['Olivre', 'Oliver', 'partial', 15], // one swap
    ['Amy', 'Ami', 'disagree', 0], // three letters: no typo allowance
    ['Oliver', 'Harry', 'disagree', 0],
  ])('given %j vs %j → %s %i', (a, b, outcome, points) => {
    expect(compareGivenNames(a, b)).toMatchObject({ outcome, points });
  });

  it.each([
    ['Smith', 'SMITH', 'agree', 25],
    ['Smith-Jones', 'Smith Jones', 'agree', 25],
    ['Smith-Jones', 'Jones', 'partial', 15],
    ['Smiht', 'Smith', 'partial', 15],
    ['Fitzgerald', 'Fitzgerlad', 'partial', 15], // swap, within 2 for 8+ letters
    ['Smith', 'Brown', 'disagree', 0],
  ])('family %j vs %j → %s %i', (a, b, outcome, points) => {
    expect(compareFamilyNames(a, b)).toMatchObject({ outcome, points });
  });

  it.each([
    ['2015-03-07', '2015-03-07', 'agree', 30],
    ['2015-03-07', '2015-07-03', 'partial', 15],
    ['2015-03-07', '2015-03-08', 'disagree', 0],
  ])('dates %s vs %s → %s %i', (a, b, outcome, points) => {
    expect(compareDates(a, b)).toMatchObject({ outcome, points });
  });

  it.each([
    ['male', 'male', 'agree', 5],
    ['male', 'female', 'disagree', -10],
    ['male', 'unknown', 'unknown', 0],
    [null, 'female', 'unknown', 0],
  ] as const)('sex %s vs %s → %s %i', (a, b, outcome, points) => {
    expect(compareSex(a, b)).toMatchObject({ outcome, points });
  });

  it.each([
    ['sw1a 1aa', 'SW1A1AA', 'agree', 15],
    ['SW1A 2AB', 'SW1A 1AA', 'partial', 5],
    ['M1 1AE', 'SW1A 1AA', 'disagree', 0],
    [null, 'SW1A 1AA', 'unknown', 0],
  ])('postcode %j vs %j → %s %i', (a, b, outcome, points) => {
    expect(comparePostcodes(a, b)).toMatchObject({ outcome, points });
  });
});

const child: Person = {
  givenName: 'Oliver',
  familyName: 'Smith',
  dateOfBirth: '2015-03-07',
  sex: 'male',
  postcode: 'SW1A 1AA',
  nhsNumber: '9434765919',
  upn: null,
};

describe('scorePair: hand-worked totals', () => {
  it.each<[string, Partial<Person>, number]>([
    // 25 + 25 + 30 + 5 + 15 + 20 (same NHS number) = 120 → clamped to 100
    ['everything equal', {}, 100],
    // name typo 15 + 25 + 30 + 0 (sex unknown) + 15, no NHS number on the source = 85: review
    [
      'near duplicate (typo, same DOB and postcode, no identifier)',
      { givenName: 'Oliver', familyName: 'Smiht', sex: null, nhsNumber: null },
      85,
    ],
    // twin: given name differs 0 + 25 + 30 + 5 + 15 − 30 (different NHS numbers) = 45: not a candidate
    ['twin with another NHS number', { givenName: 'Harry', nhsNumber: '9434765870' }, 45],
    // twin without identifiers: 0 + 25 + 30 + 5 + 15 = 75: review (a person tells twins apart)
    ['twin without identifiers', { givenName: 'Harry', nhsNumber: null }, 75],
    // transposed DOB: 25 + 25 + 15 + 5 + 15 = 85
    ['day and month swapped', { dateOfBirth: '2015-07-03', nhsNumber: null }, 85],
    // same DOB and given name only: 25 + 0 + 30 + 0 + 0 = 55: below review
    [
      'same first name and birthday only',
      { familyName: 'Brown', postcode: 'M1 1AE', sex: null, nhsNumber: null },
      55,
    ],
    // different sex subtracts: 25 + 25 + 30 − 10 + 15 = 85
    ['sex recorded differently', { sex: 'female', nhsNumber: null }, 85],
  ])('%s → %i', (_name, change, expected) => {
    expect(scorePair({ ...child, ...change }, child).score).toBe(expected);
  });

  it('thresholds are what the README says', () => {
    expect([REVIEW_THRESHOLD, STRONG_THRESHOLD]).toEqual([60, 80]);
  });
});

describe('decide: the linking rules', () => {
  const A = { id: '00000000-0000-4000-8000-00000000000a', ...child, upn: 'A123456789012' };
  const B = {
    id: '00000000-0000-4000-8000-00000000000b',
    givenName: 'Amelia',
    familyName: 'Jones',
    dateOfBirth: '2014-01-02',
    nhsNumber: null,
    upn: null,
  };
  const source = (change: Partial<SourceRecord>): SourceRecord => ({
    system: 'fhir:trust-1',
    sourceId: 'p1',
    nhsNumber: null,
    nhsNumberVerified: false,
    upn: null,
    laChildId: null,
    givenName: 'Oliver',
    familyName: 'Smith',
    dateOfBirth: '2015-03-07',
    sex: null,
    postcode: null,
    ...change,
  });

  it('verified NHS number + same DOB → linked, even with a different name spelling', () => {
    const d = decide(source({ nhsNumber: '9434765919', nhsNumberVerified: true, givenName: 'Olly' }), [A, B]);
    expect(d).toMatchObject({ status: 'linked', childId: A.id });
  });
  it('unverified NHS number + same DOB → review, never linked', () => {
    const d = decide(source({ nhsNumber: '9434765919', nhsNumberVerified: false }), [A]);
    expect(d.status).toBe('pending_review');
    expect(d.candidates[0]).toMatchObject({ childId: A.id, score: 100 });
  });
  it('verified NHS number + different DOB → conflict', () => {
    const d = decide(
      source({ nhsNumber: '9434765919', nhsNumberVerified: true, dateOfBirth: '2015-03-08' }),
      [A],
    );
    expect(d).toMatchObject({ status: 'conflict', conflict: 'identifier', childId: null });
    expect(d.candidates.map((c) => c.childId)).toEqual([A.id]);
  });
  it('NHS number names A while name and DOB match C strongly → conflict', () => {
    const C = {
      ...B,
      id: '00000000-0000-4000-8000-00000000000c',
      givenName: 'Oliver',
      familyName: 'Smith',
      dateOfBirth: '2015-03-07',
    };
    const Aelsewhere = { ...A, givenName: 'Noah', familyName: 'Green' };
    const d = decide(source({ nhsNumber: '9434765919', nhsNumberVerified: true }), [Aelsewhere, C]);
    expect(d).toMatchObject({ status: 'conflict', conflict: 'rival' });
    expect(d.reason).toMatch(/another child strongly/);
  });
  it('permanent UPN + same DOB → linked; UPN of A with NHS number of B → conflict', () => {
    expect(decide(source({ upn: 'A123456789012' }), [A])).toMatchObject({ status: 'linked', childId: A.id });
    const Bnhs = { ...B, nhsNumber: '9434765870', dateOfBirth: '2015-03-07' };
    expect(
      decide(source({ upn: 'A123456789012', nhsNumber: '9434765870', nhsNumberVerified: true }), [A, Bnhs])
        .status,
    ).toBe('conflict');
  });
  it('no identifier: near duplicate → review with the candidate; nobody close → review with none', () => {
    const near = decide(source({ familyName: 'Smiht', postcode: 'SW1A1AA' }), [A, B]);
    expect(near).toMatchObject({ status: 'pending_review', childId: null });
    expect(near.candidates.map((c) => c.childId)).toEqual([A.id]);
    const none = decide(source({ givenName: 'Zara', familyName: 'Quinn' }), [A, B]);
    expect(none).toMatchObject({ status: 'pending_review', candidates: [] });
  });
  it('is deterministic: the same input gives the same decision and candidate order', () => {
    const twin = { ...A, id: '00000000-0000-4000-8000-000000000001', nhsNumber: null, upn: null };
    const a = decide(source({ postcode: 'SW1A1AA' }), [A, twin]);
    const b = decide(source({ postcode: 'SW1A1AA' }), [twin, A]);
    expect(a).toEqual(b);
  });
});
