import { type FormEvent, useEffect, useState } from 'react';
import { getSession, gql, readErrors } from './api.ts';
import { formatDateTime, purposeLabel } from './text.ts';
import { ErrorSummary, PageHeading } from './ui.tsx';

interface AuditNode {
  seq: string;
  occurredAt: string;
  actor: { sub: string | null; role: string | null; organisation: string | null };
  purpose: string | null;
  operationName: string | null;
  outcome: string;
  breakGlass: boolean;
  breakGlassReason: string | null;
  childIds: string[];
  errorCodes: string[];
  fieldsDenied: string[];
}

const AUDIT_EVENTS = /* GraphQL */ `
  query AuditEvents($filter: AuditFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { cursor node { seq occurredAt actor { sub role organisation } purpose operationName outcome breakGlass breakGlassReason childIds errorCodes fieldsDenied } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const PAGE_SIZE = 20;

const OUTCOME: Record<string, string> = { OK: 'Allowed', DENIED: 'Refused', ERROR: 'Failed' };

/**
 * Downloads an export with the auditor's token (a plain link could not carry it). The filters
 * are the ones applied on screen: the audit service selects and streams only those events.
 */
async function download(format: 'ndjson' | 'fhir', filter: Record<string, unknown>) {
  const session = getSession();
  const params = new URLSearchParams({ format });
  for (const [key, value] of Object.entries(filter)) params.set(key, String(value));
  const response = await fetch(`/audit/export?${params}`, {
    headers: { authorization: `Bearer ${session?.token ?? ''}` },
  });
  if (!response.ok) throw new Error(`Export failed (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `audit-export.${format === 'fhir' ? 'fhir.ndjson' : 'ndjson'}`;
  a.click();
  URL.revokeObjectURL(url);
}

type FormFilter = {
  actorSub: string;
  organisation: string;
  childId: string;
  from: string;
  to: string;
  outcome: string;
  breakGlass: boolean;
};

const TEXT_FILTERS = ['actorSub', 'organisation', 'childId', 'from', 'to', 'outcome'] as const;

function filterFromAddress(): FormFilter {
  const query = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  const out: FormFilter = {
    actorSub: '',
    organisation: '',
    childId: '',
    from: '',
    to: '',
    outcome: '',
    breakGlass: query.get('breakGlass') === 'true',
  };
  for (const key of TEXT_FILTERS) out[key] = query.get(key) ?? '';
  return out;
}

