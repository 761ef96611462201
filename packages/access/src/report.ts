/**
 * What a subgraph tells the gateway about one operation, per child and per subject:
 * which fields it returned and which it withheld, and whether break-glass opened them.
 * Sent in the subgraph's GraphQL response as `extensions.hubAccess`; the gateway reads every
 * subgraph response (services/gateway/src/access-tap.ts — mercurius-gateway's collectors miss
 * the `_entities` calls) and gathers these into the one audit event for the operation.
 * It never carries data values. Only the access door (door.ts) writes them.
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

/** Merges per-field reports into one per (child, subject), keeping first-seen order. */
export function compactAccess(entries: readonly AccessReport[]): AccessReport[] {
  const merged = new Map<string, AccessReport>();
  for (const entry of entries) {
    const key = `${entry.childId}|${entry.subject}|${entry.action ?? ''}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, {
        ...entry,
        fieldsReturned: [...entry.fieldsReturned],
        fieldsDenied: [...entry.fieldsDenied],
      });
      continue;
    }
    for (const f of entry.fieldsReturned) if (!seen.fieldsReturned.includes(f)) seen.fieldsReturned.push(f);
    for (const d of entry.fieldsDenied) {
      if (!seen.fieldsDenied.some((x) => x.field === d.field)) seen.fieldsDenied.push(d);
    }
    seen.breakGlass ||= entry.breakGlass;
    if (entry.breakGlassReason && !seen.breakGlassReason) seen.breakGlassReason = entry.breakGlassReason;
  }
  return [...merged.values()];
}
