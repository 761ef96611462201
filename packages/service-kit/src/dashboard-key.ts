import { HubError } from './errors.ts';

/**
 * The SEND dashboard is one federated entity (`SendDashboard @key(fields: "id")`) that the
 * record, health and audit subgraphs each add figures to. Its key carries what they all need
 * to agree on: the as-at date, the trend length and the council. Written by the record
 * subgraph, read by the others; opaque to clients.
 */
export interface DashboardKey {
  asAt: string;
  months: number;
  /** The councils whose figures these are (see DashboardScope in services/record/src/reporting/dashboard.ts). */
  councils: string[];
}

export function formatDashboardKey(key: DashboardKey): string {
  return ['v1', key.asAt, String(key.months), key.councils.join(',')].join('|');
}

export function parseDashboardKey(id: unknown): DashboardKey {
  const parts = typeof id === 'string' ? id.split('|') : [];
  const [version, asAt, months, council] = parts;
  if (
    parts.length !== 4 ||
    version !== 'v1' ||
    !/^\d{4}-\d{2}-\d{2}$/.test(asAt ?? '') ||
    !/^\d{1,2}$/.test(months ?? '') ||
    council === undefined
  )
    throw new HubError('INVALID_INPUT', 'Not a dashboard key.');
  return { asAt: asAt!, months: Number(months), councils: council === '' ? [] : council!.split(',') };
}
