import { type ReactNode, useEffect, useRef } from 'react';
import { useErrorInTitle } from './ui.tsx';

/**
 * GOV.UK Design System form patterns, one component each (as GOV.UK Frontend lays them out):
 * error summary, field (label, hint, error message), text input, textarea, date input, select,
 * fieldset, radios and checkbox. Screens use these instead of writing the markup again, so ids,
 * labels and `aria-describedby` follow one set of rules (docs/portal.md):
 * - a hint is `<id>-hint`, an error message `<id>-error`, both named by the control's
 *   `aria-describedby` (radios: by the fieldset's);
 * - an error message starts with a hidden "Error:", and the control gets `aria-invalid`.
 */

// ---------------------------------------------------------------------------------------------
// Error summary: at the top, focused when it appears, each message a link to its field. With hash
// routes a plain `#field` link would change the page, so the link moves focus by hand (and
// scrolls the field's label into view). While one shows, the page title starts with "Error: ".

export interface ErrorItem {
  text: string;
  /** The id of the input the error is about: the summary links to it. */
  field?: string;
}

export function focusField(id: string): void {
  const input = document.getElementById(id);
  if (!input) return;
  const label = document.querySelector(`label[for="${CSS.escape(id)}"]`) ?? input;
  label.scrollIntoView({ block: 'start' });
  input.focus({ preventScroll: true });
}

export function ErrorSummary({
  messages,
  focus = true,
}: {
  messages: (string | ErrorItem)[];
  /** Move focus to the summary when it appears or changes (GOV.UK: yes, after a submit). */
  focus?: boolean;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const items = messages.map((m) => (typeof m === 'string' ? { text: m } : m));
  const shown = items.length > 0;
  const signature = items.map((i) => `${i.field ?? ''}:${i.text}`).join('|');
  useErrorInTitle(shown);
  // biome-ignore lint/correctness/useExhaustiveDependencies: signature is the trigger (new errors: focus again).
  useEffect(() => {
    if (shown && focus) ref.current?.focus();
  }, [signature, shown, focus]);
  if (!shown) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref} data-testid="error-summary">
      <h2>There is a problem</h2>
      <ul>
        {items.map((item) => (
          <li key={`${item.field ?? ''}:${item.text}`}>
            {item.field ? (
              <a
                href={`#${item.field}`}
                onClick={(e) => {
                  e.preventDefault();
                  focusField(item.field as string);
                }}
              >
                {item.text}
              </a>
            ) : (
              item.text
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// One field: label, hint and error message linked to the control by aria-describedby.

export interface FieldControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

export interface FieldProps {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  /** More ids that describe the control (e.g. a character count rendered in `after`). */
  describedBy?: string;
  /** Shown under the control (e.g. a character count). */
  after?: ReactNode;
}

function ErrorMessage({ id, error }: { id: string; error: string }) {
  return (
    <p className="error-message" id={id}>
      <span className="visually-hidden">Error:</span> {error}
    </p>
  );
}

export function Field({
  id,
  label,
  hint,
  error,
  describedBy,
  after,
  children,
}: FieldProps & {
  /** Renders the control with the id and aria attributes it must carry. */
  children: (control: FieldControlProps) => ReactNode;
}) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : '', describedBy ?? '']
    .filter(Boolean)
    .join(' ');
  return (
    <div className={error ? 'form-group form-group-error' : 'form-group'}>
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && <ErrorMessage id={`${id}-error`} error={error} />}
      {children({
        id,
        ...(ids ? { 'aria-describedby': ids } : {}),
        ...(error ? { 'aria-invalid': true as const } : {}),
      })}
      {after}
    </div>
  );
}

type ValueProps = FieldProps & { value: string; onChange: (value: string) => void; maxLength?: number };

/** GOV.UK "Text input". */
export function TextInput({
  value,
  onChange,
  maxLength,
  type,
  ...field
}: ValueProps & { type?: 'text' | 'email' | 'tel' }) {
  return (
    <Field {...field}>
      {(control) => (
        <input
          {...control}
          className="input"
          type={type}
          maxLength={maxLength}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** GOV.UK "Textarea". */
export function Textarea({ value, onChange, maxLength, rows = 5, ...field }: ValueProps & { rows?: number }) {
  return (
    <Field {...field}>
      {(control) => (
        <textarea
          {...control}
          className="input textarea"
          rows={rows}
          maxLength={maxLength}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** A date (YYYY-MM-DD) with the browser's own date picker. */
export function DateInput({ value, onChange, ...field }: ValueProps) {
  return (
    <Field {...field}>
      {(control) => (
        <input
          {...control}
          className="input input-date"
          type="date"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** GOV.UK "Select": the options (and optgroups) are the children. */
export function Select({ value, onChange, children, ...field }: ValueProps & { children: ReactNode }) {
  return (
    <Field {...field}>
      {(control) => (
        <select {...control} className="select" value={value} onChange={(e) => onChange(e.target.value)}>
          {children}
        </select>
      )}
    </Field>
  );
}

// ---------------------------------------------------------------------------------------------
// Questions with more than one control: a fieldset whose legend is the question.

export function Fieldset({
  legend,
  hint,
  hintId,
  error,
  errorId,
  children,
}: {
  legend: ReactNode;
  hint?: ReactNode;
  /** The hint's id (the fieldset is described by it). */
  hintId?: string;
  error?: string | null;
  errorId?: string;
  children: ReactNode;
}) {
  const ids = [hint && hintId ? hintId : '', error && errorId ? errorId : ''].filter(Boolean).join(' ');
  return (
    <fieldset className="fieldset" aria-describedby={ids || undefined}>
      <legend className="legend">{legend}</legend>
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && errorId && <ErrorMessage id={errorId} error={error} />}
      {children}
    </fieldset>
  );
}

export interface RadioItem {
  value: string;
  label: ReactNode;
  /** Shown under the item's label, and describes it. */
  hint?: ReactNode;
}

/**
 * GOV.UK "Radios": each item's input is `<idPrefix>-<value>` (idPrefix defaults to the name),
 * its hint `<that id>-hint`; the fieldset's hint is `<name>-hint`, its error `<name>-error`.
 */
export function Radios({
  name,
  idPrefix = name,
  legend,
  hint,
  error,
  items,
  value,
  onChange,
}: {
  name: string;
  idPrefix?: string;
  legend: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  items: readonly RadioItem[];
  value: string | null;
  onChange: (value: string) => void;
}) {
  return (
    <Fieldset legend={legend} hint={hint} hintId={`${name}-hint`} error={error} errorId={`${name}-error`}>
      <div className="radios">
        {items.map((item) => {
          const id = `${idPrefix}-${item.value}`;
          return (
            <div className="radio" key={item.value}>
              <input
                type="radio"
                id={id}
                name={name}
                value={item.value}
                checked={value === item.value}
                aria-describedby={item.hint ? `${id}-hint` : undefined}
                onChange={() => onChange(item.value)}
              />
              <label htmlFor={id}>{item.label}</label>
              {item.hint && (
                <p className="hint radio-hint" id={`${id}-hint`}>
                  {item.hint}
                </p>
              )}
            </div>
          );
        })}
      </div>
    </Fieldset>
  );
}

/** GOV.UK "Checkboxes" with one item: a yes/no the user ticks. */
export function Checkbox({
  id,
  label,
  checked,
  onChange,
}: {
  id: string;
  label: ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="checkbox">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}
