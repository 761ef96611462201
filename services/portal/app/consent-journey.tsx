// The same age rule the hub enforces (only this pure module, not the CASL abilities).
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { gql, type SessionUser, shownPageWide, type TypedDocument } from './api.ts';
import { ErrorSummary, Radios } from './fields.tsx';
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
import { formatDate, formatDateTime } from './text.ts';
import { PageHeading } from './ui.tsx';

/**
 * The family's sharing choices, following the NHS national data opt-out and GOV.UK patterns:
 * a summary of every choice → one question per page (what is shared, with whom, why, and what
 * happens if you say no) → check your answers → confirmation → a record to keep.
 *
 * Answers not yet confirmed are kept in this tab's sessionStorage, so a reload or the back
 * button loses nothing; nothing changes in the hub until the family confirms. The hub keeps at
 * most one open consent per choice and grant and withdraw are idempotent, so a double click or
 * a retry cannot record a choice twice.
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
const GRANT: TypedDocument<GrantMutation, GrantMutationVariables> = /* GraphQL */ `
  mutation Grant($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }
`;
const WITHDRAW: TypedDocument<WithdrawMutation, WithdrawMutationVariables> = /* GraphQL */ `
  mutation Withdraw($id: ID!) { withdrawConsent(id: $id) { id status } }
`;

// ---- The words: what, who, why, and what happens if you say no ----

