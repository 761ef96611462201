import {
  buildSendWorkflow,
  type SyntheticChild,
  type SyntheticDataset,
  type SyntheticSupportWhileWaiting,
} from '@hub/synthetic';
import {
  NHS_NUMBER_SYSTEM,
  NHS_NUMBER_VERIFICATION_SYSTEM,
  NHS_NUMBER_VERIFICATION_URL,
  NHS_NUMBER_VERIFIED,
  PATHWAY_CODE_SYSTEM,
  SNOMED,
  SUPPORT_WHILE_WAITING_CODE,
} from './uk-core.ts';

/**
 * The synthetic data set's health sections written as the FHIR R4 (UK Core) batch bundles an NHS
 * organisation's system would send: one per health organisation (icb-1, trust-1). Pure and
 * deterministic: the same data set always gives the same JSON (the fixtures under
 * packages/synthetic/fixtures/fhir-*.json). Ingested through POST /fhir they give the same health
 * sections as the synthetic seed (row ids aside: derived rows have ids of their own).
 *
 * The synthetic data names no organisation for referrals and diagnoses: the community trust
 * (trust-1) sends them, with the support offered while waiting (the hub's SUPPORT_WHILE_WAITING
 * ServiceRequests, whose row ids are then derived from them: support rows refer to the derived
 * waits). Involvements go with the organisation they name.
 */

/** SNOMED CT concepts for the synthetic diagnoses (illustrative; the descriptions are kept as sent). */
const DIAGNOSIS_CODES: Record<string, string> = {
  Autism: '408856003',
  ADHD: '406506008',
  'Speech and language disorder': '229746007',
  'Developmental coordination disorder': '229755007',
  'Hearing impairment': '15188001',
  Epilepsy: '84757009',
};
const REFERRAL_SENDER = 'trust-1';
const META = (at: string) => ({ versionId: '1', lastUpdated: at });

type Json = Record<string, unknown>;

function patientOf(child: SyntheticChild, at: string): Json {
  return {
    resourceType: 'Patient',
    id: child.id,
    meta: { ...META(at), profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient'] },
    identifier: [
      {
        extension: [
          {
            url: NHS_NUMBER_VERIFICATION_URL,
            valueCodeableConcept: {
              coding: [
                {
                  system: NHS_NUMBER_VERIFICATION_SYSTEM,
                  code: NHS_NUMBER_VERIFIED,
                  display: 'Number present and verified',
                },
              ],
            },
          },
        ],
        system: NHS_NUMBER_SYSTEM,
        value: child.nhsNumber,
      },
    ],
    name: [{ use: 'official', family: child.familyName, given: [child.givenName] }],
    birthDate: child.dateOfBirth,
  };
}

function resourcesOf(
  child: SyntheticChild,
  orgId: string,
  support: ReadonlyMap<string, SyntheticSupportWhileWaiting[]>,
): Json[] {
  const health = child.health;
  if (!health) return [];
  const at = health.updatedAt;
  const subject = { reference: `Patient/${child.id}` };
  const self = { reference: `Organization/${orgId}` };
  const out: Json[] = [];
  for (const i of health.involvements.filter((i) => i.organisationId === orgId))
    out.push({
      resourceType: 'CareTeam',
      id: i.id,
      meta: META(at),
      status: i.endDate ? 'inactive' : 'active',
      name: i.service,
      subject,
      period: { start: i.startDate, ...(i.endDate ? { end: i.endDate } : {}) },
      managingOrganization: [self],
    });
  if (orgId !== REFERRAL_SENDER) return out;
  for (const w of health.pathwayWaits) {
    out.push({
      resourceType: 'ServiceRequest',
      id: w.id,
      meta: META(at),
      status: w.seenDate ? 'completed' : 'active',
      intent: 'order',
      category: [{ coding: [{ system: PATHWAY_CODE_SYSTEM, code: w.pathway }] }],
      code:
        w.pathway === 'SPEECH_AND_LANGUAGE'
          ? {
              coding: [
                { system: SNOMED, code: '308447003', display: 'Referral to speech and language therapist' },
              ],
            }
          : { text: 'Referral for neurodevelopmental assessment' },
      subject,
      authoredOn: w.referralDate,
      performer: [self],
    });
    if (w.seenDate)
      out.push({
        resourceType: 'Encounter',
        id: `${w.id}-first`,
        meta: META(at),
        // A first appointment after the data set's date is booked, not yet held.
        status: w.seenDate <= at.slice(0, 10) ? 'finished' : 'planned',
        class: {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
          code: 'AMB',
          display: 'ambulatory',
        },
        subject,
        basedOn: [{ reference: `ServiceRequest/${w.id}` }],
        period: { start: w.seenDate },
        serviceProvider: self,
      });
    // Help offered while waiting: the hub's SUPPORT_WHILE_WAITING request, based on the referral.
    for (const offer of support.get(w.id) ?? [])
      out.push({
        resourceType: 'ServiceRequest',
        id: offer.id,
        meta: META(at),
        status: 'completed',
        intent: 'order',
        category: [{ coding: [{ system: PATHWAY_CODE_SYSTEM, code: SUPPORT_WHILE_WAITING_CODE }] }],
        code: { text: offer.description },
        subject,
        basedOn: [{ reference: `ServiceRequest/${w.id}` }],
        authoredOn: offer.offeredOn,
        performer: [{ display: offer.offeredBy }],
      });
  }
  for (const d of health.diagnoses) {
    const name = d.description.replace(/\s*\(synthetic record\)$/, '');
    out.push({
      resourceType: 'Condition',
      id: d.id,
      meta: META(at),
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      code: {
        coding: [{ system: SNOMED, code: DIAGNOSIS_CODES[name] ?? '64572001', display: name }],
        text: d.description,
      },
      subject,
      ...(d.diagnosedOn ? { onsetDateTime: d.diagnosedOn } : {}),
    });
  }
  return out;
}

/** One batch bundle per health organisation that holds something, in data set order. */
export function buildFhirBundles(
  dataset: SyntheticDataset,
): Array<{ orgId: string; name: string; bundle: Json }> {
  const support = new Map<string, SyntheticSupportWhileWaiting[]>();
  for (const offer of buildSendWorkflow(dataset).supportWhileWaiting)
    support.set(offer.pathwayWaitId, [...(support.get(offer.pathwayWaitId) ?? []), offer]);
  return dataset.healthOrgs
    .map((org) => {
      const entries: Json[] = [];
      for (const child of dataset.children) {
        const resources = resourcesOf(child, org.id, support);
        if (resources.length === 0) continue;
        for (const resource of [patientOf(child, child.health?.updatedAt ?? ''), ...resources])
          entries.push({
            fullUrl: `https://fhir.${org.id}.example.nhs.uk/R4/${resource.resourceType}/${resource.id}`,
            resource,
            request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
          });
      }
      return {
        orgId: org.id,
        name: `fhir-${org.id}.json`,
        bundle: { resourceType: 'Bundle', id: `synthetic-${org.id}`, type: 'batch', entry: entries },
      };
    })
    .filter((b) => (b.bundle.entry as unknown[]).length > 0);
}
