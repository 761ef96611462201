import { useEffect, useState } from 'react';
import { gql, type TypedDocument } from './api.ts';
import type { DecisionHandoverQuery, DecisionHandoverQueryVariables } from './generated/graphql.ts';

const HANDOVER: TypedDocument<DecisionHandoverQuery, DecisionHandoverQueryVariables> = /* GraphQL */ `
  query DecisionHandover($childId: ID!) {
    decisionHandover(childId: $childId) { handoverDate parentCarerNotice youngPersonNotice }
  }
`;

type Handover = DecisionHandoverQuery['decisionHandover'];

/**
 * Telling the family ahead: from 3 months before the end of the school year in which the child
 * turns 16 (and for 3 months after it) the parent carer is told that decisions pass to the young
 * person, and the young person is told what that means. The words and the dates come from the
 * hub (`decisionHandover`, dates in England); this shows the notice meant for whoever is signed
 * in, and nothing outside that window.
 */
export function HandoverNotice({ childId, role }: { childId: string; role: string }) {
  const [handover, setHandover] = useState<Handover | null>(null);
  useEffect(() => {
    let current = true;
    void gql(HANDOVER, { childId }).then((r) => {
      if (current) setHandover(r.data?.decisionHandover ?? null);
    });
    return () => {
      current = false;
    };
  }, [childId]);

  const notice = role === 'young_person' ? handover?.youngPersonNotice : handover?.parentCarerNotice;
  if (!notice) return null;
  return (
    <section aria-labelledby="handover-heading" className="warning" data-section="handover-notice">
      <h2 id="handover-heading">Who decides about this record</h2>
      <p>{notice}</p>
    </section>
  );
}
