import { useCallback, useEffect, useState } from 'react';
import { gql, shownPageWide } from './api.ts';
import { ErrorSummary } from './fields.tsx';
import { type Choice, type Consent, type ConsentRequest, key } from './sharing-model.ts';

// ---- State: what the hub holds, and answers not yet confirmed ----

export type Current = 'shared' | 'not_shared' | 'awaiting_young_person';

export function currentOf(consents: Consent[], c: Choice): { state: Current; since: string | null } {
  const here = consents.filter(
    (k) => k.domain === c.domain && k.recipientOrgType === c.recipient && k.purpose === c.purpose,
  );
  const active = here.find((k) => k.status === 'active' || k.status === 'scheduled');
  if (active) return { state: 'shared', since: active.startsAt };
  if (here.some((k) => k.status === 'needs_young_person_confirmation'))
    return { state: 'awaiting_young_person', since: null };
  return { state: 'not_shared', since: null };
}

export const pendingKey = (childId: string) => `hub.sharing-answers.${childId}`;

export function readPending(childId: string): Record<string, boolean> {
  try {
    return JSON.parse(sessionStorage.getItem(pendingKey(childId)) ?? '{}') as Record<string, boolean>;
  } catch {
    return {};
  }
}

export function writePending(childId: string, answers: Record<string, boolean>): void {
  if (Object.keys(answers).length === 0) sessionStorage.removeItem(pendingKey(childId));
  else sessionStorage.setItem(pendingKey(childId), JSON.stringify(answers));
}

export const confirmedKey = (childId: string) => `hub.sharing-confirmed.${childId}`;

export function useTitle(title: string, error: boolean) {
  useEffect(() => {
    document.title = `${error ? 'Error: ' : ''}${title} – Tell it once`;
  }, [title, error]);
}

/** The hub's consents and the child's name; a loading state and "Try again" until they arrive. */
export function useSharing(childId: string, page: string) {
  const [consents, setConsents] = useState<Consent[] | null>(null);
  const [requests, setRequests] = useState<ConsentRequest[] | null>(null);
  const [name, setName] = useState<string | null>(null);
  const [decides, setDecides] = useState<boolean | null>(null);
  const [failed, setFailed] = useState<string[]>([]);
  const load = useCallback(async () => {
    setFailed([]);
    try {
      const r = await gql<{
        consents: Consent[];
        consentRequests: ConsentRequest[];
        child: { givenName: string | null; viewer: { canManageConsent: boolean } | null } | null;
      }>(
        `query Sharing($childId: ID!) {
          consents(childId: $childId) { id domain recipientOrgType purpose status grantedByRole startsAt createdAt withdrawnAt }
          consentRequests(childId: $childId) { domain recipientOrgType purpose agency requestedOn dueDate }
          child(id: $childId) { givenName viewer { canManageConsent } }
        }`,
        { childId },
      );
      if (!r.data?.consents) {
        // A service failure is said once, page-wide, with its "Try again" (main.tsx): nothing more here.
        setFailed(
          shownPageWide(r)
            ? [PAGE_WIDE]
            : r.errors.length
              ? r.errors.map((e) => e.message)
              : ['Your sharing choices could not be loaded.'],
        );
        return;
      }
      setConsents(r.data.consents);
      setRequests(r.data.consentRequests ?? []);
      setName(r.data.child?.givenName ?? null);
      setDecides(r.data.child?.viewer?.canManageConsent ?? null);
    } catch {
      setFailed(['Your sharing choices could not be loaded. Check your connection and try again.']);
    }
  }, [childId]);
  // Read fresh on every page of the journey: a choice confirmed a moment ago (here or in
  // another tab) is what the next page shows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: page is a deliberate trigger.
  useEffect(() => {
    void load();
  }, [load, page]);
  // Whether this family member makes the choices is the hub's answer (Child.viewer): after the
  // end of compulsory school age the young person does. Until it is known, the choices are
  // offered (the hub refuses a choice the user may not make).
  return { consents, requests, name: name ?? 'your child', decides: decides ?? true, load, failed };
}

/** Marks a failure the page-wide message (main.tsx) already shows with its own "Try again". */
export const PAGE_WIDE = 'page-wide';

export function LoadingOrFailed({ failed, retry }: { failed: string[]; retry: () => void }) {
  if (failed.length === 0)
    return (
      <p role="status" data-testid="sharing-loading">
        Loading your sharing choices…
      </p>
    );
  if (failed.includes(PAGE_WIDE)) return <p>Your sharing choices could not be loaded.</p>;
  return (
    <>
      <ErrorSummary messages={failed} />
      <button type="button" className="button" onClick={retry}>
        Try again
      </button>
    </>
  );
}

export const base = (childId: string) => `#/family/${childId}/sharing`;
export const questionHref = (childId: string, c: Choice) => `${base(childId)}/${key(c)}`;

export function BackLink({ href, children }: { href: string; children: string }) {
  return (
    <p>
      <a href={href} className="back-link">
        {children}
      </a>
    </p>
  );
}

export type Sharing = ReturnType<typeof useSharing>;
