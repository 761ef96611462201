import { FAMILY_ROLES } from '@hub/policy/vocabulary';
import { gql, isServiceFailure, type TypedDocument } from './api.ts';
import type { AccessHistoryQuery, AccessHistoryQueryVariables } from './generated/graphql.ts';
import { formatLondonDateTime, purposeLabel } from './text.ts';
import { LoadError, useLoad } from './ui.tsx';

/**
 * "Who has looked at the record", for the family: one block per organisation, named (never an
 * id such as `school-1`), newest first, times in England (Europe/London). The family's own
 * looks are left out: they know they looked. Emergency (break-glass) access is called out.
 */
type AccessRecord = AccessHistoryQuery['accessHistory'][number];

const ACCESS_HISTORY: TypedDocument<AccessHistoryQuery, AccessHistoryQueryVariables> = /* GraphQL */ `
  query AccessHistory($childId: ID!) { accessHistory(childId: $childId) { at organisation organisationName role sections purpose breakGlass } }
`;

const ROLE_SHORT: Record<string, string> = {
  senco: 'SENCO (special educational needs co-ordinator)',
  health_practitioner: 'health practitioner',
  social_worker: 'social worker',
  la_send_officer: 'council SEND officer',
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
  educational_advice: 'educational advice for the assessment',
  social_care_advice: 'social care advice for the assessment',
  consent: 'sharing choices',
  break_glass: 'emergency access',
  other: 'other information',
};

const FAMILY = new Set<string>(FAMILY_ROLES);

interface OrganisationLooks {
  key: string;
  name: string;
  roles: string[];
  looks: AccessRecord[];
  breakGlass: boolean;
}

/** Groups looks by organisation, keeping the newest-first order of organisations and of looks. */
export function groupByOrganisation(history: AccessRecord[]): OrganisationLooks[] {
  const groups = new Map<string, OrganisationLooks>();
  for (const h of history) {
    if (h.organisation === 'family' || FAMILY.has(h.role)) continue;
    const group = groups.get(h.organisation) ?? {
      key: h.organisation,
      name: h.organisationName ?? 'An organisation working with your child',
      roles: [],
      looks: [],
      breakGlass: false,
    };
    group.looks.push(h);
    const role = ROLE_SHORT[h.role] ?? 'member of staff';
    if (!group.roles.includes(role)) group.roles.push(role);
    group.breakGlass ||= h.breakGlass;
    groups.set(h.organisation, group);
  }
  return [...groups.values()];
}

export function AccessHistory({ childId }: { childId: string }) {
  const history = useLoad(async () => {
    const r = await gql(ACCESS_HISTORY, { childId });
    if (!r.data && isServiceFailure(r.errors)) throw new LoadError(r.errors[0]?.message);
    return groupByOrganisation(r.data?.accessHistory ?? []);
  }, [childId]);

  return (
    <section aria-labelledby="history-heading" className="section" data-section="access-history">
      <h2 id="history-heading">Who has looked at the record</h2>
      {history.state === 'loading' ? (
        <p>Loading…</p>
      ) : history.state === 'failed' ? (
        <p>The list of who has looked could not be loaded.</p>
      ) : history.data.length === 0 ? (
        <p>Nobody outside your family has looked at the record yet.</p>
      ) : (
        <>
          <p>Newest first. Times are UK time. Your own looks are not listed.</p>
          <div data-testid="access-history">
            {history.data.map((org) => (
              <div key={org.key} className={org.breakGlass ? 'org-looks org-looks-alert' : 'org-looks'}>
                <h3 className="org-looks-heading">{org.name}</h3>
                <p className="hint">
                  {org.looks.length === 1 ? 'Looked once' : `Looked ${org.looks.length} times`}, by{' '}
                  {org.roles.join(' and ')}. Last looked {formatLondonDateTime(org.looks[0]?.at)}.
                </p>
                {org.breakGlass && (
                  <p>
                    <strong className="tag tag-red">Emergency access</strong> Someone at this organisation
                    opened the record without your agreement to keep a child safe. This is checked by
                    auditors.
                  </p>
                )}
                <details className="details">
                  <summary>
                    What they looked at<span className="visually-hidden"> ({org.name})</span>
                  </summary>
                  <ul className="looks">
                    {org.looks.map((h, i) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole, never reordered; two looks can share a time.
                      <li key={`${h.at}-${i}`}>
                        <strong>{formatLondonDateTime(h.at)}</strong>:{' '}
                        {h.sections.map((s) => SECTION_WORDS[s] ?? SECTION_WORDS.other).join(', ')}
                        {' – '}
                        {h.breakGlass
                          ? 'emergency access to keep a child safe'
                          : h.purpose
                            ? `for ${purposeLabel(h.purpose)}`
                            : 'no reason given'}
                      </li>
                    ))}
                  </ul>
                </details>
              </div>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
