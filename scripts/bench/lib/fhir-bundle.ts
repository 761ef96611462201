/**
 * A trust's batch bundle of `resources` resources: per patient a Patient (verified NHS number),
 * Condition, ServiceRequest referral, Encounter first appointment and CareTeam. `offset` keeps the
 * patients of one bundle apart from another's (ids and NHS numbers).
 */
export function fhirBenchBundle(resources: number, nhsNumber: (n: number) => string, offset = 0) {
  const GIVEN = ['Amara', 'Ben', 'Chloe', 'Dev', 'Ella', 'Finn', 'Grace', 'Hari', 'Isla', 'Jack'];
  const FAMILY = [
    'Khan',
    'Smith',
    'Jones',
    'Patel',
    'Brown',
    'Taylor',
    'Wilson',
    'Davies',
    'Evans',
    'Hughes',
  ];
  const entries: unknown[] = [];
  const put = (resource: { resourceType: string; id: string }) =>
    entries.push({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } });
  const meta = { versionId: '1', lastUpdated: '2026-01-10T09:00:00Z' };
  for (let i = 0; entries.length < resources; i++) {
    const p = `bench-${offset + i}`;
    const month = String((i % 12) + 1).padStart(2, '0');
    put({
      resourceType: 'Patient',
      id: p,
      meta,
      identifier: [
        {
          extension: [
            {
              url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus',
              valueCodeableConcept: {
                coding: [
                  {
                    system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland',
                    code: 'number-present-and-verified',
                  },
                ],
              },
            },
          ],
          system: 'https://fhir.nhs.uk/Id/nhs-number',
          value: nhsNumber(500_000 + offset + i),
        },
      ],
      name: [{ use: 'official', family: `${FAMILY[i % 10]}-${i}`, given: [GIVEN[(i * 7) % 10] as string] }],
      gender: i % 2 ? 'male' : 'female',
      birthDate: `${2012 + (i % 8)}-${month}-${String((i % 27) + 1).padStart(2, '0')}`,
    } as { resourceType: string; id: string });
    const subject = { reference: `Patient/${p}` };
    const rest = [
      {
        resourceType: 'Condition',
        id: `${p}-c`,
        meta,
        code: {
          coding: [{ system: 'http://snomed.info/sct', code: '408856003', display: 'Autistic disorder' }],
        },
        subject,
        onsetDateTime: `2025-${month}-02`,
      },
      {
        resourceType: 'ServiceRequest',
        id: `${p}-sr`,
        meta,
        status: 'active',
        intent: 'order',
        code: {
          coding: [
            {
              system: 'http://snomed.info/sct',
              code: '308447003',
              display: 'Referral to speech and language therapist',
            },
          ],
        },
        subject,
        authoredOn: `2025-${month}-01`,
        performer: [{ reference: 'Organization/trust-1' }],
      },
      {
        resourceType: 'Encounter',
        id: `${p}-e`,
        meta,
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject,
        basedOn: [{ reference: `ServiceRequest/${p}-sr` }],
        period: { start: `2025-${month}-20T10:00:00Z` },
      },
      {
        resourceType: 'CareTeam',
        id: `${p}-ct`,
        meta,
        status: 'active',
        name: 'Speech and language therapy',
        subject,
        period: { start: `2025-${month}-20` },
      },
    ];
    for (const r of rest) if (entries.length < resources) put(r);
  }
  return { resourceType: 'Bundle', id: `bench-${resources}`, type: 'batch', entry: entries };
}
