import { ROLES } from '@hub/policy/vocabulary';
import { type FormEvent, useEffect, useState } from 'react';
import { type SessionUser, saveSession, takeReturnTo, takeSessionEnded } from './api.ts';
import { type ErrorItem, ErrorSummary, Select } from './fields.tsx';
import { homeFor } from './nav.ts';
import {
  completeSignIn,
  isSignInCallback,
  type OidcProvider,
  SignInRefused,
  signInOptions,
  startSignIn,
} from './oidc.ts';
import { ROLE_LABELS } from './text.ts';
import { PageHeading } from './ui.tsx';

interface DemoUserOption {
  sub: string;
  name: string;
  role: string;
  orgId: string;
}

const ROLE_ORDER: readonly string[] = ROLES;

/** Shows the signed-in home page (or the page the sign-in started from). */
function goTo(hash: string) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = hash;
}

/**
 * Sign-in: first through the OpenID Connect providers the hub is configured with (oidc.ts,
 * docs/sign-in.md); below them, on a hub started with the demo identity provider only, the
 * DEMO sign-in that picks a synthetic user.
 */
export function SignInScreen() {
  const [providers, setProviders] = useState<OidcProvider[] | null>(null);
  const [demo, setDemo] = useState(false);
  const [callback] = useState(isSignInCallback);
  const [finishing, setFinishing] = useState(callback);
  const [errors, setErrors] = useState<string[]>([]);

  useEffect(() => {
    signInOptions()
      .then((o) => {
        setProviders(o.providers);
        setDemo(o.demo);
      })
      .catch(() => setErrors(['Sign-in is not available at the moment. Try again later.']));
  }, []);

  useEffect(() => {
    if (!callback) return;
    completeSignIn()
      .then(({ user, returnTo }) => goTo(returnTo && returnTo !== '#/' ? returnTo : homeFor(user.role)))
      .catch((error: unknown) => {
        setFinishing(false);
        setErrors([
          error instanceof SignInRefused
            ? `You signed in, but this service cannot let you in: ${error.message}`
            : 'Sign-in did not finish. Try again.',
        ]);
      });
  }, [callback]);

  if (finishing) {
    return (
      <>
        <PageHeading>Signing you in</PageHeading>
        <p role="status">Checking your sign-in…</p>
      </>
    );
  }
  return (
    <>
      <PageHeading>Sign in</PageHeading>
      <ErrorSummary messages={errors} />
      {(providers ?? []).map((p) => (
        <p key={p.id}>
          <button
            type="button"
            className="button"
            onClick={() =>
              startSignIn(p).catch(() =>
                setErrors([`${p.name} cannot be reached at the moment. Try again later.`]),
              )
            }
          >
            Sign in with {p.name}
          </button>
        </p>
      ))}
      {demo && <DemoSignIn heading={(providers ?? []).length > 0} />}
      {providers?.length === 0 && !demo && (
        <p>No sign-in service is set up on this hub yet. Contact the team that runs it.</p>
      )}
    </>
  );
}

/** The DEMO identity provider's sign-in: pick a synthetic user (never in production). */
function DemoSignIn({ heading }: { heading: boolean }) {
  const [users, setUsers] = useState<DemoUserOption[] | null>(null);
  const [sub, setSub] = useState('');
  const [errors, setErrors] = useState<ErrorItem[]>([]);
  const [ended] = useState(takeSessionEnded);

  useEffect(() => {
    fetch('/demo-idp/users')
      .then((r) =>
        r.ok
          ? (r.json() as Promise<{ users: DemoUserOption[] }>)
          : Promise.reject(new Error(String(r.status))),
      )
      .then((body) => setUsers(body.users))
      .catch(() =>
        setErrors([
          { text: 'The demo sign-in is not available on this hub. A real sign-in service must be set up.' },
        ]),
      );
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!sub) {
      // The error summary takes focus and links to the list (GOV.UK error summary pattern).
      setErrors([{ text: 'Select who you want to sign in as', field: 'user' }]);
      return;
    }
    const response = await fetch('/demo-idp/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub }),
    }).catch(() => null);
    if (!response?.ok) {
      setErrors([{ text: 'Sign-in failed. Check your internet connection and try again.' }]);
      return;
    }
    const body = (await response.json()) as { token: string; user: SessionUser };
    saveSession(body.token, body.user);
    // Back to the page the user was on when their sign-in ended, or the link they opened.
    window.location.hash = takeReturnTo(body.user.sub) ?? homeFor(body.user.role);
  };

  const groups = ROLE_ORDER.map((role) => ({
    role,
    users: (users ?? []).filter((u) => u.role === role),
  })).filter((g) => g.users.length > 0);

  return (
    <>
      {heading && <h2>Or use the demo sign-in</h2>}
      <div className="warning" role="note">
        <strong>This is a demo sign-in.</strong> It lets you act as made-up users to try the service. No
        passwords are checked. A real service would send you to your organisation's own sign-in (an OpenID
        Connect provider) instead.
      </div>
      {ended && (
        <div className="notification" role="status" data-testid="session-ended">
          <p>
            <strong>Your sign-in has ended.</strong> Sign in again to carry on. Anything you typed and had not
            saved has been kept, and you will go back to the page you were on.
          </p>
        </div>
      )}
      <ErrorSummary messages={errors} />
      <form onSubmit={submit} noValidate>
        <Select
          id="user"
          label="Who do you want to sign in as?"
          hint="Each user has a different role. What you can see depends on your role, your organisation and what families have agreed to share."
          error={errors.find((e) => e.field === 'user')?.text}
          value={sub}
          onChange={setSub}
        >
          <option value="">Select a demo user</option>
          {groups.map((g) => (
            <optgroup key={g.role} label={ROLE_LABELS[g.role] ?? g.role}>
              {g.users.map((u) => (
                <option key={u.sub} value={u.sub}>
                  {u.name} ({u.sub})
                </option>
              ))}
            </optgroup>
          ))}
        </Select>
        <button type="submit" className="button">
          Sign in
        </button>
      </form>
    </>
  );
}
