/**
 * What a subgraph tells the gateway about one operation, per child and per subject:
 * which fields it returned and which it withheld, and whether break-glass opened them.
 * Sent in the subgraph's GraphQL response as `extensions.hubAccess`; the gateway reads every
 * subgraph response (services/gateway/src/access-tap.ts — mercurius-gateway's collectors miss
 * the `_entities` calls) and gathers these into the one audit event for the operation.
 * It never carries data values.
 */
export interface AccessReport {
  childId: string;
  /** CASL subject: Child, EducationSection, HealthSection, SocialCareSection, Consent, ... */
  subject: string;
  fieldsReturned: string[];
  fieldsDenied: Array<{ field: string; reason: string }>;
  breakGlass: boolean;
  /** The break-glass reason, when break-glass opened this access. */
  breakGlassReason?: string;
  /** Set for writes: what was done, e.g. `grantConsent`. */
  action?: string;
}

export const ACCESS_EXTENSION = 'hubAccess';
