import { type FormEvent, useState } from 'react';
import { Radios } from './fields.tsx';
import {
  BackLink,
  base,
  currentOf,
  LoadingOrFailed,
  readPending,
  type Sharing,
  useTitle,
  writePending,
} from './sharing-data.tsx';
import { type Choice, ifNo, key, reason, recipientOf, source } from './sharing-model.ts';
import { StateText } from './sharing-summary.tsx';
import { PageHeading } from './ui.tsx';

export const SHARE_ANSWERS = [
  { value: 'yes', label: 'Yes, share it' },
  { value: 'no', label: 'No, do not share it' },
];

export function Question({
  childId,
  choice,
  sharing,
}: {
  childId: string;
  choice: Choice;
  sharing: Sharing;
}) {
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
