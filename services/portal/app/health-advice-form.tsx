import { type FormEvent, useEffect, useRef, useState } from 'react';
import { getSession, gql } from './api.ts';
import { ErrorSummary, Textarea } from './fields.tsx';
import type { EhcAssessment } from './record-view.tsx';
import { formatDate, formatDateTime } from './text.ts';
import { useDraft } from './ui.tsx';

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

const KEYS = ['needs', 'outcomesSought', 'provisionRecommended'] as const;
const fieldsOf = (kind: AdviceKind) => KEYS.map((key) => ({ key, ...kind.labels[key] }));

type Draft = Record<(typeof KEYS)[number], string>;

/**
 * Advice for an EHC needs assessment: health advice written by the ICB (integrated care board) or
 * NHS trust, educational advice by the school's SENCO, social care advice by the social worker.
 * Due within 6 weeks of the council's request. Drafts are seen only by the author's
 * organisation; once sent, advice never changes (a correction is a new version).
 *
 * The organisation's saved draft for the assessment in progress is what the form edits: after a
 * reload, in a new tab or by a colleague, the draft is loaded from the hub, never started again.
 */
export function HealthAdvicePanel(props: Omit<Parameters<typeof AdvicePanel>[0], 'kind'>) {
  return <AdvicePanel kind={ADVICE_KINDS.health} {...props} />;
}

export function AdvicePanel({
  kind,
  childId,
  advice,
  assessments,
  consentMissing,
  onChange,
}: {
  kind: AdviceKind;
  childId: string;
  advice: Advice[];
  assessments: EhcAssessment[];
  /** The family has not (yet) agreed to share this information with the council: no form. */
  consentMissing?: boolean;
  onChange: () => void;
}) {
  const active = assessments.find((a) => a.active);
  // Drafts are never "current" (only submitted advice is): look for the draft itself, for the
  // assessment in progress.
  const draft =
    advice.find((a) => a.status === 'draft' && a.assessmentId === active?.id) ??
    (active ? undefined : advice.find((a) => a.status === 'draft'));
  const submitted = advice.filter((a) => a.current && a.status === 'submitted');
  const [errors, setErrors] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  // The draft just sent: its form goes at once (before the record reloads); a correction started
  // afterwards on the same page is another draft, whose form shows.
  const [sentId, setSentId] = useState<string | null>(null);
  const sent = sentId !== null && (draft === undefined || draft.id === sentId);
  const request = active?.adviceRequests.find((r) => r.agency === kind.domain && !r.receivedDate);
  // Before the form: is the advice waiting on the family's consent? (The hub works it out from
  // the council's open requests and the consents in force; null until it has answered.)
  const [waitingOnFamily, setWaitingOnFamily] = useState<boolean | null>(consentMissing ?? null);
  useEffect(() => {
    if (consentMissing !== undefined) return;
    let live = true;
    void gql<{ consentRequests: { domain: string }[] }>(
      'query ConsentRequests($childId: ID!) { consentRequests(childId: $childId) { domain } }',
      { childId },
    ).then((r) => {
      // If the hub cannot say, the form is offered: sending without consent is refused with its reason.
      if (live) setWaitingOnFamily((r.data?.consentRequests ?? []).some((c) => c.domain === kind.domain));
    });
    return () => {
      live = false;
    };
  }, [childId, consentMissing, kind.domain]);

  return (
    <section aria-labelledby="advice-heading" className="section" data-section={`${kind.slug}-advice`}>
      <h2 id="advice-heading">{kind.title} for the EHC needs assessment</h2>
      {request ? (
        <div className="inset" data-testid="advice-due">
          <p>
            <strong>Due by {formatDate(request.dueDate)}.</strong> The council asked for {kind.noun} on{' '}
            {formatDate(request.sentDate)}. The law gives 6 weeks to send it.
          </p>
        </div>
      ) : (
        <p>The council has not asked your service for {kind.noun} on this child, or it has been received.</p>
      )}
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      <ErrorSummary messages={errors} />
      {submitted.map((a) => (
        <div key={a.id} className="inset" data-testid="advice-sent">
          <p>
            <strong>Sent {formatDateTime(a.submittedAt)}</strong> by {a.authorName} (version {a.version}
            {a.supersedesId ? ', a correction' : ''}).
          </p>
          <dl className="summary-list">
            {fieldsOf(kind).map((f) => (
              <div className="summary-row" key={f.key}>
                <dt>{f.label}</dt>
                <dd>{a[f.key]}</dd>
              </div>
            ))}
          </dl>
          {!draft && a.organisationId === getSession()?.user.orgId && (
            <CorrectAdvice
              kind={kind}
              advice={a}
              onErrors={setErrors}
              onStatus={setStatus}
              onChange={onChange}
            />
          )}
        </div>
      ))}
      {!sent && (request || draft) && waitingOnFamily === true && (
        <div className="warning" data-testid="advice-consent-missing">
          <p>
            <strong>
              The family has not yet agreed to share {kind.information} with the council for this assessment.
            </strong>{' '}
            You cannot write or send the advice until they do. The family has been asked on their page in this
            service; you may want to talk to them about it.
          </p>
        </div>
      )}
      {!sent && (request || draft) && waitingOnFamily === false && (
        <AdviceForm
          // A new draft id (just created, or found on reload) starts the form from what was saved.
          key={draft?.id ?? 'new'}
          kind={kind}
          childId={childId}
          draft={draft}
          onErrors={setErrors}
          onStatus={setStatus}
          onSent={setSentId}
          onChange={onChange}
        />
      )}
    </section>
  );
}

/**
 * Correcting sent advice: the sent version never changes (the council may already rely on it), so
 * a correction is a new version, started as a draft from the sent text. Once sent, it is the
 * current advice and the earlier version is kept as superseded.
 */
