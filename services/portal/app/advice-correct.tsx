import { useRef, useState } from 'react';
import type { Advice, AdviceKind } from './advice-kinds.ts';
import { gql } from './api.ts';

/**
 * Correcting sent advice: the sent version never changes (the council may already rely on it), so
 * a correction is a new version, started as a draft from the sent text. Once sent, it is the
 * current advice and the earlier version is kept as superseded.
 */
export function CorrectAdvice({
  kind,
  advice,
  onErrors,
  onStatus,
  onChange,
}: {
  kind: AdviceKind;
  advice: Advice;
  onErrors: (errors: string[]) => void;
  onStatus: (status: string) => void;
  onChange: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const starting = useRef(false);
  const start = async () => {
    // One correction per click: a double click must not start two drafts.
    if (starting.current) return;
    starting.current = true;
    setBusy(true);
    try {
      const r = await gql(`mutation Correct($id: ID!) { correct${kind.type}(id: $id) { id version } }`, {
        id: advice.id,
      });
      if (r.errors.length > 0) return onErrors(r.errors.map((e) => e.message));
      onErrors([]);
      onStatus(
        `You started a correction (version ${advice.version + 1}). Change what needs changing and send it; version ${advice.version} stays on record.`,
      );
      onChange();
    } finally {
      starting.current = false;
      setBusy(false);
    }
  };
  return (
    <p>
      <button
        type="button"
        className="button button-secondary"
        aria-disabled={busy || undefined}
        onClick={() => void start()}
      >
        Correct this advice<span className="visually-hidden"> (version {advice.version})</span>
      </button>
      <span className="hint-inline">
        {' '}
        A correction is a new version the council sees as the current advice; what was sent stays on record.
      </span>
    </p>
  );
}
