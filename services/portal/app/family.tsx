import { useCallback, useEffect, useState } from 'react';
import { AboutMeForm } from './about-me.tsx';
import {
  ACCESS_HISTORY_FIELDS,
  AccessHistory,
  type AccessHistoryAnswer,
  type AccessRecord,
} from './access-history.tsx';
import {
  type GqlError,
  type GqlResult,
  gql,
  hubCapabilities,
  isServiceFailure,
  readErrors,
  type SessionUser,
  splitByField,
} from './api.ts';
import {
  CHOICES,
  type Consent,
  type ConsentRequest,
  currentOf,
  decidesFor,
  REASONS,
  WaitingTasks,
} from './consent-journey.tsx';
import { HANDOVER_FIELDS, type Handover, HandoverNotice } from './handover-notice.tsx';
import { PARENT_CARER_ACCESS_FIELDS, ParentCarerAccessChoice } from './parent-access.tsx';
import {
  type ChildRecord,
  childName,
  childRecordFields,
  childRecordQuery,
  RecordView,
} from './record-view.tsx';
import { ErrorSummary, OnThisPage, PageHeading } from './ui.tsx';

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

const SHARING_FIELDS = /* GraphQL */ `
  consents(childId: $childId) { id domain recipientOrgType purpose status grantedByRole startsAt createdAt withdrawnAt }
  consentRequests(childId: $childId) { domain recipientOrgType purpose agency requestedOn dueDate }
`;

interface FamilyPage {
  child: ChildRecord;
  consents: Consent[];
  consentRequests: ConsentRequest[];
  decisionHandover: Handover;
  accessHistory: AccessRecord[];
  parentCarerAccess: { allowed: boolean };
}

/**
 * The family record page's first paint in one request (one round trip, which a slow phone
 * connection feels most): the record, the sharing choices, what partners wait for, the handover
 * notice, who has looked and (for the young person) the parent carer choice. Each of these is a
 * nullable root field, so one that fails or is refused comes back null with its own error and the
 * others still answer; splitByField hands each section its part. Without the hub's capabilities
 * (they could not be read) the record and who has looked are not asked: they say they could not
 * be loaded, as before, and the sharing choices still load.
 */
function familyPageQuery(capabilities: Set<string> | null, self: boolean): string {
  return `query FamilyPage($childId: ID!) {
    ${capabilities ? `child(id: $childId) { ${childRecordFields(capabilities)} }` : ''}
    ${SHARING_FIELDS}
    ${HANDOVER_FIELDS}
    ${capabilities?.has('accessHistory') ? ACCESS_HISTORY_FIELDS : ''}
    ${capabilities && self ? PARENT_CARER_ACCESS_FIELDS : ''}
  }`;
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

  const [handover, setHandover] = useState<Handover | null>(null);
  const [history, setHistory] = useState<AccessHistoryAnswer>(null);
  const [parentAccess, setParentAccess] = useState<GqlResult<{ allowed: boolean }> | null>(null);
  const self = user.role === 'young_person';

  const showSharing = useCallback((c: GqlResult<Consent[]>, q: GqlResult<ConsentRequest[]>) => {
    if (c.data) setSharing({ consents: c.data, requests: q.data ?? [] });
    else setSharingFailed(true);
    const failed = [...readErrors(c), ...readErrors(q)];
    if (failed.length) setErrors([...new Set(failed)]);
  }, []);

  const showRecord = useCallback((r: GqlResult<ChildRecord> | null) => {
    // A failure (network, 502, capabilities) must not leave "Loading record" for ever: the page
    // says so and main.tsx's "Try again" loads it again.
    setRecordFailed(!r || (!r.data && isServiceFailure(r.errors)));
    setChild(r?.data ?? null);
    setRecordErrors(r?.errors ?? []);
  }, []);

  // The first paint: one request for every section (familyPageQuery).
  const loadPage = useCallback(async () => {
    const caps = await hubCapabilities().catch(() => null);
    const r = await gql<Partial<FamilyPage>>(familyPageQuery(caps, self), { childId });
    const s = splitByField<FamilyPage>(r, [
      'child',
      'consents',
      'consentRequests',
      'decisionHandover',
      'accessHistory',
      'parentCarerAccess',
    ]);
    showRecord(caps ? s.child : null);
    showSharing(s.consents, s.consentRequests);
    setHandover(s.decisionHandover.data);
    setHistory(!caps ? 'failed' : caps.has('accessHistory') ? s.accessHistory : 'unavailable');
    setParentAccess(s.parentCarerAccess);
  }, [childId, self, showRecord, showSharing]);

  // "Try again" in the sharing section (a failure the page-wide message does not cover).
  const loadConsents = useCallback(async () => {
    setErrors([]);
    setSharingFailed(false);
    const r = await gql<Partial<FamilyPage>>(`query Sharing($childId: ID!) { ${SHARING_FIELDS} }`, {
      childId,
    });
    const s = splitByField<FamilyPage>(r, ['consents', 'consentRequests']);
    showSharing(s.consents, s.consentRequests);
  }, [childId, showSharing]);

  // After "About" is saved: the record as partners now see it.
  const loadRecord = useCallback(async () => {
    const caps = await hubCapabilities().catch(() => null);
    const r = caps ? await gql<{ child: ChildRecord | null }>(childRecordQuery(caps), { id: childId }) : null;
    showRecord(r && { data: r.data?.child ?? null, errors: r.errors });
  }, [childId, showRecord]);

  useEffect(() => {
    void loadPage();
  }, [loadPage]);

  const name = child ? childName(child) : 'this child';
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
      <PageHeading caption="Record and sharing">
        {child ? name : recordFailed ? 'Record could not be loaded' : 'Loading record'}
      </PageHeading>
      <ErrorSummary messages={errors} />
      <HandoverNotice handover={handover} role={user.role} />
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

      {child && self && <ParentCarerAccessChoice childId={childId} answer={parentAccess} />}

      {child && decides && (
        <AboutMeForm
          childId={childId}
          name={name}
          self={user.role === 'young_person'}
          saved={child.familyInformation}
          onSaved={() => void loadRecord()}
        />
      )}
      {child && decides && (
        <p>
          <a href={`#/family-details/${childId}`}>Contact preferences and key history</a>: how you want to be
          contacted, and important things that have happened, told once for everyone.
        </p>
      )}

      <AccessHistory answer={history} />

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
