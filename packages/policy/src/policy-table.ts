import type { RelationshipKind } from './facts.ts';
import type { SubjectField, SubjectName } from './subjects.ts';
import type { Domain, Role } from './vocabulary.ts';

/**
 * THE access policy, in one table: for each role, how it is connected to a child, which sections
 * it gets without consent, and which fields of each subject it may ever read.
 *
 * A field listed here is the most the role can see. Whether it actually sees it depends on the
 * child: the relationship must exist, and a section from another agency also needs an active
 * consent for the request's purpose (see README.md). A field missing here is never shown, not even
 * under break-glass (break-glass overrides consent and relationship, not this table).
 */
export interface RolePolicy {
  /**
   * How the principal must be connected to the child:
   * - a list of relationship kinds with the principal's own organisation (any one, active);
   * - 'parental_responsibility': listed as a parent carer, and the child is of compulsory school
   *   age, or the young person (or their representative) has agreed their parent carers may keep
   *   seeing the record, or the young person's login is not set up yet; or a recorded capacity
   *   representative of the young person (see decision-maker.ts);
   * - 'self': the young person's own login, after the end of compulsory school age;
   * - 'never'.
   */
  relationship: readonly RelationshipKind[] | 'parental_responsibility' | 'self' | 'never';
  /**
   * 'own_domain_or_consent': the section of `ownDomain` is visible on the relationship alone;
   * any other section needs an active consent for (domain, this org type, request purpose).
   * 'own_child': families see every section of their own child; it is their data.
   */
  sections: 'own_domain_or_consent' | 'own_child';
  /** The agency section this role's organisation holds. The LA SEND team holds none. */
  ownDomain: Domain | null;
  /** May use a safeguarding override (break-glass). */
  mayBreakGlass: boolean;
  /** The most this role may ever read, per subject. */
  read: { readonly [S in SubjectName]: readonly SubjectField<S>[] };
}

const NAME_AND_AGE = ['id', 'givenName', 'familyName', 'dateOfBirth'] as const;

export const POLICY_TABLE: Readonly<Record<Role, RolePolicy>> = {
  senco: {
    relationship: ['on_roll'],
    sections: 'own_domain_or_consent',
    ownDomain: 'education',
    mayBreakGlass: false,
    read: {
      // No NHS number or LA id: the school identifies the child by UPN and has no use for the others.
      Child: [...NAME_AND_AGE, 'upn'],
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'sencoNotes', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      // Not `status` (child protection, looked after...): schools get that from social care through
      // their Designated Safeguarding Lead, not through a SEND consent given to the SENCO.
      SocialCareSection: ['allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  health_practitioner: {
    relationship: ['involvement'],
    sections: 'own_domain_or_consent',
    ownDomain: 'health',
    mayBreakGlass: false,
    read: {
      Child: [...NAME_AND_AGE, 'nhsNumber'],
      // Not `sencoNotes`: the SENCO's working notes stay with the school and the LA SEND team.
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      // Not `status`: NHS staff learn child protection status through their own safeguarding route
      // (CP-IS and the named safeguarding professionals), not a SEND consent.
      SocialCareSection: ['allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  social_worker: {
    relationship: ['allocated', 'involvement'],
    sections: 'own_domain_or_consent',
    ownDomain: 'social_care',
    mayBreakGlass: true,
    read: {
      Child: [...NAME_AND_AGE, 'nhsNumber', 'laId'],
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      SocialCareSection: ['status', 'allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  la_send_officer: {
    relationship: ['la_responsible'],
    sections: 'own_domain_or_consent',
    ownDomain: null,
    mayBreakGlass: true,
    read: {
      // The LA coordinates the EHC assessment across all agencies, so with consent it may read
      // every field, including SENCO notes and social care status.
      Child: [...NAME_AND_AGE, 'nhsNumber', 'upn', 'laId'],
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'sencoNotes', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      SocialCareSection: ['status', 'allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  parent_carer: {
    relationship: 'parental_responsibility',
    sections: 'own_child',
    ownDomain: null,
    mayBreakGlass: false,
    read: {
      Child: [...NAME_AND_AGE, 'nhsNumber', 'upn', 'laId'],
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'sencoNotes', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      // The one exception for families: `status`. A self-service portal cannot judge, case by case,
      // whether showing "child protection" to every holder of parental responsibility is safe (one
      // may be the risk); the allocated social worker tells parents, as in any CP process.
      SocialCareSection: ['allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  young_person: {
    relationship: 'self',
    sections: 'own_child',
    ownDomain: null,
    mayBreakGlass: false,
    read: {
      // Their own record, all of it: after compulsory school age they are the decision maker.
      Child: [...NAME_AND_AGE, 'nhsNumber', 'upn', 'laId'],
      EducationSection: ['senStatus', 'school', 'attendancePercent', 'sencoNotes', 'provisions', 'updatedAt'],
      HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
      SocialCareSection: ['status', 'allocatedWorker', 'shortBreaks', 'updatedAt'],
    },
  },
  auditor: {
    // Auditors read the audit trail (packages/audit), never a child's record.
    relationship: 'never',
    sections: 'own_domain_or_consent',
    ownDomain: null,
    mayBreakGlass: false,
    read: { Child: [], EducationSection: [], HealthSection: [], SocialCareSection: [] },
  },
};
