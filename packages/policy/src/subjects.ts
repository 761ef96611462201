import { type Domain, SECTION_SUBJECTS, SECTIONS, type SectionSubject } from './vocabulary.ts';

/**
 * The record, as the policy sees it: one subject per GraphQL type in `schema/*.graphql`, with
 * every field a caller could ask for. Adding a field to the SDL means adding it here, and then
 * deciding in the policy table who may read it (until then nobody can: deny by default).
 * scripts/codegen.test.ts fails when a section type's fields here and in the SDL differ.
 */
export const SUBJECT_FIELDS = {
  /** Identity, owned by the core record service. */
  Child: ['id', 'givenName', 'familyName', 'dateOfBirth', 'nhsNumber', 'upn', 'laId'],
  EducationSection: ['senStatus', 'school', 'attendancePercent', 'sencoNotes', 'provisions', 'updatedAt'],
  HealthSection: ['involvements', 'pathwayWaits', 'diagnoses', 'updatedAt'],
  SocialCareSection: ['status', 'allocatedWorker', 'shortBreaks', 'updatedAt'],
  // Child and exactly the record's sections (vocabulary.ts).
} as const satisfies Record<'Child' | SectionSubject, readonly string[]>;

export type SubjectName = keyof typeof SUBJECT_FIELDS;
export type SubjectField<S extends SubjectName> = (typeof SUBJECT_FIELDS)[S][number];

export const SUBJECT_NAMES = Object.keys(SUBJECT_FIELDS) as SubjectName[];

/** The sections each come from one source agency; consent is given per source domain. */
export const SECTION_DOMAIN = Object.fromEntries(
  SECTION_SUBJECTS.map((subject) => [subject, SECTIONS[subject].domain]),
) as Record<SectionSubject, Domain>;

/** Subject → domain for every subject; `null` for Child identity, which no consent gates. */
export const SUBJECT_DOMAIN: Record<SubjectName, Domain | null> = { Child: null, ...SECTION_DOMAIN };

export function isSectionSubject(subject: SubjectName): subject is SectionSubject {
  return subject !== 'Child';
}
