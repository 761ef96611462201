// FHIR R4 bundles as an NHS trust's system would send them, written from the R4 spec and the
// UK Core profiles (Patient NHS number + verification status extension; SNOMED CT coded
// Condition; ServiceRequest referral; Encounter as the first appointment; CareTeam).

export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
export const SNOMED = 'http://snomed.info/sct';
export const PATHWAY = 'https://tell-it-once.example/fhir/CodeSystem/send-pathway';

type Json = Record<string, unknown>;

export function patient(
  id: string,
  person: {
    givenName: string;
    familyName: string;
    dateOfBirth: string;
    nhsNumber?: string;
    verified?: boolean;
  },
  meta: Json = { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' },
): Json {
  return {
    resourceType: 'Patient',
    id,
    meta: { profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient'], ...meta },
    ...(person.nhsNumber
      ? {
          identifier: [
            {
              ...(person.verified === false
                ? {}
                : {
                    extension: [
                      {
                        url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
                        valueCodeableConcept: {
                          coding: [
                            {
                              system:
                                'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                              code: 'number-present-and-verified',
                              display: 'Number present and verified',
                            },
                          ],
                        },
                      },
                    ],
                  }),
              system: NHS,
              value: person.nhsNumber,
            },
          ],
        }
      : {}),
    name: [{ use: 'official', family: person.familyName, given: [person.givenName] }],
    birthDate: person.dateOfBirth,
  };
}

export function condition(id: string, patientId: string, code: string, display: string, onset: string): Json {
  return {
    resourceType: 'Condition',
    id,
    meta: { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' },
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-category',
            code: 'encounter-diagnosis',
          },
        ],
      },
    ],
    code: { coding: [{ system: SNOMED, code, display }], text: display },
    subject: { reference: `Patient/${patientId}` },
    onsetDateTime: onset,
    recordedDate: onset,
  };
}

export function referral(
  id: string,
  patientId: string,
  pathway: 'NEURODEVELOPMENTAL' | 'SPEECH_AND_LANGUAGE',
  authoredOn: string,
  performer = 'trust-1',
): Json {
  return {
    resourceType: 'ServiceRequest',
    id,
    meta: { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' },
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: PATHWAY, code: pathway }] }],
    code:
      pathway === 'SPEECH_AND_LANGUAGE'
        ? {
            coding: [
              { system: SNOMED, code: '308447003', display: 'Referral to speech and language therapist' },
            ],
          }
        : { text: 'Referral for neurodevelopmental assessment' },
    subject: { reference: `Patient/${patientId}` },
    authoredOn,
    performer: [{ reference: `Organization/${performer}` }],
  };
}

export function appointment(id: string, patientId: string, referralId: string, start: string): Json {
  return {
    resourceType: 'Encounter',
    id,
    meta: { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' },
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
    subject: { reference: `Patient/${patientId}` },
    basedOn: [{ reference: `ServiceRequest/${referralId}` }],
    period: { start, end: start },
    serviceProvider: { reference: 'Organization/trust-1' },
  };
}

export function careTeam(id: string, patientId: string, name: string, start: string): Json {
  return {
    resourceType: 'CareTeam',
    id,
    meta: { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' },
    status: 'active',
    name,
    subject: { reference: `Patient/${patientId}` },
    period: { start },
    managingOrganization: [{ reference: 'Organization/trust-1' }],
  };
}

export function bundle(type: 'batch' | 'transaction', id: string, entries: Json[], method = 'PUT'): Json {
  return {
    resourceType: 'Bundle',
    id,
    type,
    entry: entries.map((resource) => ({
      fullUrl: `https://trust-1.example.nhs.uk/fhir/${resource.resourceType}/${resource.id}`,
      resource,
      request: { method, url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}