interface Source {
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

interface Recipient {
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

interface Reason {
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

const key = (c: Choice) => `${c.purpose}/${c.domain}/${c.recipient}`;

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

const source = (v: string) => SOURCES.find((s) => s.value === v)!;
const recipientOf = (v: string) => RECIPIENTS_PLAIN.find((r) => r.value === v)!;
const reason = (v: string) => REASONS.find((r) => r.value === v)!;

function ifNo(c: Choice, name: string): string {
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

// ---- State: what the hub holds, and answers not yet confirmed ----

export type Current = 'shared' | 'not_shared' | 'awaiting_young_person';

export function currentOf(consents: Consent[], c: Choice): { state: Current; since: string | null } {
  const here = consents.filter(
    (k) => k.domain === c.domain && k.recipientOrgType === c.recipient && k.purpose === c.purpose,
  );
  const active = here.find((k) => k.status === 'active' || k.status === 'scheduled');
  if (active) return { state: 'shared', since: active.startsAt };
  if (here.some((k) => k.status === 'needs_young_person_confirmation'))
    return { state: 'awaiting_young_person', since: null };
  return { state: 'not_shared', since: null };
}

const pendingKey = (childId: string) => `hub.sharing-answers.${childId}`;

function readPending(childId: string): Record<string, boolean> {
  try {
    return JSON.parse(sessionStorage.getItem(pendingKey(childId)) ?? '{}') as Record<string, boolean>;
  } catch {
    return {};
  }
}

function writePending(childId: string, answers: Record<string, boolean>): void {
  if (Object.keys(answers).length === 0) sessionStorage.removeItem(pendingKey(childId));
  else sessionStorage.setItem(pendingKey(childId), JSON.stringify(answers));
}

const confirmedKey = (childId: string) => `hub.sharing-confirmed.${childId}`;

function useTitle(title: string, error: boolean) {
  useEffect(() => {
    document.title = `${error ? 'Error: ' : ''}${title} – Tell it once`;
  }, [title, error]);
}

/** The hub's consents and the child's name; a loading state and "Try again" until they arrive. */
function useSharing(childId: string, page: string) {
  const [consents, setConsents] = useState<Consent[] | null>(null);
  const [requests, setRequests] = useState<ConsentRequest[] | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [decides, setDecides] = useState<boolean | null>(null);
  const [failed, setFailed] = useState<string[]>([]);
  const load = useCallback(async () => {
    setFailed([]);
    try {
      const r = await gql<{
        consents: Consent[];
        consentRequests: ConsentRequest[];
        child: { givenName: string | null; viewer: { canManageConsent: boolean } | null } | null;
      }>(
        `query Sharing($childId: ID!) {
          consents(childId: $childId) { id domain recipientOrgType purpose status grantedByRole startsAt createdAt withdrawnAt }
          consentRequests(childId: $childId) { domain recipientOrgType purpose agency requestedOn dueDate }
          child(id: $childId) { givenName viewer { canManageConsent } }
        }`,
        { childId },
      );
      if (!r.data?.consents) {
        // A service failure is said once, page-wide, with its "Try again" (main.tsx): nothing more here.
        setFailed(
          shownPageWide(r)
            ? [PAGE_WIDE]
            : r.errors.length
              ? r.errors.map((e) => e.message)
              : ['Your sharing choices could not be loaded.'],
        );
        return;
      }
      setConsents(r.data.consents);
      setRequests(r.data.consentRequests ?? []);
      setName(r.data.child?.givenName ?? null);
      setDecides(r.data.child?.viewer?.canManageConsent ?? null);
    } catch {
      setFailed(['Your sharing choices could not be loaded. Check your connection and try again.']);
    }
  }, [childId]);
  // Read fresh on every page of the journey: a choice confirmed a moment ago (here or in
  // another tab) is what the next page shows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: page is a deliberate trigger.
  useEffect(() => {
    void load();
  }, [load, page]);
  // Whether this family member makes the choices is the hub's answer (Child.viewer): after the
  // end of compulsory school age the young person does. Until it is known, the choices are
  // offered (the hub refuses a choice the user may not make).
  return { consents, requests, name: name ?? 'your child', decides: decides ?? true, load, failed };
}

/** Marks a failure the page-wide message (main.tsx) already shows with its own "Try again". */
const PAGE_WIDE = 'page-wide';

function LoadingOrFailed({ failed, retry }: { failed: string[]; retry: () => void }) {
  if (failed.length === 0)
    return (
      <p role="status" data-testid="sharing-loading">
        Loading your sharing choices…
      </p>
    );
  if (failed.includes(PAGE_WIDE)) return <p>Your sharing choices could not be loaded.</p>;
  return (
    <>
      <ErrorSummary messages={failed} />
      <button type="button" className="button" onClick={retry}>
        Try again
      </button>
    </>
  );
}

const base = (childId: string) => `#/family/${childId}/sharing`;
export const questionHref = (childId: string, c: Choice) => `${base(childId)}/${key(c)}`;

function BackLink({ href, children }: { href: string; children: string }) {
  return (
    <p>
      <a href={href} className="back-link">
        {children}
      </a>
    </p>
  );
}

// ---- Task list: what partners are waiting for ----

const AGENCY: Record<string, string> = {
  health: 'the NHS',
  social_care: 'children’s social care',
  education: 'the school',
  educational_psychology: 'the educational psychologist',
};

/** The GOV.UK task list: one task per consent a partner waits for, linking to its question. */
export function WaitingTasks({
  childId,
  name,
  requests,
  consents,
  decides,
}: {
  childId: string;
  name: string;
  requests: ConsentRequest[];
  consents: Consent[];
  decides: boolean;
}) {
  if (requests.length === 0) return null;
  return (
    <section aria-labelledby="waiting-heading" className="section" data-testid="waiting-tasks">
      <h2 id="waiting-heading">
        {requests.length === 1
          ? 'A partner is waiting for your answer'
          : `Partners are waiting for ${requests.length} answers`}
      </h2>
      <ul className="task-list">
        {requests.map((r) => {
          const c = { purpose: r.purpose, domain: r.domain, recipient: r.recipientOrgType };
          const saidNo = consents.some(
            (k) =>
              k.domain === c.domain &&
              k.recipientOrgType === c.recipient &&
              k.purpose === c.purpose &&
              k.status === 'withdrawn',
          );
          const asked = AGENCY[r.agency] ?? 'a partner';
          return (
            <li className="task-list-item" key={key(c)}>
              <div>
                {decides ? (
                  <a href={questionHref(childId, c)}>Can {asked} send its advice to the council?</a>
                ) : (
                  <span>Can {asked} send its advice to the council?</span>
                )}
                <p className="hint">
                  The council asked {asked} for advice about {name} on {formatDate(r.requestedOn)}, for an EHC
                  needs assessment. It is due by {formatDate(r.dueDate)}. {capital(asked)} can only send it if
                  you agree to share {choiceSentence(c).replace(/ for an EHC needs assessment$/, '')}.
                </p>
              </div>
              <strong className={saidNo ? 'tag tag-grey' : 'tag tag-blue'}>
                {saidNo ? 'You said no' : 'Waiting for you'}
              </strong>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const SHARE_ANSWERS = [
  { value: 'yes', label: 'Yes, share it' },
  { value: 'no', label: 'No, do not share it' },
];

// ---- Pages ----

export function SharingJourney({
  childId,
  step,
}: {
  user: SessionUser;
  childId: string;
  step: string[];
}) {
  const sharing = useSharing(childId, step.join('/'));
  const decides = sharing.decides;
  const [first, domain, recipient] = step;
  if (first === 'check') return <CheckAnswers childId={childId} sharing={sharing} />;
  if (first === 'done') return <Confirmation childId={childId} sharing={sharing} />;
  if (first === 'record') return <KeepRecord childId={childId} sharing={sharing} />;
  const choice = CHOICES.find((c) => c.purpose === first && c.domain === domain && c.recipient === recipient);
  if (choice && decides)
    return <Question key={key(choice)} childId={childId} choice={choice} sharing={sharing} />;
  return <Summary childId={childId} sharing={sharing} decides={decides} />;
}

type Sharing = ReturnType<typeof useSharing>;

function Summary({ childId, sharing, decides }: { childId: string; sharing: Sharing; decides: boolean }) {
  const { consents, requests, name } = sharing;
  const pending = readPending(childId);
  const pendingCount = Object.keys(pending).length;
  useTitle(`Sharing choices for ${name}`, false);
  return (
    <>
      <BackLink href={`#/family/${childId}`}>Back to the record</BackLink>
      <PageHeading caption="Sharing choices">Who can see {name}’s information</PageHeading>
      <p className="lead">
        Each organisation keeps its own information about {name}. You decide whether it shares it with the
        others, and for which reason. Nothing is shared unless you say yes, and you can change your mind at
        any time. A change works straight away.
      </p>
      {!consents || !requests ? (
        <LoadingOrFailed failed={sharing.failed} retry={() => void sharing.load()} />
      ) : (
        <>
          <WaitingTasks
            childId={childId}
            name={name}
            requests={requests}
            consents={consents}
            decides={decides}
          />
          {pendingCount > 0 && decides && (
            <div className="inset" data-testid="unconfirmed">
              <p>
                You have {pendingCount === 1 ? '1 answer' : `${pendingCount} answers`} you have not confirmed
                yet. Nothing changes until you confirm.
              </p>
              <p>
                <a href={`${base(childId)}/check`}>Check and confirm your answers</a>
              </p>
            </div>
          )}
          {!decides && (
            <div className="inset">
              <p>
                {name} now decides who sees their information. You can see their choices but not change them.
              </p>
            </div>
          )}
          {REASONS.map((r) => (
            <section key={r.value} aria-labelledby={`reason-${r.value}`} data-purpose={r.value}>
              <h2 id={`reason-${r.value}`}>{r.title}</h2>
              <p className="hint">{r.why(name)}</p>
              <dl className="summary-list">
                {CHOICES.filter((c) => c.purpose === r.value).map((c) => {
                  const now = currentOf(consents, c);
                  return (
                    <div className="summary-row" key={key(c)} data-choice={key(c)}>
                      <dt>{choiceLabel(c)}</dt>
                      <dd>
                        <StateText state={now.state} since={now.since} />
                      </dd>
                      {decides && (
                        <dd className="summary-action">
                          <a href={questionHref(childId, c)}>
                            Change
                            <span className="visually-hidden"> whether you share {choiceSentence(c)}</span>
                          </a>
                        </dd>
                      )}
                    </div>
                  );
                })}
              </dl>
            </section>
          ))}
          <p>
            <a href={`${base(childId)}/record`}>Print or download a record of your choices</a>
          </p>
        </>
      )}
    </>
  );
}

function StateText({ state, since }: { state: Current; since: string | null }) {
  if (state === 'shared')
    return (
      <>
        <strong className="tag tag-green">Shared</strong>
        {since && <span className="hint-inline"> since {formatDate(since)}</span>}
      </>
    );
  if (state === 'awaiting_young_person')
    return (
      <>
        <strong className="tag tag-grey">Not shared</strong>
        <span className="hint-inline">
          {' '}
          – agreed by a parent or carer before 16; the young person must agree too
        </span>
      </>
    );
  return <strong className="tag tag-grey">Not shared</strong>;
}

function Question({ childId, choice, sharing }: { childId: string; choice: Choice; sharing: Sharing }) {
  const { consents, name } = sharing;
  const [answer, setAnswer] = useState<boolean | undefined>(() => readPending(childId)[key(choice)]);
  const [error, setError] = useState('');
  const from = source(choice.domain);
  const to = recipientOf(choice.recipient);
  const why = reason(choice.purpose);
  const question = `Can ${from.holder} share ${name}’s ${from.short.toLowerCase()} with ${to.name} ${why.phrase}?`;
  useTitle(question, error !== '');
  const now = consents ? currentOf(consents, choice) : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (answer === undefined) {
      setError(`Select yes if ${from.holder} can share this information, or no if it cannot`);
      window.setTimeout(() => document.querySelector<HTMLElement>('.error-summary')?.focus(), 0);
      return;
    }
    writePending(childId, { ...readPending(childId), [key(choice)]: answer });
    window.location.hash = `${base(childId)}/check`;
  };

  return (
    <>
      <BackLink href={base(childId)}>Back to your sharing choices</BackLink>
      {error && (
        <div className="error-summary" role="alert" tabIndex={-1}>
          <h2>There is a problem</h2>
          <ul>
            <li>
              {/* biome-ignore lint/a11y/useValidAnchor: with hash routes the browser's own jump would change the page, so focus is moved by hand (as the skip link does). */}
              <a
                href="#share-yes"
                onClick={(e) => {
                  e.preventDefault();
                  document.getElementById('share-yes')?.focus();
                }}
              >
                {error}
              </a>
            </li>
          </ul>
        </div>
      )}
      <PageHeading caption="Sharing choices">{question}</PageHeading>
      {!consents ? (
        <LoadingOrFailed failed={sharing.failed} retry={() => void sharing.load()} />
      ) : (
        <>
          <p data-testid="current-state">
            At the moment: <StateText state={now!.state} since={now!.since} />
          </p>
          <h2 className="heading-s">What is shared</h2>
          <p>{from.what(name)}</p>
          <h2 className="heading-s">Who will see it</h2>
          <p>{to.who(name)}</p>
          <h2 className="heading-s">Why</h2>
          <p>{why.why(name)}</p>
          <h2 className="heading-s">If you say no</h2>
          <p>{ifNo(choice, name)}</p>
          <p>
            You can change your answer at any time. Every look at {name}’s record is recorded, and you can see
            who looked.
          </p>
          <form onSubmit={submit} noValidate>
            <Radios
              name="share"
              legend="Your answer"
              error={error}
              items={SHARE_ANSWERS}
              value={answer === undefined ? null : answer ? 'yes' : 'no'}
              onChange={(value) => setAnswer(value === 'yes')}
            />
            <button type="submit" className="button">
              Continue
            </button>
          </form>
        </>
      )}
    </>
  );
}

function CheckAnswers({ childId, sharing }: { childId: string; sharing: Sharing }) {
  const { consents, name } = sharing;
  const [answers, setAnswers] = useState(() => readPending(childId));
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  useTitle('Check your answers', errors.length > 0);
  const answered = CHOICES.filter((c) => answers[key(c)] !== undefined);

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !consents) return;
    setBusy(true);
    setErrors([]);
    const done: { choice: Choice; share: boolean }[] = [];
    try {
      for (const c of answered) {
        const share = answers[key(c)]!;
        const now = currentOf(consents, c).state;
        if (share && now !== 'shared') {
          const r = await gql(GRANT, {
            input: { childId, domain: c.domain, recipientOrgType: c.recipient, purpose: c.purpose },
          });
          if (r.errors.length) throw new Error(r.errors.map((x) => x.message).join(' '));
        } else if (!share && now === 'shared') {
          const open = consents.filter(
            (k) =>
              k.domain === c.domain &&
              k.recipientOrgType === c.recipient &&
              k.purpose === c.purpose &&
              (k.status === 'active' || k.status === 'scheduled'),
          );
          for (const k of open) {
            const r = await gql(WITHDRAW, { id: k.id });
            if (r.errors.length) throw new Error(r.errors.map((x) => x.message).join(' '));
          }
        }
        done.push({ choice: c, share });
        // What is saved is no longer pending: a failure part-way keeps only the rest to confirm.
        const rest = { ...readPending(childId) };
        delete rest[key(c)];
        writePending(childId, rest);
      }
      sessionStorage.setItem(
        confirmedKey(childId),
        JSON.stringify({
          at: new Date().toISOString(),
          changes: done.map((d) => ({ ...d.choice, share: d.share })),
        }),
      );
      window.location.hash = `${base(childId)}/done`;
    } catch (error) {
      setAnswers(readPending(childId));
      await sharing.load();
      setErrors([
        // The hub's messages end with a full stop of their own ("… try again."): one, not two.
        `Not all your answers were saved: ${error instanceof Error ? error.message.replace(/\.\s*$/, '') : 'the hub did not answer'}. The answers still shown below were not saved. Try again.`,
      ]);
      setBusy(false);
    }
  };

  return (
    <>
      <BackLink href={base(childId)}>Back to your sharing choices</BackLink>
      <PageHeading caption="Sharing choices">Check your answers before confirming</PageHeading>
      <ErrorSummary messages={errors} />
      {!consents ? (
        <LoadingOrFailed failed={sharing.failed} retry={() => void sharing.load()} />
      ) : answered.length === 0 ? (
        <>
          <p>You have no answers to confirm.</p>
          <p>
            <a href={base(childId)}>See {name}’s sharing choices</a>
          </p>
        </>
      ) : (
        <form onSubmit={confirm} noValidate>
          <dl className="summary-list" data-testid="check-answers">
            {answered.map((c) => {
              const share = answers[key(c)]!;
              const was = currentOf(consents, c).state === 'shared';
              return (
                <div className="summary-row" key={key(c)}>
                  <dt>
                    {choiceLabel(c)} {reason(c.purpose).phrase}
                  </dt>
                  <dd>
                    {share ? 'Yes, share it' : 'No, do not share it'}
                    <span className="hint-inline">
                      {share === was
                        ? ' (no change)'
                        : was
                          ? ' (sharing will stop)'
                          : ' (sharing will start)'}
                    </span>
                  </dd>
                  <dd className="summary-action">
                    <a href={questionHref(childId, c)}>
                      Change<span className="visually-hidden"> your answer about {choiceSentence(c)}</span>
                    </a>
                  </dd>
                </div>
              );
            })}
          </dl>
          <h2>Now confirm your choices</h2>
          <p>
            When you confirm, the organisations see the change straight away. You can change your mind at any
            time.
          </p>
          <button
            type="submit"
            className="button"
            aria-disabled={busy || undefined}
            data-prevent-double-click="true"
          >
            {busy ? 'Saving your choices…' : 'Confirm and save'}
          </button>
        </form>
      )}
    </>
  );
}

function Confirmation({ childId, sharing }: { childId: string; sharing: Sharing }) {
  const { name } = sharing;
  useTitle('Your sharing choices have been saved', false);
  const saved = (() => {
    try {
      return JSON.parse(sessionStorage.getItem(confirmedKey(childId)) ?? 'null') as {
        at: string;
        changes: (Choice & { share: boolean })[];
      } | null;
    } catch {
      return null;
    }
  })();
  return (
    <>
      <div className="panel" data-testid="confirmation-panel">
        <h1 tabIndex={-1}>Your sharing choices have been saved</h1>
        {saved && <p>On {formatDateTime(saved.at)}</p>}
      </div>
      {saved && saved.changes.length > 0 && (
        <>
          <h2>What you told us</h2>
          <ul className="list">
            {saved.changes.map((c) => (
              <li key={key(c)}>
                {c.share ? 'Share' : 'Do not share'} {choiceSentence(c)}
              </li>
            ))}
          </ul>
        </>
      )}
      <h2>What happens next</h2>
      <p>
        The organisations see the change straight away. If you said no, they will no longer see that
        information for that reason; what they have already seen is recorded and you can see who looked.
      </p>
      <p>
        <a href={`${base(childId)}/record`}>Print or download a record of {name}’s sharing choices</a>
      </p>
      <p>
        <a href={base(childId)}>See all of {name}’s sharing choices</a>
      </p>
      <p>
        <a href={`#/family/${childId}`}>Back to {name}’s record</a>
      </p>
    </>
  );
}

/** A record of every choice with its date, to print or download. */
function KeepRecord({ childId, sharing }: { childId: string; sharing: Sharing }) {
  const { consents, name } = sharing;
  useTitle(`A record of ${name}’s sharing choices`, false);
  const asAt = new Date().toISOString();
  const rows = consents ? CHOICES.map((c) => ({ c, now: currentOf(consents, c) })) : [];

  const download = () => {
    const lines = [
      `Sharing choices for ${name}`,
      `As at ${formatDateTime(asAt)}`,
      '',
      ...REASONS.flatMap((r) => [
        r.title,
        ...rows
          .filter((x) => x.c.purpose === r.value)
          .map(
            (x) =>
              `- ${choiceLabel(x.c)}: ${x.now.state === 'shared' ? `Shared since ${formatDate(x.now.since)}` : 'Not shared'}`,
          ),
        '',
      ]),
      'You can change these choices at any time in Tell it once. A change works straight away.',
    ];
    const blob = new Blob([`${lines.join('\n')}\n`], { type: 'text/plain;charset=utf-8' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `sharing-choices-${name.replace(/[^\w-]+/g, '-').toLowerCase()}-${asAt.slice(0, 10)}.txt`;
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(link.href);
  };

  return (
    <>
      <div className="no-print">
        <BackLink href={base(childId)}>Back to your sharing choices</BackLink>
      </div>
      <PageHeading caption="Sharing choices">A record of {name}’s sharing choices</PageHeading>
      {!consents ? (
        <LoadingOrFailed failed={sharing.failed} retry={() => void sharing.load()} />
      ) : (
        <>
          <p data-testid="record-date">As at {formatDateTime(asAt)}.</p>
          <div className="button-group no-print">
            <button type="button" className="button" onClick={() => window.print()}>
              Print this page
            </button>
            <button type="button" className="button button-secondary" onClick={download}>
              Download a copy
            </button>
          </div>
          {REASONS.map((r) => (
            <table className="table" key={r.value} data-purpose={r.value}>
              <caption className="table-caption">{r.title}</caption>
              <thead>
                <tr>
                  <th scope="col">Information</th>
                  <th scope="col">Your choice</th>
                </tr>
              </thead>
              <tbody>
                {rows
                  .filter((x) => x.c.purpose === r.value)
                  .map((x) => (
                    <tr key={key(x.c)}>
                      <th scope="row">{choiceLabel(x.c)}</th>
                      <td>
                        {x.now.state === 'shared' ? `Shared since ${formatDate(x.now.since)}` : 'Not shared'}
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
          ))}
          <p>You can change these choices at any time in this service. A change works straight away.</p>
        </>
      )}
    </>
  );
}
