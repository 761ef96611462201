import { formatDateTime, purposeLabel } from './text.ts';

/** One row of the access log, as the audit subgraph gives it. */
export interface AuditNode {
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

const OUTCOME: Record<string, string> = { OK: 'Allowed', DENIED: 'Refused', ERROR: 'Failed' };

export function AuditEventsTable({ nodes, page }: { nodes: AuditNode[]; page: number }) {
  return (
    <table className="table" data-testid="audit-events">
      <caption className="table-caption">Access events, newest first (page {page})</caption>
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
        {nodes.map((n) => (
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
  );
}
