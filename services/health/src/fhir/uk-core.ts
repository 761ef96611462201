import { isValidNhsNumber } from '@hub/identifiers';
import type {
  CodeableConcept,
  Coding,
  Identifier,
  OperationOutcomeIssue,
  Patient,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { issue } from './outcome.ts';

/** UK Core: the NHS number's identifier system and its verification status extension. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const NHS_NUMBER_VERIFICATION_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
export const NHS_NUMBER_VERIFIED = 'number-present-and-verified';
export const SNOMED = 'http://snomed.info/sct';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/**
 * Which specialist pathway a referral (ServiceRequest.code/category) or episode
 * (EpisodeOfCare.type) is for. SNOMED CT 308447003 "Referral to speech and language therapist";
 * the hub's own code system names the neurodevelopmental (autism/ADHD assessment) pathway, for
 * which trusts use local codes: map a trust's local codes here.
 */
export const PATHWAY_CODE_SYSTEM = 'https://tell-it-once.example/fhir/CodeSystem/send-pathway';
const PATHWAY_CODES: Record<string, 'NEURODEVELOPMENTAL' | 'SPEECH_AND_LANGUAGE'> = {
  [`${SNOMED}|308447003`]: 'SPEECH_AND_LANGUAGE',
  [`${PATHWAY_CODE_SYSTEM}|SPEECH_AND_LANGUAGE`]: 'SPEECH_AND_LANGUAGE',
  [`${PATHWAY_CODE_SYSTEM}|NEURODEVELOPMENTAL`]: 'NEURODEVELOPMENTAL',
};
export type PathwayCode = 'NEURODEVELOPMENTAL' | 'SPEECH_AND_LANGUAGE';

/**
 * Help offered to a child while they wait on a pathway (a parent workshop, a sleep clinic): no
 * national code names it, so the hub's code system does. A ServiceRequest with this category,
 * `basedOn` the pathway referral, `code.text` what was offered, `authoredOn` when, and
 * `performer[0].display` who offered it (often not the trust: a parent carer forum, the council).
 */
export const SUPPORT_WHILE_WAITING_CODE = 'SUPPORT_WHILE_WAITING';
export function isSupportWhileWaiting(concepts: (CodeableConcept | undefined)[]): boolean {
  return concepts.some((c) =>
    (c?.coding ?? []).some((k) => k.system === PATHWAY_CODE_SYSTEM && k.code === SUPPORT_WHILE_WAITING_CODE),
  );
}

export function pathwayOf(concepts: (CodeableConcept | undefined)[]): PathwayCode | undefined {
  for (const concept of concepts)
    for (const coding of concept?.coding ?? []) {
      const pathway = PATHWAY_CODES[`${coding.system}|${coding.code}`];
      if (pathway) return pathway;
    }
  return undefined;
}

/** `Type/id` from a reference: relative, absolute URL, or a bundle fullUrl mapped by `fullUrls`. */
export function referenceTo(
  reference: Reference | undefined,
  type: string,
  fullUrls: Map<string, string>,
): string | undefined {
  const ref = reference?.reference;
  if (!ref) return undefined;
  const mapped = fullUrls.get(ref) ?? ref;
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(mapped);
  return match && match[1] === type ? match[2] : undefined;
}

export function textOf(concept: CodeableConcept | undefined): string | undefined {
  return concept?.text ?? concept?.coding?.find((c: Coding) => c.display)?.display;
}

/** The date part (YYYY-MM-DD) of a FHIR date or dateTime. */
export function dateOf(value: string | undefined): string | undefined {
  const match = value ? /^(\d{4}-\d{2}-\d{2})/.exec(value) : null;
  return match?.[1];
}

export interface PatientFacts {
  nhsNumber?: string;
  nhsNumberVerified: boolean;
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  sex?: 'male' | 'female' | 'other' | 'unknown';
  postcode?: string;
}

/**
 * What the record service needs to find the child, and the UK Core rules the base R4 definitions
 * cannot express: an NHS number is 10 digits with a valid Modulus 11 check digit, at most one per
 * patient; the hub also needs a name and date of birth to match on.
 */
export function patientFacts(patient: Patient): { facts?: PatientFacts; issues: OperationOutcomeIssue[] } {
  const issues: OperationOutcomeIssue[] = [];
  const nhs = (patient.identifier ?? [])
    .map((identifier, index) => ({ identifier, index }))
    .filter(({ identifier }) => identifier.system === NHS_NUMBER_SYSTEM);
  if (nhs.length > 1)
    issues.push(issue('error', 'invalid', 'A patient has at most one NHS number.', 'Patient.identifier'));
  const first = nhs[0];
  const nhsNumber = first?.identifier.value?.replace(/\s/g, '');
  if (first && (!nhsNumber || !/^\d{10}$/.test(nhsNumber) || !isValidNhsNumber(nhsNumber)))
    issues.push(
      issue(
        'error',
        'value',
        'The NHS number must be 10 digits with a valid check digit (Modulus 11).',
        `Patient.identifier[${first.index}].value`,
      ),
    );
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  const givenName = name?.given?.[0]?.trim();
  const familyName = name?.family?.trim();
  if (!givenName || !familyName)
    issues.push(
      issue(
        'error',
        'required',
        'The hub needs the patient’s given and family name to find the child.',
        'Patient.name',
      ),
    );
  if (!patient.birthDate || !/^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate))
    issues.push(
      issue(
        'error',
        'required',
        'The hub needs the full date of birth (YYYY-MM-DD) to find the child.',
        'Patient.birthDate',
      ),
    );
  if (issues.some((i) => i.severity === 'error')) return { issues };
  const postcode = patient.address?.find((a) => a.postalCode)?.postalCode;
  return {
    issues,
    facts: {
      ...(nhsNumber ? { nhsNumber } : {}),
      nhsNumberVerified: first ? isVerified(first.identifier) : false,
      givenName: givenName as string,
      familyName: familyName as string,
      dateOfBirth: patient.birthDate as string,
      ...(patient.gender ? { sex: patient.gender } : {}),
      ...(postcode ? { postcode } : {}),
    },
  };
}

