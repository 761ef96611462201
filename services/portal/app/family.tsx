// The same age rule the hub enforces (only this pure module, not the CASL abilities).
import { isOverCompulsorySchoolAge } from '@hub/policy/age';
import { useCallback, useEffect, useState } from 'react';
import { AboutMeForm } from './about-me.tsx';
import { type GqlError, gql, hubCapabilities, type SessionUser } from './api.ts';
import { HandoverNotice } from './handover-notice.tsx';
import { ParentCarerAccessChoice } from './parent-access.tsx';
import { type ChildRecord, childName, childRecordQuery, RecordView } from './record-view.tsx';
import { DOMAINS, formatDateTime, PURPOSE_PHRASE, PURPOSES, purposeLabel, RECIPIENTS } from './text.ts';
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

interface Consent {
  id: string;
  domain: string;
  recipientOrgType: string;
  purpose: string;
  status: string;
  grantedByRole: string;
  createdAt: string;
  withdrawnAt: string | null;
}

interface AccessRecord {
  at: string;
  organisation: string;
  role: string;
  sections: string[];
  purpose: string | null;
  breakGlass: boolean;
}

const CONSENTS = /* GraphQL */ `
  query Consents($childId: ID!) { consents(childId: $childId) { id domain recipientOrgType purpose status grantedByRole createdAt withdrawnAt } }
`;
const GRANT = /* GraphQL */ `
  mutation Grant($input: GrantConsentInput!) { grantConsent(input: $input) { id status } }
`;
const WITHDRAW = /* GraphQL */ `
  mutation Withdraw($id: ID!) { withdrawConsent(id: $id) { id status } }
`;
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

const SHARING = (c: Consent) => c.status === 'active' || c.status === 'scheduled';
/** A parent carer's consent from before the 16th birthday: it counts only once the young person agrees. */
const AWAITING = (c: Consent) => c.status === 'needs_young_person_confirmation';
const CONFIRM = /* GraphQL */ `
  mutation Confirm($id: ID!) { confirmConsent(id: $id) { id status } }
`;

