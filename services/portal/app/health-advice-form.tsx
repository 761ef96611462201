import { useEffect, useState } from 'react';
import { CorrectAdvice } from './advice-correct.tsx';
import { AdviceForm } from './advice-form.tsx';
import { ADVICE_KINDS, type Advice, type AdviceKind, fieldsOf } from './advice-kinds.ts';
import { getSession, gql } from './api.ts';
import type { EhcAssessment } from './child-record.ts';
import { ErrorSummary } from './fields.tsx';
import { formatDate, formatDateTime } from './text.ts';

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
  // Which draft the form on the page started from ('new': none). A draft the form did not save
  // into (found on reload, or a colleague's) starts the form again from what was saved. The one it
  // saved into keeps the form as it is when the record reloads with it: replacing the form then
  // took the field from under someone typing, and what they typed into the old field was lost.
  const [savedHere, setSavedHere] = useState<string | null>(null);
  const [formFor, setFormFor] = useState(draft?.id ?? 'new');
  if (draft && draft.id !== formFor && draft.id !== savedHere) setFormFor(draft.id);
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
          key={formFor}
          kind={kind}
          childId={childId}
          draft={draft}
          onErrors={setErrors}
          onStatus={setStatus}
          onSent={setSentId}
          onSaved={setSavedHere}
          onChange={onChange}
        />
      )}
    </section>
  );
}
