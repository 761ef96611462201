import type { Domain, OrgType, Purpose } from './principal.ts';

/** One consent decision, as stored by the core record service. History is never deleted. */
export interface ConsentRecord {
  id: string;
  childId: string;
  /** The source domain whose section may be shared. */
  domain: Domain;
  /** Who may receive it: the kind of organisation, not a named organisation. */
  recipientOrgType: OrgType;
  purpose: Purpose;
  grantedBySub: string;
  grantedByRole: 'parent_carer' | 'young_person';
  /** ISO timestamp. */
  startsAt: string;
  /** ISO timestamp; null = until withdrawn. */
  expiresAt: string | null;
  /** ISO timestamp; takes effect at that instant (withdrawal is immediate). */
  withdrawnAt: string | null;
  /** A parent carer's consent confirmed by the young person after they turned 16 (ISO timestamp). */
  confirmedByYoungPersonAt: string | null;
}

export type RelationshipKind = 'on_roll' | 'involvement' | 'allocated' | 'la_responsible';

export interface BreakGlassEntry {
  sub: string;
  reason: string;
  /** ISO timestamp. */
  startsAt: string;
  /** ISO timestamp; at most 24 hours after startsAt or the entry is ignored. */
  expiresAt: string;
}

/**
 * Everything the policy needs to know about one child. The core record service fills it from its
 * database; the policy itself does no IO so it can be evaluated anywhere (gateway and subgraphs).
 */
export interface ChildAccessFacts {
  childId: string;
  /** YYYY-MM-DD; age decides who makes decisions (16+ = the young person). */
  dateOfBirth: string;
  relationships: Array<{ orgId: string; kind: RelationshipKind; active: boolean }>;
  /** Family members with parental responsibility. */
  parentCarerSubs: string[];
  /** The young person's own login, if any. */
  youngPersonSub: string | null;
  /** 16+: has the young person agreed their parent carers may keep seeing the record. */
  parentAccessConfirmedByYoungPerson: boolean;
  /** Full consent history for this child. */
  consents: ConsentRecord[];
  /** Safeguarding overrides. */
  breakGlass: BreakGlassEntry[];
}
