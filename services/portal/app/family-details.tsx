import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';
import { gql, readErrors, type SessionUser, type TypedDocument } from './api.ts';
import { DateInput, ErrorSummary, Radios, TextInput } from './fields.tsx';
import type {
  FamilyDetailsQuery,
  FamilyDetailsQueryVariables,
  SaveFamilyDetailsMutation,
  SaveFamilyDetailsMutationVariables,
} from './generated/graphql.ts';
import { formatDate } from './text.ts';
import { PageHeading } from './ui.tsx';

/**
 * "Tell it once", part two: how the family wants to be contacted, and their key history (the life
 * events they should not have to tell every new professional: a move, a bereavement, a stay in
 * hospital). Both are saved as a new version of the family information (updateFamilyInformation,
 * with the version the family was looking at, so nobody's change is overwritten) and shown to
 * everyone working with the child.
 */
type Item = NonNullable<Details['familyInformation']>['keyEvents'][number];
type Details = NonNullable<FamilyDetailsQuery['child']>;

const LOAD: TypedDocument<FamilyDetailsQuery, FamilyDetailsQueryVariables> = /* GraphQL */ `
  query FamilyDetails($id: ID!) {
    child(id: $id) { givenName familyName familyInformation { version
      contactPreferences { preferredMethod bestTimeToContact language interpreterNeeded }
      keyEvents { id description date } } }
  }
`;
const SAVE: TypedDocument<SaveFamilyDetailsMutation, SaveFamilyDetailsMutationVariables> = /* GraphQL */ `
  mutation SaveFamilyDetails($childId: ID!, $expectedVersion: Int!, $input: FamilyInformationInput!) {
    updateFamilyInformation(childId: $childId, expectedVersion: $expectedVersion, input: $input) { version }
  }
`;

const YES_NO = [
  { value: 'yes', label: 'Yes' },
  { value: 'no', label: 'No' },
];

const METHODS = [
  { value: 'email', label: 'Email' },
  { value: 'phone', label: 'Phone call' },
  { value: 'text', label: 'Text message' },
  { value: 'letter', label: 'Letter' },
];

export const CONTACT_METHOD_LABEL: Record<string, string> = Object.fromEntries(
  METHODS.map((m) => [m.value, m.label]),
);

/**
 * The family details' data: the child's contact preferences and key history, and saving a new
 * version of them (with the version the family was looking at; one save at a time, so a double
 * click does not send the same version twice). Each save reloads what the hub now holds.
 */
