import type { SyntheticChild, SyntheticDataset, SyntheticOrg } from './types.ts';

/**
 * The synthetic data set written as the files agencies really send: a DfE Common Transfer File
 * (CTF) per school and a DfE Children in Need (CIN) census file per council. Pure and
 * deterministic (no clock): the same data set always gives the same bytes, so the fixtures
 * under packages/synthetic/fixtures can be regenerated and compared.
 */

/** Spec versions written: CTF 25.0 (academic year 2025/26), CIN census 2026. */
export const CTF_VERSION = '25.0';
export const CIN_YEAR = '2026';

/** DfE LA code of a synthetic council: 999 (la-1), 998 (la-2), … — none is a real LA. */
export function laCodeOf(councilId: string): string {
  const n = Number(/^la-(\d+)$/.exec(councilId)?.[1] ?? '1');
  return String(1000 - n);
}

/** DfE establishment number of a synthetic school: 2xxx primary, 4xxx secondary, 7xxx special. */
export function schoolDfeNumber(school: Pick<SyntheticOrg, 'id' | 'name' | 'councilIds'>): {
  laCode: string;
  estab: string;
} {
  const n = Number(/(\d+)$/.exec(school.id)?.[1] ?? '0');
  const phase = /Primary/.test(school.name) ? 2000 : /Secondary/.test(school.name) ? 4000 : 7000;
  return { laCode: laCodeOf(school.councilIds?.[0] ?? 'la-1'), estab: String(phase + n) };
}

const SEN_TYPES = ['ASD', 'SLCN', 'SEMH', 'SPLD', 'MLD', 'PD', 'HI', 'VI'] as const;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const childNumber = (c: SyntheticChild) => Number(c.familyName.replace(/\D/g, '')) || 0;
/** The synthetic children carry no sex; the files need one: alternate by child number. */
export const syntheticSex = (c: SyntheticChild): 'M' | 'F' => (childNumber(c) % 2 === 0 ? 'F' : 'M');

/** One <Pupil> as a school MIS writes it (CTF 17+ element names). */
export function ctfPupilXml(
  c: SyntheticChild,
  school: { laCode: string; estab: string; name: string },
): string {
  const provision =
    c.education.senStatus === 'EHC_PLAN' ? 'E' : c.education.senStatus === 'SEN_SUPPORT' ? 'K' : 'N';
  const firstProvision = [...c.education.provisions].sort((a, b) =>
    a.startDate.localeCompare(b.startDate),
  )[0];
  const senStart = firstProvision?.startDate ?? c.education.updatedAt.slice(0, 10);
  const needs =
    provision === 'N'
      ? ''
      : `\n        <SENneeds>\n          <SENneed>\n            <SENtypeRank>1</SENtypeRank>\n            <SENtype>${SEN_TYPES[childNumber(c) % SEN_TYPES.length]}</SENtype>\n          </SENneed>\n        </SENneeds>`;
  // 1,000 sessions so the section's one-decimal attendance percentage survives the trip exactly.
  const present = Math.round(c.education.attendancePercent * 10);
  const missed = 1000 - present;
  const authorised = Math.floor(missed / 2);
  return `    <Pupil>
      <UPN>${c.upn}</UPN>
      <Surname>${esc(c.familyName)}</Surname>
      <Forename>${esc(c.givenName)}</Forename>
      <DOB>${c.dateOfBirth}</DOB>
      <Sex>${syntheticSex(c)}</Sex>
      <SENhistory>
        <SEN>
          <StartDate>${senStart}</StartDate>
          <SENprovision>${provision}</SENprovision>
        </SEN>${needs}
      </SENhistory>
      <Attendance>
        <YearData>
          <Year>2025</Year>
          <LEA>${school.laCode}</LEA>
          <Estab>${school.estab}</Estab>
          <SchoolName>${esc(school.name)}</SchoolName>
          <SessionsPossible>1000</SessionsPossible>
          <SessionsAuthorised>${authorised}</SessionsAuthorised>
          <SessionsUnauthorised>${missed - authorised}</SessionsUnauthorised>
        </YearData>
      </Attendance>
    </Pupil>
`;
}

