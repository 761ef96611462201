import { questionHref } from './sharing-data.tsx';
import { type Consent, type ConsentRequest, capital, choiceSentence, key } from './sharing-model.ts';
import { formatDate } from './text.ts';

// ---- Task list: what partners are waiting for ----

export const AGENCY: Record<string, string> = {
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