function addressOf(filter: FormFilter): string {
  const query = new URLSearchParams();
  for (const key of TEXT_FILTERS) if (filter[key]) query.set(key, filter[key]);
  if (filter.breakGlass) query.set('breakGlass', 'true');
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The filter as the hub takes it, for the on-screen list and the export alike. */
function queryFilter(filter: FormFilter): Record<string, string | boolean> {
  const f: Record<string, string | boolean> = {};
  if (filter.actorSub.trim()) f.actorSub = filter.actorSub.trim();
  if (filter.organisation.trim()) f.organisation = filter.organisation.trim();
  if (filter.childId.trim()) f.childId = filter.childId.trim();
  if (filter.breakGlass) f.breakGlass = true;
  if (filter.outcome) f.outcome = filter.outcome;
  // Whole days in UTC: from the start of "from" up to the end of "to".
  if (filter.from) f.from = `${filter.from}T00:00:00Z`;
  if (filter.to) f.to = new Date(Date.parse(`${filter.to}T00:00:00Z`) + 86_400_000).toISOString();
  return f;
}

const REASON: Record<string, string> = {
  NO_CONSENT: 'the family had not agreed to share it for the stated reason',
  NOT_PERMITTED: 'the role may never see it',
  NO_RELATIONSHIP: 'the organisation was not involved with the child',
};

const ERROR: Record<string, string> = {
  UNAUTHENTICATED: 'not signed in, or the sign-in had ended',
  FORBIDDEN: 'the request was not allowed for this role',
  NOT_FOUND: 'no record the user may see (or none at all)',
  INVALID_INPUT: 'the request was not valid',
  CONFLICT: 'it conflicted with the record as it stood',
};

/** "Child.health:NO_CONSENT" → what was refused and why, in words (the raw names kept for searching). */
function describeDenial(entry: string): { field: string; reason: string } {
  const at = entry.lastIndexOf(':');
  const field = at > 0 ? entry.slice(0, at) : entry;
  const code = at > 0 ? entry.slice(at + 1) : '';
  return {
    field,
    reason: REASON[code] ?? (code ? code.toLowerCase().replace(/_/g, ' ') : 'no reason recorded'),
  };
}

function Refusals({ node }: { node: AuditNode }) {
  const denied = node.fieldsDenied;
  const codes = [...new Set(node.errorCodes.filter((c) => c !== 'FORBIDDEN_FIELD' && ERROR[c]))];
  if (denied.length === 0 && codes.length === 0) return null;
  return (
    <div className="refusals" data-testid="refusals">
      <p className="refusals-heading">Refused:</p>
      <ul>
        {denied.map((entry) => {
          // The gateway keeps the first entries and counts the rest ("… 12 more (truncated)").
          if (entry.startsWith('…')) return <li key={entry}>{entry}</li>;
          const { field, reason } = describeDenial(entry);
          return (
            <li key={entry}>
              <code>{field}</code> – {reason}
            </li>
          );
        })}
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code> – {ERROR[code]}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function AuditScreen() {
  // The filters live in the address (#/audit?outcome=DENIED…): a reload, a bookmark or a new
  // tab shows the same events, and the export downloads exactly what the screen shows.
  const [filter, setFilter] = useState<FormFilter>(() => filterFromAddress());
  const [applied, setApplied] = useState<FormFilter>(filter);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<{ nodes: AuditNode[]; hasNext: boolean; end: string | null } | null>(null);
  const [errors, setErrors] = useState<string[]>([]);

  const load = async (after: string | null, shown: FormFilter = applied) => {
    const f = queryFilter(shown);
    const r = await gql<{
      auditEvents: {
        edges: { node: AuditNode }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
    }>(AUDIT_EVENTS, { filter: f, first: PAGE_SIZE, after });
    setErrors(readErrors(r));
    const data = r.data?.auditEvents;
    setPage(
      data
        ? {
            nodes: data.edges.map((e) => e.node),
            hasNext: data.pageInfo.hasNextPage,
            end: data.pageInfo.endCursor,
          }
        : null,
    );
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: loads the first page once, when the screen opens.
  useEffect(() => {
    void load(null);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCursors([null]);
    setApplied(filter);
    window.history.replaceState(null, '', `#/audit${addressOf(filter)}`);
    void load(null, filter);
  };

  return (
    <>
      <PageHeading caption="Auditor">Access log</PageHeading>
      <p className="lead">
        Every look at a child’s record is logged. Emergency (“break-glass”) access, which overrides the
        family’s choices to keep a child safe, is highlighted.
      </p>
      {
        <>
          <ErrorSummary messages={errors} />
          <form onSubmit={submit} noValidate className="filters" aria-label="Filter the access log">
            <div className="form-group">
              <label className="label" htmlFor="f-actor">
                User id
              </label>
              <input
                id="f-actor"
                className="input"
                value={filter.actorSub}
                onChange={(e) => setFilter({ ...filter, actorSub: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label className="label" htmlFor="f-org">
                Organisation id
              </label>
              <input
                id="f-org"
                className="input"
                value={filter.organisation}
                onChange={(e) => setFilter({ ...filter, organisation: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label className="label" htmlFor="f-child">
                Child id
              </label>
              <input
                id="f-child"
                className="input"
                value={filter.childId}
                onChange={(e) => setFilter({ ...filter, childId: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label className="label" htmlFor="f-from">
                From (date)
              </label>
              <input
                id="f-from"
                className="input"
                type="date"
                value={filter.from}
                onChange={(e) => setFilter({ ...filter, from: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label className="label" htmlFor="f-to">
                To (date, included)
              </label>
              <input
                id="f-to"
                className="input"
                type="date"
                value={filter.to}
                onChange={(e) => setFilter({ ...filter, to: e.target.value })}
              />
            </div>
            <div className="form-group">
              <label className="label" htmlFor="f-outcome">
                Result
              </label>
              <select
                id="f-outcome"
                className="select"
                value={filter.outcome}
                onChange={(e) => setFilter({ ...filter, outcome: e.target.value })}
              >
                <option value="">Any result</option>
                <option value="OK">Allowed</option>
                <option value="DENIED">Refused</option>
                <option value="ERROR">Failed</option>
              </select>
            </div>
            <div className="checkbox">
              <input
                id="f-bg"
                type="checkbox"
                checked={filter.breakGlass}
                onChange={(e) => setFilter({ ...filter, breakGlass: e.target.checked })}
              />
              <label htmlFor="f-bg">Only emergency (break-glass) access</label>
            </div>
            <button type="submit" className="button">
              Apply filters
            </button>
          </form>
          <p>
            {Object.keys(queryFilter(applied)).length === 0
              ? 'Download the whole log'
              : 'Download the events that match these filters'}
            :{' '}
            <button
              type="button"
              className="link-button"
              onClick={() =>
                void download('ndjson', queryFilter(applied)).catch((e: Error) => setErrors([e.message]))
              }
            >
              NDJSON (one event per line)
            </button>{' '}
            or{' '}
            <button
              type="button"
              className="link-button"
              onClick={() =>
                void download('fhir', queryFilter(applied)).catch((e: Error) => setErrors([e.message]))
              }
            >
              FHIR AuditEvent (for NHS systems)
            </button>
          </p>
          {page && (
            <table className="table" data-testid="audit-events">
              <caption className="table-caption">Access events, newest first (page {cursors.length})</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Why</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {page.nodes.map((n) => (
                  <tr key={n.seq} className={n.breakGlass ? 'row-alert' : undefined}>
                    <td>{formatDateTime(n.occurredAt)}</td>
                    <td>
                      {n.actor.sub ?? 'unknown'} ({n.actor.role ?? 'no role'},{' '}
                      {n.actor.organisation ?? 'no organisation'})
                    </td>
                    <td>
                      {n.operationName ?? 'unnamed request'}
                      {n.childIds.length > 0 &&
                        ` – ${n.childIds.length} ${n.childIds.length === 1 ? 'child' : 'children'}`}
                      <Refusals node={n} />
                    </td>
                    <td>
                      {n.breakGlass ? (
                        <>
                          <strong className="tag tag-red">Break-glass</strong> {n.breakGlassReason}
                        </>
                      ) : (
                        purposeLabel(n.purpose)
                      )}
                    </td>
                    <td>{OUTCOME[n.outcome] ?? n.outcome}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <nav aria-label="Pages of the access log" className="pagination">
            {cursors.length > 1 && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => {
                  const prev = cursors.slice(0, -1);
                  setCursors(prev);
                  void load(prev[prev.length - 1] ?? null);
                }}
              >
                Previous page
              </button>
            )}
            {page?.hasNext && (
              <button
                type="button"
                className="button button-secondary"
                onClick={() => {
                  setCursors([...cursors, page.end]);
                  void load(page.end);
                }}
              >
                Next page
              </button>
            )}
          </nav>
        </>
      }
    </>
  );
}