export function FamilyChildScreen({ user, childId }: { user: SessionUser; childId: string }) {
  const [child, setChild] = useState<ChildRecord | null>(null);
  const [recordErrors, setRecordErrors] = useState<GqlError[]>([]);
  const [consents, setConsents] = useState<Consent[]>([]);
  const [purpose, setPurpose] = useState('ehc_assessment');
  const [status, setStatus] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [history, setHistory] = useState<AccessRecord[] | null | 'unavailable'>(null);

  const loadConsents = useCallback(async () => {
    const r = await gql<{ consents: Consent[] }>(CONSENTS, { childId });
    setConsents(r.data?.consents ?? []);
    if (r.errors.length) setErrors(r.errors.map((e) => e.message));
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

  const toggle = async (domain: string, recipient: string, active: Consent[]) => {
    const d = DOMAINS.find((x) => x.value === domain)!;
    const to = RECIPIENTS.find((x) => x.value === recipient)!;
    setErrors([]);
    if (active.length > 0) {
      for (const c of active) {
        const r = await gql(WITHDRAW, { id: c.id });
        if (r.errors.length) return setErrors(r.errors.map((e) => e.message));
      }
      setStatus(
        `You stopped sharing ${d.label} information with ${to.label} for ${PURPOSE_PHRASE[purpose]}. This works straight away.`,
      );
    } else {
      const r = await gql(GRANT, { input: { childId, domain, recipientOrgType: recipient, purpose } });
      if (r.errors.length) return setErrors(r.errors.map((e) => e.message));
      setStatus(
        `You are now sharing ${d.label} information with ${to.label} for ${PURPOSE_PHRASE[purpose]}.`,
      );
    }
    await loadConsents();
  };

  const confirm = async (domain: string, recipient: string, awaiting: Consent[]) => {
    const d = DOMAINS.find((x) => x.value === domain)!;
    const to = RECIPIENTS.find((x) => x.value === recipient)!;
    setErrors([]);
    for (const c of awaiting) {
      const r = await gql(CONFIRM, { id: c.id });
      if (r.errors.length) return setErrors(r.errors.map((e) => e.message));
    }
    setStatus(`You agreed to share ${d.label} information with ${to.label} for ${PURPOSE_PHRASE[purpose]}.`);
    await loadConsents();
  };

  const name = child ? childName(child) : 'this child';
  const self = user.role === 'young_person';
  // After the end of compulsory school age the young person decides; a parent carer they let in
  // can look but not change.
  const decides = self || !child?.dateOfBirth || !isOverCompulsorySchoolAge(child.dateOfBirth, new Date());
  return (
    <>
      <p>
        <a href="#/family" className="back-link">
          Back
        </a>
      </p>
      <PageHeading caption="Record and sharing">{child ? name : 'Loading record'}</PageHeading>
      <ErrorSummary messages={errors} />
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      <HandoverNotice childId={childId} role={user.role} />

      <section aria-labelledby="sharing-heading">
        <h2 id="sharing-heading">Who can see {name}’s information</h2>
        {decides ? (
          <p>
            Each organisation keeps its own information. You decide whether they share it with the others, and
            for what reason. You can stop sharing at any time. It takes effect straight away.
          </p>
        ) : (
          <div className="inset">
            <p>
              The school year in which {name} turned 16 has ended (the last Friday in June), so they decide
              who sees their information. You can see their choices but not change them.
            </p>
          </div>
        )}
        <div className="form-group">
          <label className="label" htmlFor="consent-purpose">
            Reason for sharing
          </label>
          <p className="hint" id="consent-purpose-hint">
            {PURPOSES.find((p) => p.value === purpose)?.hint}
          </p>
          <select
            id="consent-purpose"
            className="select"
            value={purpose}
            aria-describedby="consent-purpose-hint"
            onChange={(e) => setPurpose(e.target.value)}
          >
            {PURPOSES.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        {DOMAINS.map((d) => (
          <table className="table" key={d.value} data-domain={d.value}>
            <caption className="table-caption">
              Information from {d.source} ({d.label})
            </caption>
            <thead>
              <tr>
                <th scope="col">Shared with</th>
                <th scope="col">For {purposeLabel(purpose)}</th>
                <th scope="col">
                  <span className="visually-hidden">Change</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {RECIPIENTS.filter((r) => r.value !== d.owner).map((r) => {
                const here = consents.filter(
                  (c) => c.domain === d.value && c.recipientOrgType === r.value && c.purpose === purpose,
                );
                const active = here.filter(SHARING);
                const shared = active.length > 0;
                const awaiting = shared ? [] : here.filter(AWAITING);
                const what = (
                  <span className="visually-hidden">
                    {' '}
                    {d.label} information with {r.label}
                  </span>
                );
                return (
                  <tr key={r.value}>
                    <th scope="row">{r.label.replace(/^the /, 'The ').replace(/^children/, 'Children')}</th>
                    <td>
                      <strong className={shared ? 'tag tag-green' : 'tag tag-grey'}>
                        {shared ? 'Shared' : 'Not shared'}
                      </strong>
                      {awaiting.length > 0 && (
                        <p className="hint">
                          {self
                            ? 'Your parent or carer agreed to this before you were 16. It only counts if you agree too.'
                            : 'Agreed before they were 16. It only counts if they agree too.'}
                        </p>
                      )}
                    </td>
                    <td>
                      {decides && awaiting.length > 0 && self ? (
                        <button
                          type="button"
                          className="button"
                          onClick={() => void confirm(d.value, r.value, awaiting)}
                        >
                          Agree to share
                          {what}
                        </button>
                      ) : decides ? (
                        <button
                          type="button"
                          className={shared ? 'button button-secondary' : 'button'}
                          onClick={() => void toggle(d.value, r.value, active)}
                        >
                          {shared ? 'Stop sharing' : 'Share'}
                          {what}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
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
