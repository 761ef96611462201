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

/** A field's denial reason, as the audit event records it. */
type DeniedReason = AccessReport['fieldsDenied'][number]['reason'];

interface Merged {
  report: AccessReport;
  returned: Set<string>;
  denied: Set<string>;
}

/**
 * One request's access reports, merged as they are made: one report per (child, subject,
 * action), in first-seen order, each field once (a denied field keeps its first reason),
 * break-glass if any part of it was, its first reason. What the subgraph sends the gateway.
 *
 * Why merge as they come rather than at the end: the door reports every field it hands out
 * (a page of fifty children is ~1,500 fields per section), and an object per field plus a
 * merge pass over them were ~5% of an adapter's profile (docs/performance.md, fifth round).
 */
export class ReportLog {
  readonly #merged = new Map<string, Merged>();

  /** Adds one report (any number of fields, returned or denied). */
  add(entry: AccessReport): void {
    const key = reportKey(entry.childId, entry.subject, entry.action);
    const seen = this.#merged.get(key);
    if (!seen) {
      const report = {
        ...entry,
        fieldsReturned: [...entry.fieldsReturned],
        fieldsDenied: [...entry.fieldsDenied],
      };
      this.#merged.set(key, {
        report,
        returned: new Set(report.fieldsReturned),
        denied: new Set(report.fieldsDenied.map((d) => d.field)),
      });
      return;
    }
    for (const f of entry.fieldsReturned) this.#returned(seen, f);
    for (const d of entry.fieldsDenied) this.#denied(seen, d.field, d.reason);
    this.#glass(seen.report, entry.breakGlass, entry.breakGlassReason);
  }

  /**
   * One field of a guarded object, returned (no `deniedReason`) or denied: the same as `add` of
   * a one-field report, without building it. `key` is `reportKey(childId, subject)`.
   */
  field(
    key: string,
    from: { childId: string; subject: string; breakGlass: boolean; breakGlassReason: string | undefined },
    field: string,
    deniedReason: DeniedReason | undefined,
  ): void {
    let seen = this.#merged.get(key);
    if (!seen) {
      const report: AccessReport = {
        childId: from.childId,
        subject: from.subject,
        breakGlass: from.breakGlass,
        ...(from.breakGlassReason ? { breakGlassReason: from.breakGlassReason } : {}),
        fieldsReturned: [],
        fieldsDenied: [],
      };
      seen = { report, returned: new Set(), denied: new Set() };
      this.#merged.set(key, seen);
    } else {
      this.#glass(seen.report, from.breakGlass, from.breakGlassReason);
    }
    if (deniedReason === undefined) this.#returned(seen, field);
    else this.#denied(seen, field, deniedReason);
  }

  /** The merged reports, in first-seen order. */
  list(): AccessReport[] {
    return Array.from(this.#merged.values(), (m) => m.report);
  }

  #returned(seen: Merged, field: string): void {
    if (seen.returned.has(field)) return;
    seen.returned.add(field);
    seen.report.fieldsReturned.push(field);
  }

  #denied(seen: Merged, field: string, reason: DeniedReason): void {
    if (seen.denied.has(field)) return;
    seen.denied.add(field);
    seen.report.fieldsDenied.push({ field, reason });
  }

  #glass(report: AccessReport, breakGlass: boolean, reason: string | undefined): void {
    report.breakGlass ||= breakGlass;
    if (reason && !report.breakGlassReason) report.breakGlassReason = reason;
  }
}

/** The merge key of a report: child, subject and (for writes) action. */
export function reportKey(childId: string, subject: string, action?: string): string {
  return `${childId}|${subject}|${action ?? ''}`;
}
