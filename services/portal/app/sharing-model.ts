import type { TypedDocument } from './api.ts';
import type {
  ConsentRequestsQuery,
  ConsentRequestsQueryVariables,
  ConsentsQuery,
  ConsentsQueryVariables,
  GrantMutation,
  GrantMutationVariables,
  WithdrawMutation,
  WithdrawMutationVariables,
} from './generated/graphql.ts';

/**
 * The family's sharing choices as the hub holds them (Consent, ConsentRequest and their
 * queries) and in the family's words: what is shared, with whom, why, and what happens if
 * they say no. The journey's pages: consent-journey.tsx.
 */

export type Consent = ConsentsQuery['consents'][number];

export type ConsentRequest = ConsentRequestsQuery['consentRequests'][number];

export const CONSENTS_QUERY: TypedDocument<ConsentsQuery, ConsentsQueryVariables> = /* GraphQL */ `
  query Consents($childId: ID!) { consents(childId: $childId) { id domain recipientOrgType purpose status grantedByRole startsAt createdAt withdrawnAt } }
`;
export const CONSENT_REQUESTS_QUERY: TypedDocument<ConsentRequestsQuery, ConsentRequestsQueryVariables> =
  /* GraphQL */ `
  query ConsentRequests($childId: ID!) { consentRequests(childId: $childId) { domain recipientOrgType purpose agency requestedOn dueDate } }
`;
export const GRANT: TypedDocument<GrantMutation, GrantMutationVariables> = /* GraphQL */ `
  mutation Grant($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }
`;
export const WITHDRAW: TypedDocument<WithdrawMutation, WithdrawMutationVariables> = /* GraphQL */ `
  mutation Withdraw($id: ID!) { withdrawConsent(id: $id) { id status } }
`;

// ---- The words: what, who, why, and what happens if you say no ----

export interface Source {
  value: string;
  /** Who holds it, in a sentence: "the school". */
  holder: string;
  /** The owner's own kind of organisation (it always sees its own information). */
  owner: string;
  short: string;
  what: (name: string) => string;
}

export const SOURCES: Source[] = [
  {
    value: 'education',
    holder: 'the school',
    owner: 'school',
    short: 'School information',
    what: (name) =>
      `What the school knows about ${name}’s special educational needs: the support in place, attendance, notes from the teacher who co-ordinates special educational needs support (the SENCO), and educational advice the SENCO writes for an assessment.`,
  },
  {
    value: 'health',
    holder: 'the NHS',
    owner: 'health',
    short: 'Health information',
    what: (name) =>
      `Which NHS services are working with ${name}, waits for specialist assessments (for example for autism or speech and language), diagnoses, and health advice written for an assessment.`,
  },
  {
    value: 'social_care',
    holder: 'children’s social care',
    owner: 'social_care',
    short: 'Social care information',
    what: (name) =>
      `Whether children’s social care is working with ${name}, who their social worker is, support such as short breaks, and social care advice written for an assessment.`,
  },
];

export interface Recipient {
  value: string;
  name: string;
  who: (name: string) => string;
}

export const RECIPIENTS_PLAIN: Recipient[] = [
  {
    value: 'school',
    name: 'the school',
    who: (name) => `The special educational needs co-ordinator (SENCO) at ${name}’s school.`,
  },
  {
    value: 'health',
    name: 'the NHS',
    who: (name) => `Health professionals at NHS services that are working with ${name}.`,
  },
  {
    value: 'social_care',
    name: 'children’s social care',
    who: (name) => `Social workers in children’s social care who are working with ${name}.`,
  },
  {
    value: 'local_authority',
    name: 'the council’s SEND team',
    who: () =>
      'The council’s special educational needs and disabilities (SEND) team, who arrange assessments and EHC plans.',
  },
];

export interface Reason {
  value: string;
  title: string;
  phrase: string;
  why: (name: string) => string;
}

export const REASONS: Reason[] = [
  {
    value: 'ehc_assessment',
    title: 'For an EHC needs assessment',
    phrase: 'for an EHC needs assessment',
    why: (name) =>
      `To decide whether ${name} needs an education, health and care (EHC) plan, and what it should say.`,
  },
  {
    value: 'annual_review',
    title: 'For the annual review of an EHC plan',
    phrase: 'for the annual review',
    why: (name) => `The yearly check that ${name}’s EHC plan still gives the right support.`,
  },
  {
    value: 'early_help',
    title: 'For early help',
    phrase: 'for early help',
    why: () => 'Support for your family before problems get worse.',
  },
];

export interface Choice {
  purpose: string;
  domain: string;
  recipient: string;
}

export const key = (c: Choice) => `${c.purpose}/${c.domain}/${c.recipient}`;

/** Every choice the family makes: 3 reasons × 3 kinds of information × the 3 organisations that do not hold it. */
export const CHOICES: Choice[] = REASONS.flatMap((r) =>
  SOURCES.flatMap((s) =>
    RECIPIENTS_PLAIN.filter((x) => x.value !== s.owner).map((x) => ({
      purpose: r.value,
      domain: s.value,
      recipient: x.value,
    })),
  ),
);

export const source = (v: string) => SOURCES.find((s) => s.value === v)!;
export const recipientOf = (v: string) => RECIPIENTS_PLAIN.find((r) => r.value === v)!;
export const reason = (v: string) => REASONS.find((r) => r.value === v)!;

export function ifNo(c: Choice, name: string): string {
  const from = source(c.domain).holder;
  const to = recipientOf(c.recipient).name;
  const advice =
    c.purpose === 'ehc_assessment' && c.recipient === 'local_authority'
      ? ` ${capital(from)} cannot send its advice for the assessment to the council, so the council may decide without it.`
      : ` They may need to ask you for the same information again, and it may take longer to get ${name} the right support.`;
  return `${capital(to)} will not see ${from}’s information ${reason(c.purpose).phrase}.${advice} Nothing else changes: ${from} still keeps its own information.`;
}

export const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Health information with the council’s SEND team" */
export function choiceLabel(c: Choice): string {
  return `${source(c.domain).short} with ${recipientOf(c.recipient).name}`;
}

/** "share health information with the council’s SEND team for an EHC needs assessment" */
export function choiceSentence(c: Choice): string {
  return `${source(c.domain).short.toLowerCase()} with ${recipientOf(c.recipient).name} ${reason(c.purpose).phrase}`;
}