function useFamilyDetails(childId: string) {
  const [details, setDetails] = useState<Details | null>(null);
  const [loadErrors, setLoadErrors] = useState<string[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const saving = useRef(false);

  const load = useCallback(async () => {
    const r = await gql(LOAD, { id: childId });
    setLoadErrors(readErrors(r));
    setDetails(r.data?.child ?? null);
  }, [childId]);
  useEffect(() => {
    void load();
  }, [load]);

  const save = async (input: Record<string, unknown>, done: string): Promise<boolean> => {
    if (saving.current) return false;
    saving.current = true;
    setBusy(true);
    try {
      const r = await gql(SAVE, {
        childId,
        expectedVersion: details?.familyInformation?.version ?? 0,
        input,
      });
      if (r.errors.length > 0) {
        setErrors(r.errors.map((e) => e.message));
        setStatus('');
        return false;
      }
      setErrors([]);
      setStatus(done);
      await load();
      return true;
    } finally {
      saving.current = false;
      setBusy(false);
    }
  };
  return { details, loadErrors, errors, setErrors, status, busy, save };
}

/** The contact form's fields as the hub holds them (empty before anything is loaded or saved). */
function contactFrom(details: Details | null) {
  const cp = details?.familyInformation?.contactPreferences;
  return {
    method: cp?.preferredMethod ?? '',
    bestTime: cp?.bestTimeToContact ?? '',
    language: cp?.language ?? '',
    interpreter: cp?.interpreterNeeded == null ? '' : cp.interpreterNeeded ? 'yes' : 'no',
  };
}

export function FamilyDetailsScreen({ user, childId }: { user: SessionUser; childId: string }) {
  const { details, loadErrors, errors, setErrors, status, busy, save } = useFamilyDetails(childId);
  const [contact, setContact] = useState(contactFrom(null));
  const [event, setEvent] = useState({ description: '', date: '' });
  // What the hub holds, each time it is loaded (first, and after each save), set while rendering
  // rather than in an effect: an effect runs after the page is drawn, so for one frame the key
  // history showed what was saved beside a contact form still empty (a browser test read it so).
  const [contactOf, setContactOf] = useState<Details | null>(null);
  if (details !== contactOf) {
    setContactOf(details);
    setContact(contactFrom(details));
  }

  const saveContact = (e: FormEvent) => {
    e.preventDefault();
    void save(
      {
        contactPreferences: {
          preferredMethod: contact.method || null,
          bestTimeToContact: contact.bestTime,
          language: contact.language,
          interpreterNeeded: contact.interpreter === '' ? null : contact.interpreter === 'yes',
        },
      },
      'Saved. Everyone working with the child will contact you this way.',
    );
  };

  const events = details?.familyInformation?.keyEvents ?? [];
  const asInput = (list: Item[]) => list.map((i) => ({ id: i.id, description: i.description, date: i.date }));

  const addEvent = async (e: FormEvent) => {
    e.preventDefault();
    if (event.description.trim() === '') {
      setErrors(['Enter what happened']);
      return;
    }
    const added = await save(
      { keyEvents: [...asInput(events), { description: event.description, date: event.date || null }] },
      'Added to your key history. Everyone working with the child can see it.',
    );
    if (added) setEvent({ description: '', date: '' });
  };

  const removeEvent = (id: string) =>
    void save({ keyEvents: asInput(events.filter((i) => i.id !== id)) }, 'Removed from your key history.');

  const name = details ? [details.givenName, details.familyName].filter(Boolean).join(' ') : '';
  const self = user.role === 'young_person';
  return (
    <>
      <p>
        <a href={`#/family/${childId}`} className="back-link">
          Back to {self ? 'your record' : 'the record'}
        </a>
      </p>
      <PageHeading caption={name || undefined}>Contact preferences and key history</PageHeading>
      <ErrorSummary messages={[...loadErrors, ...errors]} />
      <div role="status" className={status ? 'notification' : 'visually-hidden'}>
        {status}
      </div>
      {details && (
        <>
          <p className="lead">
            Tell us once. Everyone working with {self ? 'you' : 'your child'} – the school, the NHS, social
            care and the council – sees this, so you do not have to repeat it.
          </p>

          <section aria-labelledby="contact-heading" className="section" data-section="contact-preferences">
            <h2 id="contact-heading">How you want to be contacted</h2>
            <form onSubmit={saveContact} noValidate>
              <Radios
                name="contact-method"
                idPrefix="contact"
                legend="How should people contact you?"
                items={METHODS}
                value={contact.method}
                onChange={(method) => setContact({ ...contact, method })}
              />
              <TextInput
                id="contact-best-time"
                label="Best time to contact you (optional)"
                hint="For example, weekday mornings, or after 3pm."
                maxLength={200}
                value={contact.bestTime}
                onChange={(bestTime) => setContact({ ...contact, bestTime })}
              />
              <TextInput
                id="contact-language"
                label="Language you prefer (optional)"
                maxLength={200}
                value={contact.language}
                onChange={(language) => setContact({ ...contact, language })}
              />
              <Radios
                name="interpreter"
                legend="Do you need an interpreter?"
                items={YES_NO}
                value={contact.interpreter}
                onChange={(interpreter) => setContact({ ...contact, interpreter })}
              />
              <button type="submit" className="button" aria-disabled={busy || undefined}>
                Save contact preferences
              </button>
            </form>
          </section>

          <section aria-labelledby="key-history-heading" className="section" data-section="key-history">
            <h2 id="key-history-heading">Key history</h2>
            <p>
              Important things that have happened, so nobody has to ask again: for example a move, a
              bereavement, a stay in hospital or a change of school or carer.
            </p>
            {events.length === 0 ? (
              <p>You have not added anything yet.</p>
            ) : (
              <dl className="summary-list" data-testid="key-events">
                {events.map((i) => (
                  <div className="summary-row" key={i.id}>
                    <dt>{i.date ? formatDate(i.date) : 'Date not given'}</dt>
                    <dd>
                      {i.description}{' '}
                      <button
                        type="button"
                        className="link-button"
                        aria-disabled={busy || undefined}
                        onClick={() => removeEvent(i.id)}
                      >
                        Remove<span className="visually-hidden"> “{i.description}”</span>
                      </button>
                    </dd>
                  </div>
                ))}
              </dl>
            )}
            <form onSubmit={(e) => void addEvent(e)} noValidate>
              <h3>Add something that happened</h3>
              <TextInput
                id="event-description"
                label="What happened"
                maxLength={300}
                value={event.description}
                onChange={(description) => setEvent({ ...event, description })}
              />
              <DateInput
                id="event-date"
                label="When (optional)"
                value={event.date}
                onChange={(date) => setEvent({ ...event, date })}
              />
              <button type="submit" className="button button-secondary" aria-disabled={busy || undefined}>
                Add to key history
              </button>
            </form>
          </section>
        </>
      )}
    </>
  );
}