function CorrectAdvice({
  kind,
  advice,
  onErrors,
  onStatus,
  onChange,
}: {
  kind: AdviceKind;
  advice: Advice;
  onErrors: (errors: string[]) => void;
  onStatus: (status: string) => void;
  onChange: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const starting = useRef(false);
  const start = async () => {
    // One correction per click: a double click must not start two drafts.
    if (starting.current) return;
    starting.current = true;
    setBusy(true);
    try {
      const r = await gql(`mutation Correct($id: ID!) { correct${kind.type}(id: $id) { id version } }`, {
        id: advice.id,
      });
      if (r.errors.length > 0) return onErrors(r.errors.map((e) => e.message));
      onErrors([]);
      onStatus(
        `You started a correction (version ${advice.version + 1}). Change what needs changing and send it; version ${advice.version} stays on record.`,
      );
      onChange();
    } finally {
      starting.current = false;
      setBusy(false);
    }
  };
  return (
    <p>
      <button
        type="button"
        className="button button-secondary"
        aria-disabled={busy || undefined}
        onClick={() => void start()}
      >
        Correct this advice<span className="visually-hidden"> (version {advice.version})</span>
      </button>
      <span className="hint-inline">
        {' '}
        A correction is a new version the council sees as the current advice; what was sent stays on record.
      </span>
    </p>
  );
}

function AdviceForm({
  kind,
  childId,
  draft,
  onErrors,
  onStatus,
  onSent,
  onChange,
}: {
  kind: AdviceKind;
  childId: string;
  draft: Advice | undefined;
  onErrors: (messages: string[]) => void;
  onStatus: (message: string) => void;
  onSent: (id: string) => void;
  onChange: () => void;
}) {
  // What the practitioner types is kept (sessionStorage, per user and child) until it is saved:
  // a reload, a failed save or an ended sign-in loses nothing, and signing in again brings it
  // back here. It is saved into the organisation's one draft (no second draft is started).
  const kept = useDraft<Draft>(`${kind.slug}-advice.${childId}`, {
    needs: draft?.needs ?? '',
    outcomesSought: draft?.outcomesSought ?? '',
    provisionRecommended: draft?.provisionRecommended ?? '',
  });
  const { values, set: setValues } = kept;
  const [keptShown, setKeptShown] = useState(kept.restored);
  // Kept here too: the draft just created is ours to edit even before the record reloads.
  const [draftId, setDraftId] = useState<string | undefined>(draft?.id);
  const [busy, setBusy] = useState(false);

  const update = (id: string) =>
    gql(
      `mutation Update($id: ID!, $input: ${kind.type}Input!) { update${kind.type}Draft(id: $id, input: $input) { id } }`,
      { id, input: values },
    );

  const save = async (): Promise<string | null> => {
    let id = draftId;
    let r = id
      ? await update(id)
      : await gql(
          `mutation Create($childId: ID!, $input: ${kind.type}Input!) { create${kind.type}Draft(childId: $childId, input: $input) { id } }`,
          { childId, input: values },
        );
    // Another tab or a colleague started the organisation's draft meanwhile: this is the text
    // the practitioner means to save, so it goes into that draft (the one draft per assessment).
    const existing = r.errors.find((e) => e.extensions?.code === 'CONFLICT')?.extensions?.adviceId;
    if (!id && typeof existing === 'string' && /draft/.test(r.errors[0]?.message ?? '')) {
      id = existing;
      r = await update(id);
    }
    if (r.errors.length) {
      onErrors(r.errors.map((e) => e.message));
      return null;
    }
    onErrors([]);
    kept.clear();
    setKeptShown(false);
    const saved =
      id ??
      (r.data as Record<string, { id: string } | undefined> | null)?.[`create${kind.type}Draft`]?.id ??
      null;
    if (saved) setDraftId(saved);
    return saved;
  };

  const saveDraft = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      if (await save()) {
        onStatus('Your draft has been saved. Only your organisation can see it.');
        onChange();
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (busy) return;
    const missing = fieldsOf(kind)
      .filter((f) => values[f.key].trim() === '')
      .map((f) => `Enter ${f.label.toLowerCase()}`);
    if (missing.length) return onErrors(missing);
    setBusy(true);
    try {
      const id = await save();
      if (!id) return;
      const r = await gql(`mutation Submit($id: ID!) { submit${kind.type}(id: $id) { id status } }`, {
        id,
      });
      if (r.errors.length) return onErrors(r.errors.map((x) => x.message));
      onStatus(`Your ${kind.noun} has been sent to the council. It can no longer be changed.`);
      // Sent advice never changes: the form goes; a correction starts a new version later.
      onSent(id);
      onChange();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={saveDraft} noValidate>
      {keptShown && (
        <div className="inset" data-testid="kept-draft">
          <p>
            You have changes that are not saved yet. They are shown below: check them, then save or send them.
          </p>
        </div>
      )}
      {draft && (
        <p data-testid="advice-draft-saved">
          Editing your organisation’s draft, last saved {formatDateTime(draft.updatedAt)}
          {draft.authorName ? ` by ${draft.authorName}` : ''}.
        </p>
      )}
      {fieldsOf(kind).map((f) => (
        <Textarea
          key={f.key}
          id={`advice-${f.key}`}
          label={f.label}
          hint={f.hint}
          rows={4}
          value={values[f.key]}
          onChange={(value) => setValues({ ...values, [f.key]: value })}
        />
      ))}
      <div className="button-group">
        <button type="submit" className="button button-secondary" aria-disabled={busy || undefined}>
          Save as draft
        </button>
        <button
          type="button"
          className="button"
          aria-disabled={busy || undefined}
          onClick={() => void submit()}
        >
          Send advice to the council
        </button>
      </div>
    </form>
  );
}
