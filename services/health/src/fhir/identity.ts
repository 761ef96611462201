import { SERVICE_TOKEN_HEADER, signServiceToken } from '@hub/auth';
import type { PatientFacts } from './uk-core.ts';

/** The record service's answer for one source record (see the identity contract). */
export interface IdentityResult {
  system: string;
  sourceId: string;
  status: 'linked' | 'review' | 'conflict' | 'rejected';
  childId?: string;
  reason?: string;
}

export class IdentityUnavailableError extends Error {
  constructor(message = 'The record service could not match patients to children; nothing was written.') {
    super(message);
    this.name = 'IdentityUnavailableError';
  }
}

const BATCH = 2000;

async function post<T>(
  baseUrl: string,
  secret: string,
  requestId: string,
  path: string,
  body: unknown,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SERVICE_TOKEN_HEADER]: await signServiceToken(secret, 'identity-resolve', requestId),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new IdentityUnavailableError();
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new IdentityUnavailableError();
  }
  return (await response.json()) as T;
}

/** Asks the record service which child each patient is (≤ 2000 per call, in order). */
export async function resolvePatients(
  options: { recordBaseUrl: string; secret: string; requestId: string },
  orgId: string,
  patients: { id: string; facts: PatientFacts }[],
): Promise<Map<string, IdentityResult>> {
  const answers = new Map<string, IdentityResult>();
  const system = `fhir:${orgId}`;
  for (let i = 0; i < patients.length; i += BATCH) {
    const slice = patients.slice(i, i + BATCH);
    const { results } = await post<{ results: IdentityResult[] }>(
      options.recordBaseUrl,
      options.secret,
      options.requestId,
      '/internal/identity/resolve',
      {
        orgId,
        records: slice.map(({ id, facts }) => ({
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
      },
    );
    if (!Array.isArray(results) || results.length !== slice.length) throw new IdentityUnavailableError();
    slice.forEach((p, index) => {
      const answer = results[index] as IdentityResult;
      answers.set(p.id, answer);
    });
  }
  return answers;
}

/** Current child of each source record (after the council confirmed, rejected or unlinked). */
export async function currentLinks(
  options: { recordBaseUrl: string; secret: string; requestId: string },
  orgId: string,
  patientIds: string[],
): Promise<Map<string, string | null>> {
  const links = new Map<string, string | null>();
  for (let i = 0; i < patientIds.length; i += BATCH) {
    const sourceIds = patientIds.slice(i, i + BATCH);
    const answer = await post<{
      results?: { sourceId: string; childId?: string | null }[];
      links?: { sourceId: string; childId?: string | null }[];
    }>(options.recordBaseUrl, options.secret, options.requestId, '/internal/identity/links', {
      system: `fhir:${orgId}`,
      sourceIds,
    });
    for (const row of answer.results ?? answer.links ?? []) links.set(row.sourceId, row.childId ?? null);
  }
  return links;
}
