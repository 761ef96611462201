export interface Advice {
  id: string;
  assessmentId: string;
  version: number;
  supersedesId: string | null;
  organisationId: string;
  status: 'draft' | 'submitted';
  current: boolean;
  needs: string;
  outcomesSought: string;
  provisionRecommended: string;
  authorName: string;
  submittedAt: string | null;
  updatedAt: string;
}

export type HealthAdvice = Advice;

/**
 * The advice an agency writes for an EHC needs assessment (SEND Regulations 2014 reg 6(1)), one
 * form for all three: the hub's types differ only in name (HealthAdvice, EducationalAdvice,
 * SocialCareAdvice) and share one lifecycle.
 */
export interface AdviceKind {
  /** The consent domain and the council's advice agency. */
  domain: 'health' | 'education' | 'social_care';
  /** The GraphQL type: mutations are create<type>Draft, update<type>Draft, submit<type>, correct<type>. */
  type: 'HealthAdvice' | 'EducationalAdvice' | 'SocialCareAdvice';
  field: 'healthAdvice' | 'educationalAdvice' | 'socialCareAdvice';
  /** The role that writes it. */
  writer: string;
  slug: string;
  noun: string;
  title: string;
  information: string;
  labels: Record<'needs' | 'outcomesSought' | 'provisionRecommended', { label: string; hint: string }>;
}

export const ADVICE_KINDS: Record<AdviceKind['domain'], AdviceKind> = {
  health: {
    domain: 'health',
    type: 'HealthAdvice',
    field: 'healthAdvice',
    writer: 'health_practitioner',
    slug: 'health',
    noun: 'health advice',
    title: 'Health advice',
    information: 'health information',
    labels: {
      needs: {
        label: 'The child’s health needs',
        hint: 'What the child’s health needs are and how they affect learning and daily life.',
      },
      outcomesSought: {
        label: 'What you want to achieve',
        hint: 'The outcomes the health support should lead to.',
      },
      provisionRecommended: {
        label: 'Health support you recommend',
        hint: 'What support is needed, how often and who should give it.',
      },
    },
  },
  education: {
    domain: 'education',
    type: 'EducationalAdvice',
    field: 'educationalAdvice',
    writer: 'senco',
    slug: 'educational',
    noun: 'educational advice',
    title: 'Educational advice',
    information: 'education information',
    labels: {
      needs: {
        label: 'The child’s special educational needs',
        hint: 'What the child finds hard at school, what helps, and how it affects their learning.',
      },
      outcomesSought: {
        label: 'What you want to achieve',
        hint: 'The outcomes the support at school should lead to.',
      },
      provisionRecommended: {
        label: 'Educational provision you recommend',
        hint: 'What support is needed in school, how often and who should give it.',
      },
    },
  },
  social_care: {
    domain: 'social_care',
    type: 'SocialCareAdvice',
    field: 'socialCareAdvice',
    writer: 'social_worker',
    slug: 'social-care',
    noun: 'social care advice',
    title: 'Social care advice',
    information: 'social care information',
    labels: {
      needs: {
        label: 'The child’s social care needs',
        hint: 'What the child and family need at home and in the community, and how it affects daily life.',
      },
      outcomesSought: {
        label: 'What you want to achieve',
        hint: 'The outcomes the social care support should lead to.',
      },
      provisionRecommended: {
        label: 'Social care support you recommend',
        hint: 'What support is needed (for example short breaks), how often and who should give it.',
      },
    },
  },
};

/** The record query's selection for a kind of advice. */
export function adviceFields(kind: AdviceKind): string {
  return `${kind.field} { id assessmentId version supersedesId status current needs outcomesSought provisionRecommended authorName organisationId submittedAt updatedAt }`;
}

export const HEALTH_ADVICE_FIELDS = adviceFields(ADVICE_KINDS.health);

export const KEYS = ['needs', 'outcomesSought', 'provisionRecommended'] as const;
export const fieldsOf = (kind: AdviceKind) => KEYS.map((key) => ({ key, ...kind.labels[key] }));

export type Draft = Record<(typeof KEYS)[number], string>;
