/**
 * Plain-English words for the hub's codes (GOV.UK style: short, no unexplained acronyms). The codes
 * themselves come from the policy's vocabulary; each table here must word every one of them.
 */
import {
  type Domain,
  PURPOSES as PURPOSE_CODES,
  type Purpose,
  type Role,
  SECTION_SUBJECTS,
  SECTIONS,
} from '@hub/policy/vocabulary';

export const ROLE_LABELS: Record<string, string> = {
  senco: 'SENCO (special educational needs co-ordinator) at a school',
  health_practitioner: 'Health practitioner (NHS or ICB, integrated care board)',
  social_worker: "Social worker (children's social care)",
  la_send_officer: 'Council SEND officer (special educational needs and disabilities team)',
  parent_carer: 'Parent or carer',
  young_person: 'Young person (from the end of the school year they turn 16, to 25)',
  auditor: 'Auditor',
} satisfies Record<Role, string>;

const PURPOSE_WORDS: Record<Purpose, { label: string; hint: string; phrase: string }> = {
  ehc_assessment: {
    label: 'EHC needs assessment',
    hint: 'Deciding whether a child needs an education, health and care (EHC) plan, and writing it.',
    phrase: 'an EHC needs assessment',
  },
  annual_review: {
    label: 'Annual review',
    hint: 'The yearly review of an existing EHC plan.',
    phrase: 'an annual review',
  },
  early_help: {
    label: 'Early help',
    hint: 'Support for the family before problems get worse.',
    phrase: 'early help',
  },
};

export const PURPOSES: { value: Purpose; label: string; hint: string }[] = PURPOSE_CODES.map((value) => ({
  value,
  label: PURPOSE_WORDS[value].label,
  hint: PURPOSE_WORDS[value].hint,
}));

export function purposeLabel(value: string | null | undefined): string {
  return PURPOSES.find((p) => p.value === value)?.label ?? 'no stated reason';
}

export const DOMAINS: { value: Domain; label: string; owner: string; source: string }[] = [
  { value: 'education', label: 'education', owner: 'school', source: 'the school' },
  { value: 'health', label: 'health', owner: 'health', source: 'the NHS' },
  { value: 'social_care', label: 'social care', owner: 'social_care', source: "children's social care" },
];

export const RECIPIENTS: { value: string; label: string }[] = [
  { value: 'school', label: 'the school' },
  { value: 'health', label: 'the NHS' },
  { value: 'social_care', label: "children's social care" },
  { value: 'local_authority', label: 'the council SEND team' },
];

/** The recipient kind of organisation for a partner role (who "you" are in a refusal message). */
export const ROLE_RECIPIENT: Record<string, string> = {
  senco: 'your school',
  health_practitioner: 'your health service',
  social_worker: 'your social care team',
  la_send_officer: 'your council',
};

/** A purpose inside a sentence: "… for an EHC needs assessment." */
export const PURPOSE_PHRASE: Record<string, string> = Object.fromEntries(
  PURPOSE_CODES.map((purpose) => [purpose, PURPOSE_WORDS[purpose].phrase]),
);

/** A refused section's field (`Child.socialCare`) → its words ("social care"). */
const SECTION_DOMAIN: Record<string, string> = Object.fromEntries(
  SECTION_SUBJECTS.map((subject) => [`Child.${SECTIONS[subject].field}`, SECTIONS[subject].label]),
);

/** Why a section or field is not shown, in words a busy professional understands at once. */
export function refusalText(
  ext: { code?: string; field?: string; reason?: string } | undefined,
  role: string,
  purpose: string,
): string {
  const domain = (ext?.field && SECTION_DOMAIN[ext.field]) ?? 'this';
  if (ext?.code === 'UNAVAILABLE')
    return 'This information cannot be shown right now because the system that holds it is not responding. Try again later.';
  switch (ext?.reason) {
    case 'NO_CONSENT':
      return `The family has not agreed to share ${domain} information with ${ROLE_RECIPIENT[role] ?? 'you'} for ${PURPOSE_PHRASE[purpose] ?? 'this purpose'}.`;
    case 'NO_RELATIONSHIP':
      return 'Your organisation is not currently involved with this child, so you cannot see this.';
    case 'NOT_PERMITTED':
      return 'Your role does not give access to this.';
    default:
      return 'You cannot see this information.';
  }
}

export const SOCIAL_CARE_STATUS: Record<string, string> = {
  NONE: 'No involvement',
  EARLY_HELP: 'Early help',
  CHILD_IN_NEED: 'Child in need',
  CHILD_PROTECTION: 'Child protection plan',
  LOOKED_AFTER: 'Looked after by the council',
};

export const SEN_STATUS: Record<string, string> = {
  NO_SEN: 'No special educational needs recorded',
  SEN_SUPPORT: 'SEN support (help from the school)',
  EHC_PLAN: 'Has an EHC plan',
};

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const when = d.toLocaleString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone: 'UTC',
  });
  return `${when} UTC`;
}

/**
 * A moment as people in England read it (GOV.UK style): "2 December 2026 at 10:05am", in
 * Europe/London (GMT or BST as the date has it), not UTC.
 */
export function formatLondonDateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const date = d.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'Europe/London',
  });
  const parts = new Intl.DateTimeFormat('en-GB', {
    hour: 'numeric',
    minute: '2-digit',
    hour12: true,
    timeZone: 'Europe/London',
  }).formatToParts(d);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const hour = part('hour');
  const minute = part('minute');
  const ampm = part('dayPeriod').toLowerCase().replace(/\s|\./g, '');
  const time = minute === '00' ? `${hour}${ampm}` : `${hour}:${minute}${ampm}`;
  return `${date} at ${time === '12am' ? 'midnight' : time === '12pm' ? 'midday' : time}`;
}
