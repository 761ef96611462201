import {
  currentLinks as currentSourceLinks,
  type IdentityResult,
  isHubError,
  resolveIdentities,
} from '@hub/service-kit';
import type { PatientFacts } from './uk-core.ts';

/** The record service's answer for one source record (see the identity contract). */
export type { IdentityResult };

export class IdentityUnavailableError extends Error {
  constructor(message = 'The record service could not match patients to children; nothing was written.') {
    super(message);
    this.name = 'IdentityUnavailableError';
  }
}

type Options = { recordBaseUrl: string; secret: string; requestId: string };

/**
 * The shared identity client of every adapter (service-kit), with the FHIR adapter's own
 * failure: when the record service cannot answer, the bundle is refused as a whole.
 */
async function orUnavailable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isHubError(error) && error.code === 'UNAVAILABLE') throw new IdentityUnavailableError();
    throw error;
  }
}

/** Asks the record service which child each patient is (in batches, in order). */
export async function resolvePatients(
  options: Options,
  orgId: string,
  patients: { id: string; facts: PatientFacts }[],
): Promise<Map<string, IdentityResult>> {
  const system = `fhir:${orgId}`;
  const results = await orUnavailable(() =>
    resolveIdentities(
      options.recordBaseUrl,
      options.secret,
      options.requestId,
      orgId,
      patients.map(({ id, facts }) => ({
        system,
        sourceId: id,
        identifiers: facts.nhsNumber
          ? { nhsNumber: facts.nhsNumber, nhsNumberVerified: facts.nhsNumberVerified }
          : {},
        demographics: {
          givenName: facts.givenName,
          familyName: facts.familyName,
          dateOfBirth: facts.dateOfBirth,
          ...(facts.sex ? { sex: facts.sex } : {}),
          ...(facts.postcode ? { postcode: facts.postcode } : {}),
        },
      })),
    ),
  );
  return new Map(patients.map((p, index) => [p.id, results[index]!]));
}

/** Current child of each source record (after the council confirmed, rejected or unlinked). */
export async function currentLinks(
  options: Options,
  orgId: string,
  patientIds: string[],
): Promise<Map<string, string | null>> {
  const links = await orUnavailable(() =>
    currentSourceLinks(options.recordBaseUrl, options.secret, options.requestId, `fhir:${orgId}`, patientIds),
  );
  return new Map([...links].map(([sourceId, link]) => [sourceId, link.childId]));
}
