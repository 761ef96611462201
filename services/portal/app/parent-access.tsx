import { useCallback, useEffect, useState } from 'react';
import { gql, readErrors, type TypedDocument } from './api.ts';
import { ErrorSummary } from './fields.tsx';
import type {
  ParentCarerAccessQuery,
  ParentCarerAccessQueryVariables,
  SetParentCarerAccessMutation,
  SetParentCarerAccessMutationVariables,
} from './generated/graphql.ts';

const READ: TypedDocument<ParentCarerAccessQuery, ParentCarerAccessQueryVariables> = /* GraphQL */ `
  query ParentCarerAccess($childId: ID!) { parentCarerAccess(childId: $childId) { allowed } }
`;
const SET: TypedDocument<SetParentCarerAccessMutation, SetParentCarerAccessMutationVariables> =
  /* GraphQL */ `
  mutation SetParentCarerAccess($childId: ID!, $allowed: Boolean!) {
    setParentCarerAccess(childId: $childId, allowed: $allowed) { allowed }
  }
`;

/**
 * From 16 a young person decides whether their parents or carers may keep seeing their record
 * (and the sharing choices on it). Only the young person sees this.
 */
export function ParentCarerAccessChoice({ childId }: { childId: string }) {
  const [allowed, setAllowed] = useState<boolean | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    const r = await gql(READ, { childId });
    if (r.errors.length) return setErrors(readErrors(r));
    setAllowed(r.data?.parentCarerAccess.allowed ?? null);
  }, [childId]);
  useEffect(() => {
    void load();
  }, [load]);

  const change = async (next: boolean) => {
    setErrors([]);
    const r = await gql(SET, { childId, allowed: next });
    if (r.errors.length) return setErrors(r.errors.map((e) => e.message));
    setAllowed(r.data?.setParentCarerAccess.allowed ?? next);
    setStatus(
      next
        ? 'Your parents or carers can now see your record. They cannot change your choices.'
        : 'Your parents or carers can no longer see your record. This works straight away.',
    );
  };

  return (
    <section aria-labelledby="parent-access-heading" className="section" data-section="parent-access">
      <h2 id="parent-access-heading">Can your parents or carers see your record?</h2>
      <p>
        The school year in which you turned 16 has ended (the last Friday in June), so you decide. If you say
        yes, they can see your record and who has looked at it, but only you can change who it is shared with.
      </p>
      <ErrorSummary messages={errors} />
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      {allowed !== null && (
        <>
          <p>
            <strong className={allowed ? 'tag tag-green' : 'tag tag-grey'}>
              {allowed ? 'Yes, they can see it' : 'No, they cannot see it'}
            </strong>
          </p>
          <button
            type="button"
            className={allowed ? 'button button-secondary' : 'button'}
            onClick={() => void change(!allowed)}
          >
            {allowed ? 'Stop them seeing my record' : 'Let them see my record'}
          </button>
        </>
      )}
    </section>
  );
}
