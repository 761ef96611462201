/**
 * The hub's vocabulary, in one table: roles, organisation types, purposes, source domains and the
 * record's sections. The policy, the gateway, the services and the portal's words import these
 * lists rather than spelling them again; the SDL enums spell the same words, and
 * scripts/codegen.test.ts fails when they disagree.
 *
 * Constants only, no imports: the portal's bundle takes this file alone (`@hub/policy/vocabulary`).
 */

export const ROLES = [
  'senco',
  'health_practitioner',
  'social_worker',
  'la_send_officer',
  'parent_carer',
  'young_person',
  'auditor',
] as const;
export type Role = (typeof ROLES)[number];

/** The family's own logins: they see their child's whole record and who looked at it. */
export const FAMILY_ROLES = ['parent_carer', 'young_person'] as const satisfies readonly Role[];

/** The kind of organisation a partner works for: this is the consent "recipient". */
export const ORG_TYPES = ['school', 'health', 'social_care', 'local_authority', 'family', 'audit'] as const;
export type OrgType = (typeof ORG_TYPES)[number];

/** The agency that holds (and is the source of) a section of the record. */
export const DOMAINS = ['education', 'health', 'social_care'] as const;
export type Domain = (typeof DOMAINS)[number];

/** Why a partner reads a record (`X-Hub-Purpose`); consent is given per purpose. */
export const PURPOSES = ['ehc_assessment', 'annual_review', 'early_help'] as const;
export type Purpose = (typeof PURPOSES)[number];

/**
 * The record's sections, one per source agency, keyed by the GraphQL type (also the policy
 * subject): the domain whose consent gates it, the `Child` field that carries it, the subgraph
 * that serves it, and how a sentence names it ("the social care section").
 */
export const SECTIONS = {
  EducationSection: { domain: 'education', field: 'education', service: 'education', label: 'education' },
  HealthSection: { domain: 'health', field: 'health', service: 'health', label: 'health' },
  SocialCareSection: {
    domain: 'social_care',
    field: 'socialCare',
    service: 'social-care',
    label: 'social care',
  },
} as const satisfies Record<string, { domain: Domain; field: string; service: string; label: string }>;

export type SectionSubject = keyof typeof SECTIONS;
export type SectionField = (typeof SECTIONS)[SectionSubject]['field'];
export type SectionService = (typeof SECTIONS)[SectionSubject]['service'];

export const SECTION_SUBJECTS = Object.keys(SECTIONS) as SectionSubject[];

/** The section a `Child` field carries (`socialCare` → SocialCareSection), if it is one. */
export function sectionOfField(field: string): SectionSubject | undefined {
  return SECTION_SUBJECTS.find((subject) => SECTIONS[subject].field === field);
}
