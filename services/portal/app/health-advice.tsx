import { useEffect, useState } from 'react';
import { type GqlError, gql, type SessionUser, shownPageWide, type TypedDocument } from './api.ts';
import { childName } from './child-record.ts';
import { MILESTONE_STATUS, statusTag } from './ehc-assessments.tsx';
import { ErrorSummary } from './fields.tsx';
import type { AdviceRequestsForMeQuery, AdviceRequestsForMeQueryVariables } from './generated/graphql.ts';
import { formatDate } from './text.ts';
import { PageHeading } from './ui.tsx';

type Waiting = AdviceRequestsForMeQuery['adviceRequestsForMe'][number];

const WAITING: TypedDocument<AdviceRequestsForMeQuery, AdviceRequestsForMeQueryVariables> = /* GraphQL */ `
  query AdviceRequestsForMe {
    adviceRequestsForMe { assessmentId request { id sentDate dueDate status } child { id givenName familyName } consentNeeded { domain } }
  }
`;

/**
 * Advice for EHC needs assessments: the council asks the NHS, the school and children's social
 * care for it and it is due within 6 weeks of the request. This lists what the council is waiting for from the practitioner's
 * organisation (children they work with), oldest first; each opens the child's record, where the
 * advice is written.
 */
/** What each partner is asked for in an EHC needs assessment (SEND Regulations 2014 reg 6(1)). */
const WRITE = 'Open the child’s record to write the advice, save a draft and send it to the council.';
const ADVICE: Record<string, { what: string; from: string; write: string; information: string }> = {
  health_practitioner: {
    what: 'health advice',
    from: 'the NHS',
    write: WRITE,
    information: 'health information',
  },
  senco: {
    what: 'educational advice',
    from: 'the school',
    write: WRITE,
    information: 'education information',
  },
  social_worker: {
    what: 'social care advice',
    from: 'children’s social care',
    write: WRITE,
    information: 'social care information',
  },
};

export function AssessmentsScreen({ user }: { user: SessionUser }) {
  const advice = ADVICE[user.role] ?? ADVICE.health_practitioner!;
  const [waiting, setWaiting] = useState<Waiting[] | null>(null);
  const [errors, setErrors] = useState<GqlError[]>([]);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    void gql(WAITING).then((r) => {
      // No data (a failure): not "nothing is waiting", which would be wrong; the page says it failed.
      setWaiting(r.data ? r.data.adviceRequestsForMe : null);
      setFailed(!r.data);
      setErrors(shownPageWide(r) ? [] : r.errors);
    });
  }, []);
  return (
    <>
      <PageHeading caption={user.name}>Assessments waiting for {advice.what}</PageHeading>
      <p className="lead">
        When the council starts an EHC (education, health and care) needs assessment, it asks {advice.from}{' '}
        for {advice.what}. The advice is due within 6 weeks of the request.
      </p>
      <p>{advice.write}</p>
      <ErrorSummary messages={errors.map((e) => e.message)} />
      {waiting === null ? (
        <p>{failed ? 'The list could not be loaded.' : 'Loading…'}</p>
      ) : waiting.length === 0 ? (
        <p>The council is not waiting for {advice.what} from your organisation.</p>
      ) : (
        <table className="table" data-testid="advice-waiting">
          <caption className="table-caption">
            {waiting.length === 1 ? '1 request' : `${waiting.length} requests`}, oldest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Child</th>
              <th scope="col">Asked on</th>
              <th scope="col">Due by</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {waiting.map((w) => (
              <tr key={w.request.id}>
                <td>
                  <a href={`#/child/${w.child.id}`}>{childName(w.child)}</a>
                </td>
                <td>{formatDate(w.request.sentDate)}</td>
                <td>{formatDate(w.request.dueDate)}</td>
                <td>
                  <strong className={statusTag(w.request.status)}>
                    {MILESTONE_STATUS[w.request.status] ?? w.request.status}
                  </strong>
                  {w.consentNeeded && (
                    <p className="hint" data-testid="waiting-for-consent">
                      Waiting for the family to agree to share {advice.information} with the council. They
                      have been asked.
                    </p>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        For another child, <a href="#/search">find the child</a> to see their shared record.
      </p>
    </>
  );
}