function isVerified(identifier: Identifier): boolean {
  return (identifier.extension ?? []).some(
    (e) =>
      e.url === NHS_NUMBER_VERIFICATION_URL &&
      (e.valueCodeableConcept?.coding ?? []).some(
        (c) => c.system === NHS_NUMBER_VERIFICATION_SYSTEM && c.code === NHS_NUMBER_VERIFIED,
      ),
  );
}

/** The Patient a resource is about, by the element each resource type uses. */
export function subjectOf(resource: Resource, fullUrls: Map<string, string>): string | undefined {
  switch (resource.resourceType) {
    case 'Patient':
      return resource.id;
    case 'Condition':
    case 'ServiceRequest':
    case 'Encounter':
    case 'CareTeam':
      return referenceTo(resource.subject, 'Patient', fullUrls);
    case 'EpisodeOfCare':
      return referenceTo(resource.patient, 'Patient', fullUrls);
    default:
      return undefined;
  }
}

/** The organisations a resource says provide the care: each must be the sender. */
export function providersOf(resource: Resource): { reference: Reference; expression: string }[] {
  const refs = (list: Reference[] | undefined, path: string) =>
    (list ?? []).map((reference, i) => ({ reference, expression: `${path}[${i}]` }));
  switch (resource.resourceType) {
    case 'ServiceRequest':
      return refs(resource.performer, 'ServiceRequest.performer').filter((r) =>
        // Support while waiting may be offered by anyone (a parent carer forum): named in
        // text only, it claims no hub organisation's care.
        !r.reference.reference
          ? !isSupportWhileWaiting(resource.category ?? [])
          : r.reference.reference.includes('Organization/') || r.reference.type === 'Organization',
      );
    case 'EpisodeOfCare':
      return resource.managingOrganization
        ? [{ reference: resource.managingOrganization, expression: 'EpisodeOfCare.managingOrganization' }]
        : [];
    case 'Encounter':
      return resource.serviceProvider
        ? [{ reference: resource.serviceProvider, expression: 'Encounter.serviceProvider' }]
        : [];
    case 'CareTeam':
      return refs(resource.managingOrganization, 'CareTeam.managingOrganization');
    default:
      return [];
  }
}

/**
 * Whether an Organization reference names the sender: `Organization/<hub org id>`, an Organization
 * in the bundle (or sent before) identified by the sender's id, or a logical reference by identifier.
 */
export function isSender(
  reference: Reference,
  orgId: string,
  organisations: Map<string, string[]>,
  fullUrls: Map<string, string>,
): boolean {
  if (reference.identifier?.value) return reference.identifier.value === orgId;
  const id = referenceTo(reference, 'Organization', fullUrls);
  if (!id) return false;
  return id === orgId || (organisations.get(id) ?? []).includes(orgId);
}
