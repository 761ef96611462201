import { useCallback, useEffect, useState } from 'react';
import { AboutMeForm } from './about-me.tsx';
import { AccessHistory } from './access-history.tsx';
import { type GqlError, gql, isServiceFailure, readErrors, type SessionUser } from './api.ts';
import { type ChildRecord, type ChildRecordAnswer, childName, childRecordQuery } from './child-record.ts';
import { ErrorSummary } from './fields.tsx';
import { HandoverNotice } from './handover-notice.tsx';
import { ParentCarerAccessChoice } from './parent-access.tsx';
import { RecordView } from './record-view.tsx';
import { currentOf } from './sharing-data.tsx';
import {
  CHOICES,
  CONSENT_REQUESTS_QUERY,
  CONSENTS_QUERY,
  type Consent,
  type ConsentRequest,
  REASONS,
} from './sharing-model.ts';
import { WaitingTasks } from './sharing-tasks.tsx';
import { OnThisPage, PageHeading } from './ui.tsx';

export function FamilyHomeScreen({ user }: { user: SessionUser }) {
  const [children, setChildren] = useState<{ id: string; name: string }[] | null | 'failed'>(null);
  useEffect(() => {
    // The hub knows which records a family holds (myRecords); the sign-in only says who you are.
    void gql<{ myRecords: { id: string; givenName: string | null; familyName: string | null }[] }>(
      '{ myRecords { id givenName familyName } }',
    ).then((r) =>
      setChildren(
        r.data
          ? r.data.myRecords.map((c) => ({ id: c.id, name: childName(c) }))
          : isServiceFailure(r.errors)
            ? 'failed'
            : [],
      ),
    );
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
      ) : children === 'failed' ? (
        <p>Your records could not be loaded.</p>
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

export function FamilyChildScreen({ user, childId }: { user: SessionUser; childId: string }) {
  const [child, setChild] = useState<ChildRecord | null>(null);
  const [recordErrors, setRecordErrors] = useState<GqlError[]>([]);
  // null while loading: no choice is shown (nor offered) before the hub has said what it holds.
  const [sharing, setSharing] = useState<{ consents: Consent[]; requests: ConsentRequest[] } | null>(null);
  // The record as partners see it for an EHC needs assessment (refusals are worded for a reason).
  const purpose = 'ehc_assessment';
  const [errors, setErrors] = useState<string[]>([]);
  // The sharing choices failed because of the service: the page-wide message and its "Try
  // again" (main.tsx) say so; this section adds no second message or button.
  const [sharingFailed, setSharingFailed] = useState(false);
  const [recordFailed, setRecordFailed] = useState(false);

  const loadConsents = useCallback(async () => {
    setErrors([]);
    setSharingFailed(false);
    const [c, q] = await Promise.all([
      gql<{ consents: Consent[] }>(CONSENTS_QUERY, { childId }),
      gql<{ consentRequests: ConsentRequest[] }>(CONSENT_REQUESTS_QUERY, { childId }),
    ]);
    if (c.data?.consents) setSharing({ consents: c.data.consents, requests: q.data?.consentRequests ?? [] });
    else setSharingFailed(true);
    const failed = [...readErrors(c), ...readErrors(q)];
    if (failed.length) setErrors([...new Set(failed)]);
  }, [childId]);

  const loadRecord = useCallback(async () => {
    // A failure (network, 502) must not leave "Loading record" for ever: the page says so and
    // main.tsx's "Try again" loads it again.
    const r = await gql<ChildRecordAnswer>(childRecordQuery(), { id: childId });
    setRecordFailed(!r.data?.child && isServiceFailure(r.errors));
    setChild(r.data?.child ?? null);
    setRecordErrors(r.errors);
  }, [childId]);

  useEffect(() => {
    void loadRecord();
    void loadConsents();
  }, [loadConsents, loadRecord]);

  const name = child ? childName(child) : 'this child';
  const self = user.role === 'young_person';
  // Who decides is the hub's answer (Child.viewer): after the end of compulsory school age the
  // young person; a parent carer they let in can look but not change.
  const decides = child?.viewer?.canManageConsent ?? true;
  return (
    <>
      <p>
        <a href="#/family" className="back-link">
          Back
        </a>
      </p>
      <PageHeading caption="Record and sharing">
        {child ? name : recordFailed ? 'Record could not be loaded' : 'Loading record'}
      </PageHeading>
      <ErrorSummary messages={errors} />
      <HandoverNotice childId={childId} role={user.role} />
      {child && (
        // A long page, above all on a phone: what is on it, one tap away.
        <OnThisPage
          items={[
            { id: 'sharing-heading', label: 'Who can see the information' },
            ...(self ? [{ id: 'parent-access-heading', label: 'Your parents or carers' }] : []),
            ...(decides ? [{ id: 'about-me-heading', label: self ? 'About you' : `About ${name}` }] : []),
            { id: 'history-heading', label: 'Who has looked at the record' },
            { id: 'record-heading', label: 'What is on the record' },
          ]}
        />
      )}

      <section aria-labelledby="sharing-heading" data-testid="sharing-overview">
        <h2 id="sharing-heading">Who can see {name}’s information</h2>
        {sharing === null ? (
          !sharingFailed ? (
            <p role="status">Loading sharing choices…</p>
          ) : errors.length > 0 ? (
            // A failure the page-wide message does not cover (the summary above says what): retry here.
            <button type="button" className="button" onClick={() => void loadConsents()}>
              Try again
            </button>
          ) : (
            <p>The sharing choices could not be loaded.</p>
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

      <AccessHistory childId={childId} />

      {child && (
        <section aria-labelledby="record-heading">
          <h2 id="record-heading">What is on the record</h2>
          <p>
            This is everything the organisations hold. Each one only sees what you have agreed to share with
            them.
          </p>
          {/* Long: shown on request, so the page stays short enough to find your way around. */}
          <details className="details" data-testid="record-details">
            <summary>Show everything on the record</summary>
            <RecordView child={child} errors={recordErrors} role={user.role} purpose={purpose} />
          </details>
        </section>
      )}
    </>
  );
}
