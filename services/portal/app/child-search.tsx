import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { gql, readErrors, type SessionUser, shownPageWide, type TypedDocument } from './api.ts';
import { childName } from './child-record.ts';
import { type ErrorItem, ErrorSummary, TextInput } from './fields.tsx';
import type { SearchQuery, SearchQueryVariables } from './generated/graphql.ts';
import { PurposePicker } from './purpose-picker.tsx';
import { formatDate } from './text.ts';
import { PageHeading } from './ui.tsx';

export type SearchResult = SearchQuery['childSearch']['children'][number];

export const PAGE_SIZE = 50;
export const SEARCH: TypedDocument<SearchQuery, SearchQueryVariables> = /* GraphQL */ `
  query Search($search: ChildSearch!, $first: Int, $offset: Int) {
    childSearch(search: $search, first: $first, offset: $offset) { totalCount offset children { id givenName familyName dateOfBirth } }
  }
`;

/** The search in the address (#/search?name=…&from=…): a reload, the back button or a new tab shows the same page. */
export function searchFromAddress(): { name: string; offset: number } {
  const query = new URLSearchParams(window.location.hash.split('?')[1] ?? '');
  const offset = Number(query.get('from') ?? '1') - 1;
  return {
    name: query.get('name') ?? sessionStorage.getItem('hub.lastSearch') ?? '',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

export const SEARCH_HINT: Record<string, string> = {
  senco: 'You can find children on your school’s roll.',
  health_practitioner: 'You can find children your health service is involved with.',
  social_worker: 'You can find children allocated to your team.',
  la_send_officer: 'You can find children your council is responsible for.',
};

export function SearchScreen({ user }: { user: SessionUser }) {
  const [start] = useState(searchFromAddress);
  const [name, setName] = useState(start.name);
  const [results, setResults] = useState<{
    term: string;
    totalCount: number;
    offset: number;
    children: SearchResult[];
  } | null>(null);
  const [errors, setErrors] = useState<ErrorItem[]>([]);

  const search = useCallback(async (term: string, offset: number) => {
    if (term.trim().length < 2) {
      setErrors([{ text: 'Enter at least 2 letters of the child’s name', field: 'child-name' }]);
      return;
    }
    sessionStorage.setItem('hub.lastSearch', term);
    window.history.replaceState(
      null,
      '',
      `#/search?${new URLSearchParams({ name: term, ...(offset > 0 ? { from: String(offset + 1) } : {}) })}`,
    );
    const r = await gql(SEARCH, { search: { name: term }, first: PAGE_SIZE, offset }, { purpose: true });
    setErrors(readErrors(r).map((text) => ({ text })));
    const page = r.data?.childSearch;
    // A failed search is not "0 children found": the page-wide message says what happened.
    if (shownPageWide(r)) return setResults(null);
    setResults(page ? { term, ...page } : { term, totalCount: 0, offset: 0, children: [] });
  }, []);

  // Only on first show: repeats the last search when coming back from a record.
  // biome-ignore lint/correctness/useExhaustiveDependencies: deliberately once, not on every keystroke.
  useEffect(() => {
    if (start.name) void search(start.name, start.offset);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void search(name, 0);
  };

  const shownFrom = results ? results.offset + 1 : 0;
  const shownTo = results ? results.offset + results.children.length : 0;
  return (
    <>
      <PageHeading caption={user.name}>Find a child</PageHeading>
      <p className="lead">{SEARCH_HINT[user.role]}</p>
      <ErrorSummary messages={errors} />
      <PurposePicker onChange={() => undefined} />
      <form onSubmit={submit} noValidate>
        <TextInput
          id="child-name"
          type="text"
          label="Child’s name"
          hint="First name or last name. At least 2 letters."
          error={errors.find((e) => e.field === 'child-name')?.text}
          value={name}
          onChange={setName}
        />
        <button type="submit" className="button">
          Search
        </button>
      </form>
      {results && (
        <section aria-labelledby="results-heading">
          <h2 id="results-heading" aria-live="polite">
            {results.totalCount === 0
              ? 'No children found'
              : `${results.totalCount} ${results.totalCount === 1 ? 'child' : 'children'} found`}
          </h2>
          {results.children.length > 0 && (
            <>
              {results.totalCount > results.children.length && (
                <p data-testid="results-range">
                  Showing {shownFrom} to {shownTo} of {results.totalCount}
                </p>
              )}
              <table className="table">
                <caption className="visually-hidden">
                  Children matching “{results.term}”, {shownFrom} to {shownTo} of {results.totalCount}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Date of birth</th>
                  </tr>
                </thead>
                <tbody>
                  {results.children.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <a href={`#/child/${c.id}`}>{childName(c)}</a>
                      </td>
                      <td>{formatDate(c.dateOfBirth)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {results.totalCount > PAGE_SIZE && (
                <nav aria-label="Pages of results" className="pagination">
                  {results.offset > 0 && (
                    <button
                      type="button"
                      className="button button-secondary"
                      onClick={() => void search(results.term, Math.max(0, results.offset - PAGE_SIZE))}
                    >
                      Previous page
                    </button>
                  )}
                  {shownTo < results.totalCount && (
                    <button
                      type="button"
                      className="button button-secondary"
                      onClick={() => void search(results.term, results.offset + PAGE_SIZE)}
                    >
                      Next page
                    </button>
                  )}
                </nav>
              )}
            </>
          )}
        </section>
      )}
    </>
  );
}
