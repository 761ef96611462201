import { type FormEvent, useState } from 'react';
import { type Advice, type AdviceKind, type Draft, fieldsOf } from './advice-kinds.ts';
import { gql } from './api.ts';
import { Textarea } from './fields.tsx';
import { formatDateTime } from './text.ts';
import { useDraft } from './ui.tsx';

/** The advice form: three sections, "Save as draft" (only the organisation sees it) and "Send advice to the council". */
export function AdviceForm({
  kind,
  childId,
  draft,
  onErrors,
  onStatus,
  onSent,
  onSaved,
  onChange,
}: {
  kind: AdviceKind;
  childId: string;
  draft: Advice | undefined;
  onErrors: (messages: string[]) => void;
  onStatus: (message: string) => void;
  onSent: (id: string) => void;
  /** The draft this form saved into (created here, or the organisation's one it found). */
  onSaved: (id: string) => void;
  onChange: () => void;
}) {
  // What the practitioner types is kept (sessionStorage, per user and child) until it is saved:
  // a reload, a failed save or an ended sign-in loses nothing, and signing in again brings it
  // back here. It is saved into the organisation's one draft (no second draft is started).
  const kept = useDraft<Draft>(`${kind.slug}-advice.${childId}`, {
    needs: draft?.needs ?? '',
    outcomesSought: draft?.outcomesSought ?? '',
    provisionRecommended: draft?.provisionRecommended ?? '',
  });
  const { values, set: setValues } = kept;
  const [keptShown, setKeptShown] = useState(kept.restored);
  // Kept here too: the draft just created is ours to edit even before the record reloads.
  const [draftId, setDraftId] = useState<string | undefined>(draft?.id);
  const [busy, setBusy] = useState(false);

  const update = (id: string) =>
    gql(
      `mutation Update($id: ID!, $input: ${kind.type}Input!) { update${kind.type}Draft(id: $id, input: $input) { id } }`,
      { id, input: values },
    );

  const save = async (): Promise<string | null> => {
    let id = draftId;
    let r = id
      ? await update(id)
      : await gql(
          `mutation Create($childId: ID!, $input: ${kind.type}Input!) { create${kind.type}Draft(childId: $childId, input: $input) { id } }`,
          { childId, input: values },
        );
    // Another tab or a colleague started the organisation's draft meanwhile: this is the text
    // the practitioner means to save, so it goes into that draft (the one draft per assessment).
    const existing = r.errors.find((e) => e.extensions?.code === 'CONFLICT')?.extensions?.adviceId;
    if (!id && typeof existing === 'string' && /draft/.test(r.errors[0]?.message ?? '')) {
      id = existing;
      r = await update(id);
    }
    if (r.errors.length) {
      onErrors(r.errors.map((e) => e.message));
      return null;
    }
    onErrors([]);
    kept.clear();
    setKeptShown(false);
    const saved =
      id ??
      (r.data as Record<string, { id: string } | undefined> | null)?.[`create${kind.type}Draft`]?.id ??
      null;
    if (saved) {
      setDraftId(saved);
      onSaved(saved);
    }
    return saved;
  };

  const saveDraft = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try {
      if (await save()) {
        onStatus('Your draft has been saved. Only your organisation can see it.');
        onChange();
      }
    } finally {
      setBusy(false);
    }
  };

  const submit = async () => {
    if (busy) return;
    const missing = fieldsOf(kind)
      .filter((f) => values[f.key].trim() === '')
      .map((f) => `Enter ${f.label.toLowerCase()}`);
    if (missing.length) return onErrors(missing);
    setBusy(true);
    try {
      const id = await save();
      if (!id) return;
      const r = await gql(`mutation Submit($id: ID!) { submit${kind.type}(id: $id) { id status } }`, {
        id,
      });
      if (r.errors.length) return onErrors(r.errors.map((x) => x.message));
      onStatus(`Your ${kind.noun} has been sent to the council. It can no longer be changed.`);
      // Sent advice never changes: the form goes; a correction starts a new version later.
      onSent(id);
      onChange();
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={saveDraft} noValidate>
      {keptShown && (
        <div className="inset" data-testid="kept-draft">
          <p>
            You have changes that are not saved yet. They are shown below: check them, then save or send them.
          </p>
        </div>
      )}
      {draft && (
        <p data-testid="advice-draft-saved">
          Editing your organisation’s draft, last saved {formatDateTime(draft.updatedAt)}
          {draft.authorName ? ` by ${draft.authorName}` : ''}.
        </p>
      )}
      {fieldsOf(kind).map((f) => (
        <Textarea
          key={f.key}
          id={`advice-${f.key}`}
          label={f.label}
          hint={f.hint}
          rows={4}
          value={values[f.key]}
          onChange={(value) => setValues({ ...values, [f.key]: value })}
        />
      ))}
      <div className="button-group">
        <button type="submit" className="button button-secondary" aria-disabled={busy || undefined}>
          Save as draft
        </button>
        <button
          type="button"
          className="button"
          aria-disabled={busy || undefined}
          onClick={() => void submit()}
        >
          Send advice to the council
        </button>
      </div>
    </form>
  );
}
