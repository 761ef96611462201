import { type FormEvent, useEffect, useRef, useState } from 'react';
import { gql, type SessionUser, type TypedDocument } from './api.ts';
import { ErrorSummary, Radios, Textarea } from './fields.tsx';
import type {
  MyBreakGlassQuery,
  MyBreakGlassQueryVariables,
  OpenBreakGlassMutation,
  OpenBreakGlassMutationVariables,
} from './generated/graphql.ts';
import { formatDateTime } from './text.ts';
import { PageHeading } from './ui.tsx';

/**
 * Emergency ("break-glass") access: a social worker or council SEND officer opens a child's whole
 * record without the family's agreement, to keep the child safe. The hub's rules (openBreakGlass):
 * a reason of 20 to 2,000 characters that a person can see, for at most 24 hours; the request is
 * recorded before anything opens and every look under it is flagged for auditors. Who may use it
 * is the hub's answer (`viewer { canBreakGlass }`), not a list of roles here.
 */

const MIN_REASON = 20;
const MAX_REASON = 2000;
const DURATIONS = [1, 4, 8, 24];

/** Characters a person can see: no invisible characters, each run of spaces counted once (as the hub counts). */
function visibleLength(text: string): number {
  return [
    ...text
      .normalize('NFC')
      .replace(/(?![\t\n\v\f\r])[\p{Cf}\p{Cc}\u115F\u1160\u3164\uFFA0\u2800]/gu, '')
      .replace(/[\s\p{Z}]+/gu, ' ')
      .trim(),
  ].length;
}

type BreakGlass = OpenBreakGlassMutation['openBreakGlass'];

const MINE: TypedDocument<MyBreakGlassQuery, MyBreakGlassQueryVariables> = /* GraphQL */ `
  query MyBreakGlass($childId: ID!) { myBreakGlass(childId: $childId) { id reason startsAt expiresAt } }
`;
const OPEN: TypedDocument<OpenBreakGlassMutation, OpenBreakGlassMutationVariables> = /* GraphQL */ `
  mutation OpenBreakGlass($childId: ID!, $reason: String!, $durationHours: Int!) {
    openBreakGlass(childId: $childId, reason: $reason, durationHours: $durationHours) { id reason startsAt expiresAt }
  }
`;

/** The caller's own break-glass on this child, if one is in force (null otherwise, or while loading). */
export function useMyBreakGlass(childId: string, mayBreakGlass: boolean): BreakGlass | null {
  const [active, setActive] = useState<BreakGlass | null>(null);
  useEffect(() => {
    if (!mayBreakGlass) return;
    let live = true;
    void gql(MINE, { childId }).then((r) => {
      if (live) setActive(r.data?.myBreakGlass ?? null);
    });
    return () => {
      live = false;
    };
  }, [childId, mayBreakGlass]);
  return active;
}

/**
 * On the record: either the emergency access in force (why, until when, what it means), or, for
 * the roles that may use it and when something is not shown, the way to it.
 */
export function BreakGlassPanel({
  childId,
  mayBreakGlass,
  somethingHidden,
}: {
  childId: string;
  /** From the hub (Child.viewer, or Query.viewer when the child is not shown). */
  mayBreakGlass: boolean;
  somethingHidden: boolean;
}) {
  const active = useMyBreakGlass(childId, mayBreakGlass);
  if (!mayBreakGlass) return null;
  if (active) {
    return (
      <div className="warning break-glass-active" data-testid="break-glass-active">
        <p>
          <strong>Emergency access until {formatDateTime(active.expiresAt)}.</strong> You opened this record
          without the family’s agreement to keep the child safe. You see every section, whatever the family
          chose. Every look is recorded with your reason and shown to auditors.
        </p>
        <p>Your reason: “{active.reason}”</p>
      </div>
    );
  }
  if (!somethingHidden) return null;
  return (
    <p>
      If a child may be at risk of harm and you need what is not shown,{' '}
      <a href={`#/break-glass/${childId}`}>use emergency access (break-glass)</a>.
    </p>
  );
}

const draftKey = (childId: string) => `hub.breakGlassReason.${childId}`;