export function ctfHeaderXml(
  school: { laCode: string; estab: string; name: string },
  destLaCode: string,
  dateTime: string,
  version = CTF_VERSION,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>${version}</CTFversion>
    <DateTime>${dateTime}</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>Synthetic MIS</SupplierID>
    <SourceSchool>
      <LEA>${school.laCode}</LEA>
      <Estab>${school.estab}</Estab>
      <SchoolName>${esc(school.name)}</SchoolName>
      <AcademicYear>2025</AcademicYear>
    </SourceSchool>
    <DestSchool>
      <LEA>${destLaCode}</LEA>
      <Estab>LLLL</Estab>
    </DestSchool>
  </Header>
  <CTFpupilData>
`;
}
export const CTF_TAIL = '  </CTFpupilData>\n</CTfile>\n';

/** A school's CTF to its council: every synthetic child on its roll. */
export function buildSchoolCtf(dataset: SyntheticDataset, schoolId: string): string {
  const school = dataset.schools.find((s) => s.id === schoolId);
  if (!school) throw new Error(`no school ${schoolId}`);
  const dfe = { ...schoolDfeNumber(school), name: school.name };
  const pupils = dataset.children.filter((c) => c.schoolId === schoolId);
  return (
    ctfHeaderXml(dfe, dfe.laCode, `${dataset.referenceDate}T09:00:00`) +
    pupils.map((c) => ctfPupilXml(c, dfe)).join('') +
    CTF_TAIL
  );
}

/** One <Child> of the CIN census; null for children the census does not cover (early help, none). */
export function cinChildXml(c: SyntheticChild, referenceDate: string): string | null {
  const care = c.socialCare;
  if (!care || care.status === 'NONE' || care.status === 'EARLY_HELP') return null;
  const referral = care.updatedAt.slice(0, 10) < referenceDate ? care.updatedAt.slice(0, 10) : referenceDate;
  const cpp =
    care.status === 'CHILD_PROTECTION'
      ? `
        <ChildProtectionPlans>
          <CPPstartDate>${referral}</CPPstartDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>0</NumberOfPreviousCPP>
        </ChildProtectionPlans>`
      : '';
  return `    <Child>
      <ChildIdentifiers>
        <LAchildID>${c.laId}</LAchildID>
        <UPN>${c.upn}</UPN>
        <PersonBirthDate>${c.dateOfBirth}</PersonBirthDate>
        <Sex>${syntheticSex(c)}</Sex>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>REFU</Ethnicity>
        <Disabilities>
          <Disability>NONE</Disability>
        </Disabilities>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>${referral}</CINreferralDate>
        <ReferralSource>3A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <ReferralNFA>false</ReferralNFA>${cpp}
      </CINdetails>
    </Child>
`;
}

export function cinHeaderXml(
  laCode: string,
  dateTime: string,
  referenceDate: string,
  year = CIN_YEAR,
): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>${year}</Year>
      <ReferenceDate>${referenceDate}</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>${laCode}</LEA>
      <SoftwareCode>Synthetic case system</SoftwareCode>
      <Release>1.0</Release>
      <SerialNo>001</SerialNo>
      <DateTime>${dateTime}</DateTime>
    </Source>
    <Content>
      <CBDSLevels>
        <CBDSLevel>Child</CBDSLevel>
      </CBDSLevels>
    </Content>
  </Header>
  <Children>
`;
}
export const CIN_TAIL = '  </Children>\n</Message>\n';

/** A council's CIN census: its children in need (CIN, child protection, looked after). */
export function buildCouncilCin(dataset: SyntheticDataset, councilId: string): string {
  const children = dataset.children.filter((c) => (c.councilId ?? 'la-1') === councilId);
  return (
    cinHeaderXml(laCodeOf(councilId), `${dataset.referenceDate}T09:00:00`, dataset.referenceDate) +
    children.flatMap((c) => cinChildXml(c, dataset.referenceDate) ?? []).join('') +
    CIN_TAIL
  );
}

/** Every fixture file of a data set: `ctf-<school>.xml` and `cin-<council>.xml`. */
export function buildAgencyFiles(dataset: SyntheticDataset): Array<{ name: string; xml: string }> {
  const councils = (dataset as { councils?: SyntheticOrg[] }).councils ?? [dataset.localAuthority];
  return [
    ...dataset.schools.map((s) => ({ name: `ctf-${s.id}.xml`, xml: buildSchoolCtf(dataset, s.id) })),
    ...councils.map((c) => ({ name: `cin-${c.id}.xml`, xml: buildCouncilCin(dataset, c.id) })),
  ];
}
