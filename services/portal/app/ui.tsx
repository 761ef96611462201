import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { draftKey } from './api.ts';

/**
 * Shared GOV.UK-style building blocks: page title, heading, "Try again" panel, loads and kept
 * drafts (form fields and the error summary: fields.tsx). Patterns and reasons: docs/portal.md.
 */

// ---------------------------------------------------------------------------------------------
// Page title: "<Page> – Tell it once – GOV.UK", with "Error: " in front while a form shows errors
// (GOV.UK "Page template" and "Error message" guidance). PageHeading sets it from its text, so
// every screen gets a title without doing anything; `title` overrides it.

export const SERVICE_TITLE = 'Tell it once – GOV.UK';
let titleHeading = '';
let errorSummariesShown = 0;

function applyTitle() {
  const page = titleHeading ? `${titleHeading} – ${SERVICE_TITLE}` : SERVICE_TITLE;
  document.title = errorSummariesShown > 0 ? `Error: ${page}` : page;
}

/** Sets the page's `<title>` (for a screen without a PageHeading; PageHeading calls it itself). */
export function usePageTitle(title: string): void {
  useEffect(() => {
    titleHeading = title;
    applyTitle();
  }, [title]);
}

function textOf(node: ReactNode): string {
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  return '';
}

/** A page heading that can take focus (focus moves here on navigation); it names the page's title. */
export function PageHeading({
  children,
  caption,
  title,
}: {
  children: ReactNode;
  caption?: string;
  /** The `<title>`'s page part, when the heading's text is not plain text or not what it should say. */
  title?: string;
}) {
  usePageTitle((title ?? textOf(children)).trim());
  return (
    <h1 tabIndex={-1}>
      {caption && <span className="caption">{caption}</span>}
      {children}
    </h1>
  );
}

/** While `shown`, the page title starts with "Error: " (the error summary calls it). */
export function useErrorInTitle(shown: boolean): void {
  useEffect(() => {
    if (!shown) return;
    errorSummariesShown++;
    applyTitle();
    return () => {
      errorSummariesShown--;
      applyTitle();
    };
  }, [shown]);
}

// ---------------------------------------------------------------------------------------------
// Failures: never a page that says "Loading" for ever.

/** What a failed load says, with a "Try again" that really loads again. */
export function LoadFailed({
  message,
  onRetry,
  headingLevel = 2,
}: {
  message?: string;
  onRetry: () => void;
  headingLevel?: 2 | 3;
}) {
  const Heading = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <div className="problem" role="alert" data-testid="load-failed">
      <Heading className="problem-heading">Sorry, there is a problem with the service</Heading>
      <p>{message ?? 'This part of the page could not be loaded. Nothing you saved has been lost.'}</p>
      <button type="button" className="button button-secondary" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'failed'; message: string }
  | { state: 'ok'; data: T };

/**
 * Runs `load` when a dependency changes and on `retry()`. `load` throws (or rejects) to fail:
 * the screen then shows LoadFailed instead of waiting for ever. Answers that arrive after the
 * screen moved on are dropped.
 */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): Loaded<T> & { retry: () => void; reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's; attempt is the retry trigger.
  useEffect(() => {
    let live = true;
    load().then(
      (data) => live && setResult({ state: 'ok', data }),
      (error: unknown) =>
        live &&
        setResult({
          state: 'failed',
          message: error instanceof LoadError ? error.message : 'The page could not be loaded.',
        }),
    );
    return () => {
      live = false;
    };
  }, [...deps, attempt]);
  const retry = useCallback(() => {
    setResult({ state: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  // Loads again without showing "Loading" (after a save: the page stays as it is meanwhile).
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...result, retry, reload };
}

/** A load failure whose message is fit to show (plain English, from api.ts userMessage). */
export class LoadError extends Error {
  override name = 'LoadError';
}

// ---------------------------------------------------------------------------------------------
// Drafts: what the user typed survives a reload, an ended sign-in and signing in again.

/**
 * Like useState for a form's values, but also kept in sessionStorage under the signed-in user
 * and `form` until `clear()` (call it after a successful save). `restored` says the values came
 * from an earlier visit, so the page can say so.
 */
export function useDraft<T extends Record<string, string>>(
  form: string,
  initial: T,
): {
  values: T;
  /** The user changed the values: keep them. */
  set: (values: T) => void;
  /** Values from the server (loaded or just saved): shown, and no draft kept. */
  replace: (values: T) => void;
  clear: () => void;
  restored: boolean;
} {
  const key = draftKey(form);
  const [restored] = useState(() => (key ? sessionStorage.getItem(key) !== null : false));
  const [values, setValues] = useState<T>(() => {
    const saved = key ? sessionStorage.getItem(key) : null;
    if (!saved) return initial;
    try {
      return { ...initial, ...(JSON.parse(saved) as Partial<T>) };
    } catch {
      return initial;
    }
  });
  const set = useCallback(
    (next: T) => {
      setValues(next);
      if (key) sessionStorage.setItem(key, JSON.stringify(next));
    },
    [key],
  );
  const clear = useCallback(() => {
    if (key) sessionStorage.removeItem(key);
  }, [key]);
  const replace = useCallback(
    (next: T) => {
      setValues(next);
      clear();
    },
    [clear],
  );
  return { values, set, replace, clear, restored };
}

// ---------------------------------------------------------------------------------------------
// "On this page": links to a long page's sections (GOV.UK contents list). Like the error
// summary's links they move focus by hand, since a `#id` link would change the hash route.

export function jumpTo(id: string): void {
  const target = document.getElementById(id);
  if (!target) return;
  if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
  target.scrollIntoView({ block: 'start' });
  target.focus({ preventScroll: true });
}

export function OnThisPage({ items }: { items: { id: string; label: string }[] }) {
  return (
    <nav className="contents-list" aria-labelledby="contents-heading">
      <h2 id="contents-heading" className="contents-heading">
        On this page
      </h2>
      <ul>
        {items.map((item) => (
          <li key={item.id}>
            <a
              href={`#${item.id}`}
              onClick={(e) => {
                e.preventDefault();
                jumpTo(item.id);
              }}
            >
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

export function Inset({ children }: { children: ReactNode }) {
  return <div className="inset">{children}</div>;
}
