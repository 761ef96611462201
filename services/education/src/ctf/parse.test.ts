import { syntheticUpn } from '@hub/identifiers';
import { describe, expect, it } from 'vitest';
import { ctfMajorVersion, parseCtfHeader, parseCtfPupil } from './parse.ts';

const pupil = (inner: string) =>
  `<Pupil><UPN>${syntheticUpn(7)}</UPN><Surname>Testchild-007</Surname><Forename>Golf</Forename><DOB>2015-03-04</DOB><Sex>F</Sex>${inner}</Pupil>`;
const TODAY = '2026-09-01';

describe('CTF parsing', () => {
  it('reads the header elements of the DfE specification', () => {
    const h = parseCtfHeader(
      '<CTfile><Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion><DateTime>2026-09-01T09:00:00</DateTime>' +
        '<SourceSchool><LEA>999</LEA><Estab>4003</Estab><URN>100003</URN><SchoolName>S &amp; T</SchoolName></SourceSchool>' +
        '<DestSchool><LEA>999</LEA><Estab>LLLL</Estab></DestSchool></Header><CTFpupilData>',
    );
    expect(h).toEqual({
      documentName: 'Common Transfer File',
      version: '25.0',
      dateTime: '2026-09-01T09:00:00',
      source: { lea: '999', estab: '4003', urn: '100003', name: 'S & T' },
      dest: { lea: '999', estab: 'LLLL' },
    });
    expect(ctfMajorVersion('24.0')).toBe(24);
    expect(ctfMajorVersion('twenty')).toBeNull();
  });

  it('refuses a DOCTYPE (no entity expansion) and a file that is not a CTF', () => {
    expect(() => parseCtfHeader('<!DOCTYPE x [<!ENTITY a "b">]><CTfile><Header/>')).toThrow(/DOCTYPE/);
    expect(() => parseCtfHeader('<Message><Header></Header>')).toThrow(/no <CTfile>/);
  });

  it('derives the SEN status from the latest SEN record and attendance from the latest year', () => {
    const r = parseCtfPupil(
      pupil(
        '<SENhistory><SEN><StartDate>2020-09-01</StartDate><SENprovision>K</SENprovision></SEN><SEN><StartDate>2024-01-10</StartDate><SENprovision>E</SENprovision></SEN>' +
          '<SENneeds><SENneed><SENtypeRank>2</SENtypeRank><SENtype>SLCN</SENtype></SENneed><SENneed><SENtypeRank>1</SENtypeRank><SENtype>ASD</SENtype></SENneed></SENneeds></SENhistory>' +
          '<Address><BS7666Address><PAON>1</PAON><Street>Synthetic Street</Street></BS7666Address><PostCode>zz99 9zz</PostCode></Address>' +
          '<Attendance><YearData><Year>2024</Year><SessionsPossible>300</SessionsPossible><SessionsAuthorised>0</SessionsAuthorised><SessionsUnauthorised>0</SessionsUnauthorised></YearData>' +
          '<YearData><Year>2025</Year><SessionsPossible>320</SessionsPossible><SessionsAuthorised>10</SessionsAuthorised><SessionsUnauthorised>6</SessionsUnauthorised></YearData></Attendance>',
      ),
      0,
      TODAY,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.pupil).toMatchObject({
      sex: 'female',
      postcode: 'ZZ99 9ZZ',
      senStatus: 'EHC_PLAN',
      attendancePercent: 95,
      needs: [
        { rank: 1, type: 'ASD' },
        { rank: 2, type: 'SLCN' },
      ],
    });
  });

  it.each([
    [
      '<SENhistory><SEN><StartDate>2030-01-01</StartDate><SENprovision>K</SENprovision></SEN></SENhistory>',
      /in the future/,
    ],
    [
      '<SENhistory><SENneeds><SENneed><SENtypeRank>1</SENtypeRank><SENtype>XYZ</SENtype></SENneed></SENneeds></SENhistory>',
      /not a DfE SEN type/,
    ],
    [
      '<Attendance><YearData><Year>2025</Year><SessionsPossible>10</SessionsPossible><SessionsAuthorised>8</SessionsAuthorised><SessionsUnauthorised>5</SessionsUnauthorised></YearData></Attendance>',
      /more sessions missed/,
    ],
    ['<Address><PostCode>NOT A POSTCODE</PostCode></Address>', /not a UK postcode/],
    ['<Unclosed>', /not well-formed/],
  ])('rejects a pupil with its reason: %s', (inner, reason) => {
    const r = parseCtfPupil(pupil(inner), 0, TODAY);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});
