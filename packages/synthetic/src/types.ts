// The shapes other services and @hub/testkit build on. Keep them in step with the brief
// they were agreed in: changing a field here changes every seed and fixture downstream.

export type SenStatus = 'NO_SEN' | 'SEN_SUPPORT' | 'EHC_PLAN';
export type Pathway = 'NEURODEVELOPMENTAL' | 'SPEECH_AND_LANGUAGE';
export type SocialCareStatus = 'NONE' | 'EARLY_HELP' | 'CHILD_IN_NEED' | 'CHILD_PROTECTION' | 'LOOKED_AFTER';

export interface SyntheticOrg {
  id: string;
  name: string;
  type: 'school' | 'health' | 'social_care' | 'local_authority';
  /**
   * The councils (local authorities) this organisation works for. A council lists itself; a
   * school usually one council, a special school, NHS trust or ICB often several.
   */
  councilIds: string[];
}

export interface SyntheticChild {
  /** Deterministic UUID (version-4 shaped) derived from the child's index, not from the seed. */
  id: string;
  givenName: string;
  familyName: string;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  nhsNumber: string;
  upn: string;
  /** e.g. LA-SYN-000123 */
  laId: string;
  /** One of the five synthetic schools. */
  schoolId: string;
  /**
   * The responsible local authority (council): the child's record, consents, assessments, KPIs
   * and audit events belong to it. Siblings share theirs.
   */
  councilId: string;
  /** e.g. ['demo-parent-17']; siblings share theirs. */
  parentCarerSubs: string[];
  /**
   * 'demo-yp-<n>' for every synthetic child: the login opens the record only after the end of
   * compulsory school age. Null only for data from elsewhere (a young person not yet set up).
   */
  youngPersonSub: string | null;
  /**
   * For a young person who lacks capacity to make these decisions (Mental Capacity Act 2005;
   * CFA 2014 s.80): who acts for them once over compulsory school age, a Court of Protection
   * deputy (own login, family role) or a parent carer acting for them. Null for everyone else.
   * The council's record of it (with reason and review date) is in the send workflow.
   */
  capacityRepresentative: null | { basis: 'deputy' | 'parent_acting'; sub: string };
  education: {
    senStatus: SenStatus;
    attendancePercent: number;
    sencoNotes: string | null;
    updatedAt: string;
    provisions: Array<{
      id: string;
      description: string;
      hoursPerWeek: number | null;
      startDate: string;
      provider: string | null;
    }>;
  };
  health: null | {
    updatedAt: string;
    involvements: Array<{
      id: string;
      organisationId: string;
      service: string;
      startDate: string;
      endDate: string | null;
    }>;
    pathwayWaits: Array<{ id: string; pathway: Pathway; referralDate: string; seenDate: string | null }>;
    diagnoses: Array<{ id: string; description: string; diagnosedOn: string | null }>;
  };
  socialCare: null | {
    updatedAt: string;
    status: SocialCareStatus;
    allocatedWorker: { name: string; team: string | null; organisationId: string } | null;
    shortBreaks: Array<{ id: string; description: string; nightsPerYear: number | null; startDate: string }>;
  };
}

export interface DemoUser {
  sub: string;
  name: string;
  role:
    | 'senco'
    | 'health_practitioner'
    | 'social_worker'
    | 'la_send_officer'
    | 'parent_carer'
    | 'young_person'
    | 'auditor';
  orgId: string;
  orgType: 'school' | 'health' | 'social_care' | 'local_authority' | 'family' | 'audit';
  childIds?: string[];
}

export interface SyntheticDataset {
  referenceDate: string;
  schools: SyntheticOrg[];
  healthOrgs: SyntheticOrg[];
  socialCareOrgs: SyntheticOrg[];
  /** The first council (kept for code written when there was one). */
  localAuthority: SyntheticOrg;
  /** Every council on the deployment (one or two in the synthetic data). */
  councils: SyntheticOrg[];
  children: SyntheticChild[];
  demoUsers: DemoUser[];
}
