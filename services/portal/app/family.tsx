import { useCallback, useEffect, useState } from 'react';
import { AboutMeForm } from './about-me.tsx';
import { type GqlError, gql, hubCapabilities, type SessionUser } from './api.ts';
import {
  CHOICES,
  CONSENT_REQUESTS_QUERY,
  CONSENTS_QUERY,
  type Consent,
  type ConsentRequest,
  currentOf,
  decidesFor,
  REASONS,
  WaitingTasks,
} from './consent-journey.tsx';
import { HandoverNotice } from './handover-notice.tsx';
import { ParentCarerAccessChoice } from './parent-access.tsx';
import { type ChildRecord, childName, childRecordQuery, RecordView } from './record-view.tsx';
import { formatDateTime, purposeLabel } from './text.ts';
import { ErrorSummary, NotYetAvailable, PageHeading } from './ui.tsx';

export function FamilyHomeScreen({ user }: { user: SessionUser }) {
  const [children, setChildren] = useState<{ id: string; name: string }[] | null>(null);
  useEffect(() => {
    // The hub knows which records a family holds (myRecords); the sign-in only says who you are.
    void gql<{ myRecords: { id: string; givenName: string | null; familyName: string | null }[] }>(
      '{ myRecords { id givenName familyName } }',
    ).then((r) => setChildren((r.data?.myRecords ?? []).map((c) => ({ id: c.id, name: childName(c) }))));
  }, []);

  const self = user.role === 'young_person';
  return (
    <>
      <PageHeading caption={user.name}>{self ? 'Your record' : 'Your children'}</PageHeading>
      <p className="lead">
        See what the school, the NHS, children’s social care and the council know, decide who they share it
        with, and see who has looked.
      </p>
      {children === null ? (
        <p>Loading…</p>
      ) : children.length === 0 ? (
        <p>There are no records linked to your sign-in.</p>
      ) : (
        <ul className="list">
          {children.map((c) => (
            <li key={c.id}>
              <a href={`#/family/${c.id}`}>{self ? `Your record (${c.name})` : c.name}</a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

interface AccessRecord {
  at: string;
  organisation: string;
  role: string;
  sections: string[];
  purpose: string | null;
  breakGlass: boolean;
}

const ACCESS_HISTORY = /* GraphQL */ `
  query AccessHistory($childId: ID!) { accessHistory(childId: $childId) { at organisation role sections purpose breakGlass } }
`;

const ROLE_SHORT: Record<string, string> = {
  senco: 'SENCO (special educational needs co-ordinator)',
  health_practitioner: 'health practitioner',
  social_worker: 'social worker',
  la_send_officer: 'council SEND officer',
  parent_carer: 'parent or carer',
  young_person: 'young person',
};

/** The access history's section keys (packages/audit FAMILY_SECTION_KEYS) in plain words. */
const SECTION_WORDS: Record<string, string> = {
  identity: 'name and details',
  education: 'school information',
  health: 'NHS information',
  social_care: 'social care information',
  family_information: 'what your family told us',
  ehc_assessment: 'EHC needs assessment progress',
  health_advice: 'health advice for the assessment',
  consent: 'sharing choices',
  break_glass: 'emergency access',
  other: 'other information',
};

export function FamilyChildScreen({ user, childId }: { user: SessionUser; childId: string }) {
  const [child, setChild] = useState<ChildRecord | null>(null);
  const [recordErrors, setRecordErrors] = useState<GqlError[]>([]);
  // null while loading: no choice is shown (nor offered) before the hub has said what it holds.
  const [sharing, setSharing] = useState<{ consents: Consent[]; requests: ConsentRequest[] } | null>(null);
  // The record as partners see it for an EHC needs assessment (refusals are worded for a reason).
  const purpose = 'ehc_assessment';
  const [errors, setErrors] = useState<string[]>([]);
  const [history, setHistory] = useState<AccessRecord[] | null | 'unavailable'>(null);

  const loadConsents = useCallback(async () => {
    setErrors([]);
    const [c, q] = await Promise.all([
      gql<{ consents: Consent[] }>(CONSENTS_QUERY, { childId }),
      gql<{ consentRequests: ConsentRequest[] }>(CONSENT_REQUESTS_QUERY, { childId }),
    ]);
    if (c.data?.consents) setSharing({ consents: c.data.consents, requests: q.data?.consentRequests ?? [] });
    const failed = [...c.errors, ...q.errors];
    if (failed.length) setErrors(failed.map((e) => e.message));
  }, [childId]);

  const loadRecord = useCallback(async () => {
    const caps = await hubCapabilities();
    const r = await gql<{ child: ChildRecord | null }>(childRecordQuery(caps), { id: childId });
    setChild(r.data?.child ?? null);
    setRecordErrors(r.errors);
  }, [childId]);

  useEffect(() => {
    void loadRecord();
    void loadConsents();
    void hubCapabilities().then(async (caps) => {
      if (!caps.has('accessHistory')) return setHistory('unavailable');
      const r = await gql<{ accessHistory: AccessRecord[] }>(ACCESS_HISTORY, { childId });
      setHistory(r.data?.accessHistory ?? []);
    });
  }, [childId, loadConsents, loadRecord]);

  const name = child ? childName(child) : 'this child';
  const self = user.role === 'young_person';
  // After the end of compulsory school age the young person decides; a parent carer they let in
  // can look but not change.
  const decides = decidesFor(user, child?.dateOfBirth);
  return (
    <>
      <p>
        <a href="#/family" className="back-link">
          Back
        </a>
      </p>
      <PageHeading caption="Record and sharing">{child ? name : 'Loading record'}</PageHeading>
      <ErrorSummary messages={errors} />
      <HandoverNotice childId={childId} role={user.role} />

      <section aria-labelledby="sharing-heading" data-testid="sharing-overview">
        <h2 id="sharing-heading">Who can see {name}’s information</h2>
        {sharing === null ? (
          errors.length > 0 ? (
            <button type="button" className="button" onClick={() => void loadConsents()}>
              Try again
            </button>
          ) : (
            <p role="status">Loading sharing choices…</p>
          )
        ) : (
          <>
            <WaitingTasks
              childId={childId}
              name={name}
              requests={sharing.requests}
              consents={sharing.consents}
              decides={decides}
            />
            <p>
              Each organisation keeps its own information. {decides ? 'You decide' : `${name} decides`}{' '}
              whether they share it with the others, and for which reason.
            </p>
            <ul className="list">
              {REASONS.map((r) => {
                const choices = CHOICES.filter((c) => c.purpose === r.value);
                const shared = choices.filter((c) => currentOf(sharing.consents, c).state === 'shared');
                return (
                  <li key={r.value}>
                    {r.title}:{' '}
                    {shared.length === 0 ? 'nothing shared' : `${shared.length} of ${choices.length} shared`}
                  </li>
                );
              })}
            </ul>
            <p>
              <a href={`#/family/${childId}/sharing`}>
                {decides ? 'See or change' : 'See'} {self ? 'your' : `${name}’s`} sharing choices
              </a>
            </p>
          </>
        )}
      </section>

      {child && self && <ParentCarerAccessChoice childId={childId} />}

      {child && decides && (
        <AboutMeForm
          childId={childId}
          name={name}
          self={user.role === 'young_person'}
          onSaved={() => void loadRecord()}
        />
      )}
      {child && decides && (
        <p>
          <a href={`#/family-details/${childId}`}>Contact preferences and key history</a>: how you want to be
          contacted, and important things that have happened, told once for everyone.
        </p>
      )}

      <section aria-labelledby="history-heading">
        <h2 id="history-heading">Who has looked at the record</h2>
        {history === 'unavailable' ? (
          <NotYetAvailable what="The list of who has looked" />
        ) : history === null ? (
          <p>Loading…</p>
        ) : history.length === 0 ? (
          <p>Nobody outside your family has looked at the record yet.</p>
        ) : (
          <table className="table" data-testid="access-history">
            <caption className="visually-hidden">Who looked at the record, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What they saw</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole, never reordered; two looks can share a time.
                <tr key={`${h.at}-${i}`} className={h.breakGlass ? 'row-alert' : undefined}>
                  <td>{formatDateTime(h.at)}</td>
                  <td>
                    {h.organisation === 'family'
                      ? 'You or your family'
                      : `${ROLE_SHORT[h.role] ?? h.role} at ${h.organisation}`}
                  </td>
                  <td>{h.sections.map((s) => SECTION_WORDS[s] ?? SECTION_WORDS.other).join(', ')}</td>
                  <td>
                    {h.breakGlass ? (
                      <strong>Emergency access to keep a child safe</strong>
                    ) : h.purpose ? (
                      purposeLabel(h.purpose)
                    ) : (
                      '–'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      {child && (
        <section aria-labelledby="record-heading">
          <h2 id="record-heading">What is on the record</h2>
          <p>
            This is everything the organisations hold. Each one only sees what you have agreed to share with
            them.
          </p>
          <RecordView child={child} errors={recordErrors} role={user.role} purpose={purpose} />
        </section>
      )}
    </>
  );
}
