import { type FormEvent, useState } from 'react';
import { gql } from './api.ts';
import type { EhcAssessment } from './record-view.tsx';
import { formatDate, formatDateTime } from './text.ts';
import { ErrorSummary } from './ui.tsx';

export interface HealthAdvice {
  id: string;
  assessmentId: string;
  version: number;
  status: 'draft' | 'submitted';
  current: boolean;
  needs: string;
  outcomesSought: string;
  provisionRecommended: string;
  authorName: string;
  submittedAt: string | null;
  updatedAt: string;
}

export const HEALTH_ADVICE_FIELDS =
  'healthAdvice { id assessmentId version status current needs outcomesSought provisionRecommended authorName submittedAt updatedAt }';

const FIELDS = [
  {
    key: 'needs',
    label: 'The child’s health needs',
    hint: 'What the child’s health needs are and how they affect learning and daily life.',
  },
  {
    key: 'outcomesSought',
    label: 'What you want to achieve',
    hint: 'The outcomes the health support should lead to.',
  },
  {
    key: 'provisionRecommended',
    label: 'Health support you recommend',
    hint: 'What support is needed, how often and who should give it.',
  },
] as const;

type Draft = Record<(typeof FIELDS)[number]['key'], string>;

/**
 * Health advice for an EHC needs assessment, written by the ICB (integrated care board) or NHS
 * trust. Due within 6 weeks of the council's request. Drafts are seen only by the author's
 * organisation; once sent, advice never changes (a correction is a new version).
 */
export function HealthAdvicePanel({
  childId,
  advice,
  assessments,
  onChange,
}: {
  childId: string;
  advice: HealthAdvice[];
  assessments: EhcAssessment[];
  onChange: () => void;
}) {
  const current = advice.filter((a) => a.current);
  const draft = current.find((a) => a.status === 'draft');
  const submitted = current.filter((a) => a.status === 'submitted');
  const [values, setValues] = useState<Draft>({
    needs: draft?.needs ?? '',
    outcomesSought: draft?.outcomesSought ?? '',
    provisionRecommended: draft?.provisionRecommended ?? '',
  });
  const [errors, setErrors] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  const request = assessments.flatMap((a) =>
    a.active ? a.adviceRequests.filter((r) => r.agency === 'health' && !r.receivedDate) : [],
  )[0];

  // Kept here too: the draft just created is ours to edit even before the record reloads.
  const [draftId, setDraftId] = useState<string | undefined>(draft?.id);
  const [sent, setSent] = useState(false);

  const save = async (): Promise<string | null> => {
    const id = draftId ?? draft?.id;
    const r = id
      ? await gql<{ updateHealthAdviceDraft: { id: string } }>(
          'mutation Update($id: ID!, $input: HealthAdviceInput!) { updateHealthAdviceDraft(id: $id, input: $input) { id } }',
          { id, input: values },
        )
      : await gql<{ createHealthAdviceDraft: { id: string } }>(
          'mutation Create($childId: ID!, $input: HealthAdviceInput!) { createHealthAdviceDraft(childId: $childId, input: $input) { id } }',
          { childId, input: values },
        );
    if (r.errors.length) {
      setErrors(r.errors.map((e) => e.message));
      return null;
    }
    setErrors([]);
    const saved =
      id ??
      (r.data as { createHealthAdviceDraft?: { id: string } } | null)?.createHealthAdviceDraft?.id ??
      null;
    if (saved) setDraftId(saved);
    return saved;
  };

  const saveDraft = async (e: FormEvent) => {
    e.preventDefault();
    if (await save()) {
      setStatus('Your draft has been saved. Only your organisation can see it.');
      onChange();
    }
  };

  const submit = async () => {
    const missing = FIELDS.filter((f) => values[f.key].trim() === '').map(
      (f) => `Enter ${f.label.toLowerCase().replace('the child’s', 'the child’s')}`,
    );
    if (missing.length) return setErrors(missing);
    const id = await save();
    if (!id) return;
    const r = await gql('mutation Submit($id: ID!) { submitHealthAdvice(id: $id) { id status } }', { id });
    if (r.errors.length) return setErrors(r.errors.map((x) => x.message));
    setStatus('Your health advice has been sent to the council. It can no longer be changed.');
    // Sent advice never changes: the form goes; a correction starts a new version later.
    setDraftId(undefined);
    setSent(true);
    onChange();
  };

  return (
    <section aria-labelledby="advice-heading" className="section" data-section="health-advice">
      <h2 id="advice-heading">Health advice for the EHC needs assessment</h2>
      {request ? (
        <div className="inset" data-testid="advice-due">
          <p>
            <strong>Due by {formatDate(request.dueDate)}.</strong> The council asked for health advice on{' '}
            {formatDate(request.sentDate)}. The law gives 6 weeks to send it.
          </p>
        </div>
      ) : (
        <p>
          The council has not asked your service for health advice on this child, or it has been received.
        </p>
      )}
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      <ErrorSummary messages={errors} />
      {submitted.map((a) => (
        <div key={a.id} className="inset">
          <p>
            <strong>Sent {formatDateTime(a.submittedAt)}</strong> by {a.authorName} (version {a.version}).
          </p>
          <dl className="summary-list">
            {FIELDS.map((f) => (
              <div className="summary-row" key={f.key}>
                <dt>{f.label}</dt>
                <dd>{a[f.key]}</dd>
              </div>
            ))}
          </dl>
        </div>
      ))}
      {!sent && (request || draft) && (
        <form onSubmit={saveDraft} noValidate>
          {FIELDS.map((f) => (
            <div className="form-group" key={f.key}>
              <label className="label" htmlFor={`advice-${f.key}`}>
                {f.label}
              </label>
              <p className="hint" id={`advice-${f.key}-hint`}>
                {f.hint}
              </p>
              <textarea
                id={`advice-${f.key}`}
                className="input textarea"
                rows={4}
                aria-describedby={`advice-${f.key}-hint`}
                value={values[f.key]}
                onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
              />
            </div>
          ))}
          <div className="button-group">
            <button type="submit" className="button button-secondary">
              Save as draft
            </button>
            <button type="button" className="button" onClick={() => void submit()}>
              Send advice to the council
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
