import {
  BackLink,
  base,
  type Current,
  currentOf,
  LoadingOrFailed,
  questionHref,
  readPending,
  type Sharing,
  useTitle,
} from './sharing-data.tsx';
import { CHOICES, choiceLabel, choiceSentence, key, REASONS } from './sharing-model.ts';
import { WaitingTasks } from './sharing-tasks.tsx';
import { formatDate } from './text.ts';
import { PageHeading } from './ui.tsx';

export function Summary({
  childId,
  sharing,
  decides,
}: {
  childId: string;
  sharing: Sharing;
  decides: boolean;
}) {
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

export function StateText({ state, since }: { state: Current; since: string | null }) {
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