/** Whether the hub lets the signed-in user use break-glass at all (Query.viewer); null while asking. */
function useMayBreakGlass(): boolean | null {
  const [may, setMay] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    void gql<{ viewer: { canBreakGlass: boolean } }>('query Viewer { viewer { canBreakGlass } }').then(
      (r) => {
        if (live && r.data) setMay(r.data.viewer.canBreakGlass);
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return may;
}

export function BreakGlassScreen({ childId }: { user: SessionUser; childId: string }) {
  // What was typed survives a reload (the tab's own storage, gone when the tab closes).
  const [reason, setReason] = useState(() => sessionStorage.getItem(draftKey(childId)) ?? '');
  const [hours, setHours] = useState('');
  const [errors, setErrors] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  // A second click while the first is on its way must not open a second override.
  const sending = useRef(false);
  const mayBreakGlass = useMayBreakGlass();

  // The form shows while the hub is asked (the hub refuses an opening it would not allow anyway).
  if (mayBreakGlass === false) {
    return (
      <>
        <PageHeading>Emergency access</PageHeading>
        <p>Only social workers and council SEND officers can open a record in an emergency.</p>
      </>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (sending.current) return;
    const problems: string[] = [];
    const length = visibleLength(reason);
    if (length < MIN_REASON)
      problems.push(
        length === 0
          ? 'Enter why you need emergency access'
          : `Reason must be at least ${MIN_REASON} characters (it has ${length})`,
      );
    if (reason.normalize('NFC').trim().length > MAX_REASON)
      problems.push(`Reason must be ${MAX_REASON} characters or fewer`);
    if (!hours) problems.push('Select how long you need emergency access for');
    setErrors(problems);
    if (problems.length > 0) return;
    sending.current = true;
    setBusy(true);
    try {
      const r = await gql(OPEN, {
        childId,
        reason,
        durationHours: Number(hours),
      });
      if (r.errors.length > 0 || !r.data) {
        setErrors(r.errors.map((x) => x.message));
        return;
      }
      sessionStorage.removeItem(draftKey(childId));
      window.location.hash = `#/child/${childId}`;
    } finally {
      sending.current = false;
      setBusy(false);
    }
  };

  const length = visibleLength(reason);
  return (
    <>
      <p>
        <a href={`#/child/${childId}`} className="back-link">
          Back to the record
        </a>
      </p>
      <PageHeading caption="Emergency access (break-glass)">Open this record in an emergency</PageHeading>
      <ErrorSummary messages={errors} />
      <div className="warning">
        <p>
          <strong>Only use this if a child may be at risk of harm and you cannot wait for the family.</strong>
        </p>
      </div>
      <h2>What happens</h2>
      <ul className="list">
        <li>
          You will see every part of the child’s record – education, health and social care – even where the
          family has not agreed to share it with you.
        </li>
        <li>It lasts for the time you choose (at most 24 hours), then stops by itself.</li>
        <li>
          Your name, organisation, the reason you give and the time are recorded before the record opens.
          Every look while it lasts is flagged for auditors, who check each one.
        </li>
      </ul>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Textarea
          id="break-glass-reason"
          label="Why do you need emergency access?"
          hint={`Say what the concern is and why it cannot wait. At least ${MIN_REASON} characters. Auditors read this.`}
          describedBy="break-glass-reason-count"
          after={
            <p className="hint" id="break-glass-reason-count">
              {length < MIN_REASON
                ? `${length} of at least ${MIN_REASON} characters`
                : `${length} characters (at most ${MAX_REASON})`}
            </p>
          }
          value={reason}
          onChange={(value) => {
            setReason(value);
            sessionStorage.setItem(draftKey(childId), value);
          }}
        />
        <Radios
          name="break-glass-hours"
          legend="How long do you need it for?"
          items={DURATIONS.map((h) => ({ value: String(h), label: h === 1 ? '1 hour' : `${h} hours` }))}
          value={hours}
          onChange={setHours}
        />
        <button type="submit" className="button button-warning" aria-disabled={busy || undefined}>
          Open the record in an emergency
        </button>
      </form>
    </>
  );
}
