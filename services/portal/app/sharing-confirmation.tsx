import {
  BackLink,
  base,
  confirmedKey,
  currentOf,
  LoadingOrFailed,
  type Sharing,
  useTitle,
} from './sharing-data.tsx';
import { CHOICES, type Choice, choiceLabel, choiceSentence, key, REASONS } from './sharing-model.ts';
import { formatDate, formatDateTime } from './text.ts';
import { PageHeading } from './ui.tsx';

export function Confirmation({ childId, sharing }: { childId: string; sharing: Sharing }) {
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
export function KeepRecord({ childId, sharing }: { childId: string; sharing: Sharing }) {
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
