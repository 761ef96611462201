import type { SessionUser } from './api.ts';
import { CheckAnswers } from './sharing-check-answers.tsx';
import { Confirmation, KeepRecord } from './sharing-confirmation.tsx';
import { useSharing } from './sharing-data.tsx';
import { CHOICES, key } from './sharing-model.ts';
import { Question } from './sharing-question.tsx';
import { Summary } from './sharing-summary.tsx';

/**
 * The family's sharing choices, following the NHS national data opt-out and GOV.UK patterns:
 * a summary of every choice → one question per page (what is shared, with whom, why, and what
 * happens if you say no) → check your answers → confirmation → a record to keep.
 *
 * Answers not yet confirmed are kept in this tab's sessionStorage, so a reload or the back
 * button loses nothing; nothing changes in the hub until the family confirms. The hub keeps at
 * most one open consent per choice and grant and withdraw are idempotent, so a double click or
 * a retry cannot record a choice twice.
 */

// ---- Pages ----

export function SharingJourney({ childId, step }: { user: SessionUser; childId: string; step: string[] }) {
  const sharing = useSharing(childId, step.join('/'));
  const decides = sharing.decides;
  const [first, domain, recipient] = step;
  if (first === 'check') return <CheckAnswers childId={childId} sharing={sharing} />;
  if (first === 'done') return <Confirmation childId={childId} sharing={sharing} />;
  if (first === 'record') return <KeepRecord childId={childId} sharing={sharing} />;
  const choice = CHOICES.find((c) => c.purpose === first && c.domain === domain && c.recipient === recipient);
  if (choice && decides)
    return <Question key={key(choice)} childId={childId} choice={choice} sharing={sharing} />;
  return <Summary childId={childId} sharing={sharing} decides={decides} />;
}
