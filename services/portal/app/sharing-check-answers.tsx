import { type FormEvent, useState } from 'react';
import { gql } from './api.ts';
import { ErrorSummary } from './fields.tsx';
import {
  BackLink,
  base,
  confirmedKey,
  currentOf,
  LoadingOrFailed,
  questionHref,
  readPending,
  type Sharing,
  useTitle,
  writePending,
} from './sharing-data.tsx';
import {
  CHOICES,
  type Choice,
  choiceLabel,
  choiceSentence,
  GRANT,
  key,
  reason,
  WITHDRAW,
} from './sharing-model.ts';
import { PageHeading } from './ui.tsx';

export function CheckAnswers({ childId, sharing }: { childId: string; sharing: Sharing }) {
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
