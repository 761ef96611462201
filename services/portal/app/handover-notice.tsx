/** Asked in the family page's one query (family.tsx). */
export const HANDOVER_FIELDS =
  'decisionHandover(childId: $childId) { handoverDate parentCarerNotice youngPersonNotice }';

export interface Handover {
  handoverDate: string;
  parentCarerNotice: string | null;
  youngPersonNotice: string | null;
}

/**
 * Telling the family ahead: from 3 months before the end of the school year in which the child
 * turns 16 (and for 3 months after it) the parent carer is told that decisions pass to the young
 * person, and the young person is told what that means. The words and the dates come from the
 * hub (`decisionHandover`, dates in England); this shows the notice meant for whoever is signed
 * in, and nothing outside that window (nor while loading, nor when it could not be read).
 */
export function HandoverNotice({ handover, role }: { handover: Handover | null; role: string }) {
  const notice = role === 'young_person' ? handover?.youngPersonNotice : handover?.parentCarerNotice;
  if (!notice) return null;
  return (
    <section aria-labelledby="handover-heading" className="warning" data-section="handover-notice">
      <h2 id="handover-heading">Who decides about this record</h2>
      <p>{notice}</p>
    </section>
  );
}
