import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];

/** One FHIR OperationOutcome issue: severity, code, plain-English diagnostics, FHIRPath expression. */
export function issue(
  severity: OperationOutcomeIssue['severity'],
  code: IssueCode,
  diagnostics: string,
  expression?: string,
): OperationOutcomeIssue {
  return { severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) };
}

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** medplum puts its message in details.text; every issue the hub answers also has diagnostics. */
export function withDiagnostics(i: OperationOutcomeIssue): OperationOutcomeIssue {
  return i.diagnostics ? i : { ...i, diagnostics: i.details?.text ?? 'Invalid.' };
}

/** Prefixes an issue's expression with where the resource sits in the bundle (transaction answers). */
export function inEntry(i: OperationOutcomeIssue, index: number): OperationOutcomeIssue {
  const prefix = `Bundle.entry[${index}].resource`;
  return {
    ...i,
    expression: (i.expression ?? [`Bundle.entry[${index}]`]).map((e) =>
      e.startsWith('Bundle.') ? e : `${prefix}.${e.replace(/^[A-Z][A-Za-z]+\.?/, '')}`.replace(/\.$/, ''),
    ),
  };
}
