import type { FormEvent } from 'react';
import { Checkbox, DateInput, Select, TextInput } from './fields.tsx';

/**
 * The access log's filters. They live in the address (#/audit?outcome=DENIED…): a reload, a
 * bookmark or a new tab shows the same events, and the export downloads exactly what the
 * screen shows.
 */
export type FormFilter = {
  actorSub: string;
  organisation: string;
  childId: string;
  from: string;
  to: string;
  outcome: string;
  breakGlass: boolean;
};

const TEXT_FILTERS = ['actorSub', 'organisation', 'childId', 'from', 'to', 'outcome'] as const;

export function filterFromAddress(): FormFilter {
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

export function addressOf(filter: FormFilter): string {
  const query = new URLSearchParams();
  for (const key of TEXT_FILTERS) if (filter[key]) query.set(key, filter[key]);
  if (filter.breakGlass) query.set('breakGlass', 'true');
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** The filter as the hub takes it, for the on-screen list and the export alike. */
export function queryFilter(filter: FormFilter): Record<string, string | boolean> {
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

export function AuditFilters({
  filter,
  onChange,
  onSubmit,
}: {
  filter: FormFilter;
  onChange: (filter: FormFilter) => void;
  onSubmit: (e: FormEvent) => void;
}) {
  const text = (key: (typeof TEXT_FILTERS)[number]) => ({
    value: filter[key],
    onChange: (value: string) => onChange({ ...filter, [key]: value }),
  });
  return (
    <form onSubmit={onSubmit} noValidate className="filters" aria-label="Filter the access log">
      <TextInput id="f-actor" label="User id" {...text('actorSub')} />
      <TextInput id="f-org" label="Organisation id" {...text('organisation')} />
      <TextInput id="f-child" label="Child id" {...text('childId')} />
      <DateInput id="f-from" label="From (date)" {...text('from')} />
      <DateInput id="f-to" label="To (date, included)" {...text('to')} />
      <Select id="f-outcome" label="Result" {...text('outcome')}>
        <option value="">Any result</option>
        <option value="OK">Allowed</option>
        <option value="DENIED">Refused</option>
        <option value="ERROR">Failed</option>
      </Select>
      <Checkbox
        id="f-bg"
        label="Only emergency (break-glass) access"
        checked={filter.breakGlass}
        onChange={(breakGlass) => onChange({ ...filter, breakGlass })}
      />
      <button type="submit" className="button">
        Apply filters
      </button>
    </form>
  );
}
