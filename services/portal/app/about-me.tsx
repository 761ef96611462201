import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { gql, type TypedDocument } from './api.ts';
import { ErrorSummary, Textarea } from './fields.tsx';
import type {
  AboutMeInput,
  AboutMeQuery,
  AboutMeQueryVariables,
  SaveAboutMeMutation,
  SaveAboutMeMutationVariables,
} from './generated/graphql.ts';
import { formatLondonDateTime } from './text.ts';
import { useDraft } from './ui.tsx';

/**
 * "Tell it once": the family writes about the child (or the young person about themself) here,
 * once, and every organisation working with the child sees it in the shared record.
 * Saves a new version (updateFamilyInformation); contact preferences and key history are in
 * the API but not yet on this form.
 */
const FIELDS = [
  {
    key: 'whatMattersToMe',
    label: 'What matters most',
    hint: 'For example, friends, hobbies, routines, or what you hope for in the future.',
  },
  {
    key: 'whatHelps',
    label: 'What helps',
    hint: 'What works well at home, at school or at appointments, and what does not.',
  },
  {
    key: 'communicationNeeds',
    label: 'How to communicate',
    hint: 'For example, signing, pictures, extra time to answer, or a quiet room.',
  },
] as const;
type Key = (typeof FIELDS)[number]['key'];
type AboutMe = Record<Key, string>;

const LOAD: TypedDocument<AboutMeQuery, AboutMeQueryVariables> = /* GraphQL */ `
  query AboutMe($id: ID!) { child(id: $id) { familyInformation { version updatedAt aboutMe { whatMattersToMe whatHelps communicationNeeds } } } }
`;
const SAVE: TypedDocument<SaveAboutMeMutation, SaveAboutMeMutationVariables> = /* GraphQL */ `
  mutation SaveAboutMe($childId: ID!, $expectedVersion: Int!, $input: FamilyInformationInput!) {
    updateFamilyInformation(childId: $childId, expectedVersion: $expectedVersion, input: $input) { version updatedAt }
  }
`;
const EMPTY: AboutMe = { whatMattersToMe: '', whatHelps: '', communicationNeeds: '' };

export function AboutMeForm({
  childId,
  name,
  self,
  onSaved,
}: {
  childId: string;
  name: string;
  self: boolean;
  /** After a save: the page shows the record as partners now see it. */
  onSaved: () => void;
}) {
  // What the family types is kept (sessionStorage) until saved: a reload, a failed save or an
  // ended sign-in does not lose it.
  const draft = useDraft<AboutMe>(`about-me.${childId}`, EMPTY);
  const { values, set: setValues, replace: showSaved } = draft;
  const [keptDraft, setKeptDraft] = useState(draft.restored);
  // The version the next save builds on. A ref: a save pressed before the first load has
  // finished waits for it (`loading`) and then reads the loaded version, not a stale 0.
  const version = useRef(0);
  const loading = useRef<Promise<void> | null>(null);
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  // The form appears once what the family wrote before has loaded: typing earlier would be
  // overwritten by the load (and an empty save refused).
  const [loaded, setLoaded] = useState(false);

  // Typed but not saved (this visit or kept from an earlier one): a load must not overwrite it.
  const unsaved = useRef(draft.restored);
  const load = useCallback(async () => {
    const r = await gql(LOAD, { id: childId });
    const info = r.data?.child?.familyInformation;
    if (!r.data) return;
    version.current = info?.version ?? 0;
    setUpdatedAt(info?.updatedAt ?? null);
    setLoaded(true);
    if (unsaved.current) return;
    showSaved({
      whatMattersToMe: info?.aboutMe.whatMattersToMe ?? '',
      whatHelps: info?.aboutMe.whatHelps ?? '',
      communicationNeeds: info?.aboutMe.communicationNeeds ?? '',
    });
  }, [childId, showSaved]);
  useEffect(() => {
    loading.current = load();
  }, [load]);

  // One save at a time: a double click must not send the same version twice (the second would
  // meet its own first as "someone else saved a change").
  const saving = useRef(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (saving.current) return;
    saving.current = true;
    try {
      await saveOnce();
    } finally {
      saving.current = false;
    }
  };
  const saveOnce = async () => {
    setErrors([]);
    setStatus('');
    await loading.current;
    // Empty boxes are saved as "not given" rather than as empty text.
    const aboutMe: AboutMeInput = Object.fromEntries(
      FIELDS.map((f) => [f.key, values[f.key].trim() || null]),
    );
    const r = await gql(SAVE, {
      childId,
      expectedVersion: version.current,
      input: { aboutMe },
    });
    if (r.errors.length) {
      const conflict = r.errors.some((x) => x.extensions?.code === 'CONFLICT');
      if (conflict) {
        unsaved.current = false;
        await load();
      }
      return setErrors(
        conflict
          ? [
              'Someone else in your family saved a change while you were writing. We have loaded it: check it and save again.',
            ]
          : r.errors.map((x) => x.message),
      );
    }
    draft.clear();
    unsaved.current = false;
    setKeptDraft(false);
    version.current = r.data?.updateFamilyInformation.version ?? version.current;
    setUpdatedAt(r.data?.updateFamilyInformation.updatedAt ?? null);
    setStatus(
      `Saved. Everyone working with ${self ? 'you' : name} can now see this, so you do not have to say it again.`,
    );
    onSaved();
  };

  return (
    <section aria-labelledby="about-me-heading" className="section" data-section="about-me">
      <h2 id="about-me-heading">{self ? 'About you' : `About ${name}`}</h2>
      <p>
        Tell us once. The school, the NHS, children’s social care and the council SEND team see what you write
        here, so you do not have to repeat it to each of them.
        {updatedAt ? ` Last saved ${formatLondonDateTime(updatedAt)}.` : ''}
      </p>
      {keptDraft && (
        <div className="inset" data-testid="kept-draft">
          <p>You have changes that are not saved yet. They are shown below: check them and select Save.</p>
        </div>
      )}
      <ErrorSummary messages={errors} />
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      {!loaded && <p>Loading what you wrote before…</p>}
      <form onSubmit={save} noValidate hidden={!loaded}>
        {FIELDS.map((f) => (
          <Textarea
            key={f.key}
            id={`about-${f.key}`}
            label={f.label}
            hint={f.hint}
            rows={3}
            maxLength={2000}
            value={values[f.key]}
            onChange={(value) => {
              unsaved.current = true;
              setValues({ ...values, [f.key]: value });
            }}
          />
        ))}
        <button type="submit" className="button">
          Save
        </button>
      </form>
    </section>
  );
}
