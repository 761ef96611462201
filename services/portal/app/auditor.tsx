import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { getSession, gql, readErrors } from './api.ts';
import { AuditEventsTable, type AuditNode } from './audit-events.tsx';
import {
  AuditFilters,
  addressOf,
  type FormFilter,
  filterFromAddress,
  queryFilter,
} from './audit-filters.tsx';
import { ErrorSummary } from './fields.tsx';
import { PageHeading } from './ui.tsx';

const AUDIT_EVENTS = /* GraphQL */ `
  query AuditEvents($filter: AuditFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { cursor node { seq occurredAt actor { sub role organisation } purpose operationName outcome breakGlass breakGlassReason childIds errorCodes fieldsDenied } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const PAGE_SIZE = 20;

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

type Page = { nodes: AuditNode[]; hasNext: boolean; end: string | null };

/** The access log's data: the page of events for the applied filter, and paging through it. */
function useAuditEvents(applied: FormFilter) {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [page, setPage] = useState<Page | null>(null);
  const [errors, setErrors] = useState<string[]>([]);

  const load = useCallback(
    async (after: string | null) => {
      const r = await gql<{
        auditEvents: {
          edges: { node: AuditNode }[];
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }>(AUDIT_EVENTS, { filter: queryFilter(applied), first: PAGE_SIZE, after });
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
    },
    [applied],
  );

  // A new filter (each "Apply filters") starts again at its first page.
  useEffect(() => {
    setCursors([null]);
    void load(null);
  }, [load]);

  const previous =
    cursors.length > 1
      ? () => {
          const prev = cursors.slice(0, -1);
          setCursors(prev);
          void load(prev[prev.length - 1] ?? null);
        }
      : null;
  const next =
    page?.hasNext === true
      ? () => {
          setCursors([...cursors, page.end]);
          void load(page.end);
        }
      : null;
  return { page, pageNumber: cursors.length, errors, setErrors, previous, next };
}

export function AuditScreen() {
  const [filter, setFilter] = useState<FormFilter>(() => filterFromAddress());
  const [applied, setApplied] = useState<FormFilter>(filter);
  const events = useAuditEvents(applied);
  const exported = queryFilter(applied);
  const exportAs = (format: 'ndjson' | 'fhir') =>
    void download(format, exported).catch((e: Error) => events.setErrors([e.message]));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied({ ...filter });
    window.history.replaceState(null, '', `#/audit${addressOf(filter)}`);
  };

  return (
    <>
      <PageHeading caption="Auditor">Access log</PageHeading>
      <p className="lead">
        Every look at a child’s record is logged. Emergency (“break-glass”) access, which overrides the
        family’s choices to keep a child safe, is highlighted.
      </p>
      <ErrorSummary messages={events.errors} />
      <AuditFilters filter={filter} onChange={setFilter} onSubmit={submit} />
      <p>
        {Object.keys(exported).length === 0
          ? 'Download the whole log'
          : 'Download the events that match these filters'}
        :{' '}
        <button type="button" className="link-button" onClick={() => exportAs('ndjson')}>
          NDJSON (one event per line)
        </button>{' '}
        or{' '}
        <button type="button" className="link-button" onClick={() => exportAs('fhir')}>
          FHIR AuditEvent (for NHS systems)
        </button>
      </p>
      {events.page && <AuditEventsTable nodes={events.page.nodes} page={events.pageNumber} />}
      <nav aria-label="Pages of the access log" className="pagination">
        {events.previous && (
          <button type="button" className="button button-secondary" onClick={events.previous}>
            Previous page
          </button>
        )}
        {events.next && (
          <button type="button" className="button button-secondary" onClick={events.next}>
            Next page
          </button>
        )}
      </nav>
    </>
  );
}
