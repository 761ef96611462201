import type { Domain, OrgType, Purpose } from './vocabulary.ts';

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
  /** A parent carer's consent confirmed by the young person once they decide (ISO timestamp). */
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
  /**
   * YYYY-MM-DD; decides who makes decisions: the young person from the day after the end of
   * compulsory school age (see age.ts).
   */
  dateOfBirth: string;
  relationships: Array<{ orgId: string; kind: RelationshipKind; active: boolean }>;
  /** Family members with parental responsibility. */
  parentCarerSubs: string[];
  /** The young person's own login, if any. */
  youngPersonSub: string | null;
  /** Over compulsory school age: has the young person (or their representative) agreed their parent carers may keep seeing the record. */
  parentAccessConfirmedByYoungPerson: boolean;
  /** Full consent history for this child. */
  consents: ConsentRecord[];
  /** Safeguarding overrides. */
  breakGlass: BreakGlassEntry[];
  /**
   * Representatives recorded by the council for a young person who lacks capacity (Mental
   * Capacity Act 2005; CFA 2014 s.80), history included. Optional so facts built before this
   * existed mean "none".
   */
  capacityRepresentatives?: CapacityRepresentativeEntry[];
}

export type CapacityRepresentativeBasis = 'deputy' | 'attorney' | 'parent_acting';

/** One capacity-representative record. The representative signs in with the family (parent_carer) role. */
export interface CapacityRepresentativeEntry {
  id: string;
  /** The representative's login. */
  sub: string;
  basis: CapacityRepresentativeBasis;
  /** ISO timestamp from which it counts. */
  recordedAt: string;
  /** YYYY-MM-DD (date in England): it stops counting after this day unless reviewed. */
  reviewBy: string;
  /** ISO timestamp; null = not ended. */
  endedAt: string | null;
}
