import { StrictMode, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import {
  clearDrafts,
  clearSession,
  getSession,
  onServiceProblem,
  rememberReturnTo,
  SESSION_EVENT,
} from './api.ts';
import { AuditScreen } from './auditor.tsx';
import { BreakGlassScreen } from './break-glass.tsx';
import { SearchScreen } from './child-search.tsx';
import { SharingJourney } from './consent-journey.tsx';
import { DashboardScreen } from './dashboard.tsx';
import { FamilyChildScreen, FamilyHomeScreen } from './family.tsx';
import { FamilyDetailsScreen } from './family-details.tsx';
import { AssessmentsScreen } from './health-advice.tsx';
import { homeFor, NAV } from './nav.ts';
import { signOutEverywhere } from './oidc.ts';
import { ChildScreen } from './partner.tsx';
import { reflowTables } from './reflow.ts';
import { SignInScreen } from './sign-in.tsx';
import { ROLE_LABELS } from './text.ts';
import { LoadFailed } from './ui.tsx';
import './styles.css';

/**
 * Hash routes keep the back button working without any server-side routing, and keep child ids
 * out of server logs and Referer headers (the fragment is never sent). A bookmarked or pasted
 * path such as /child/<id> (the gateway serves the portal for any page path) becomes #/child/<id>.
 */
if (window.location.pathname !== '/' && !window.location.hash) {
  window.history.replaceState(null, '', `/#${window.location.pathname}${window.location.search}`);
}

/** The route is the address after "#", read from the address itself (an external store). */
const readRoute = () => window.location.hash.slice(1) || '/';
const onAddressChange = (changed: () => void) => {
  window.addEventListener('hashchange', changed);
  return () => window.removeEventListener('hashchange', changed);
};

function useRoute(): string {
  // useSyncExternalStore reads the address again once it listens, so a change made while the
  // portal first draws (the way home from "/", below) is not missed.
  const route = useSyncExternalStore(onAddressChange, readRoute);
  // A sign-in that returns to the page already in the address changes no route: redraw anyway.
  const [, setSessions] = useState(0);
  useEffect(() => {
    const onSession = () => setSessions((n) => n + 1);
    window.addEventListener(SESSION_EVENT, onSession);
    return () => window.removeEventListener(SESSION_EVENT, onSession);
  }, []);
  return route;
}

/**
 * "/" or an unknown page: go to the user's home page. The address is replaced, not pushed, so
 * Back from the home page leaves the portal instead of landing here and being sent home again.
 */
function GoHome({ to }: { to: string }) {
  useEffect(() => window.location.replace(to), [to]);
  return null;
}

function Screen({ route }: { route: string }) {
  const session = getSession();
  if (!session) {
    // A link opened in a new tab, or a bookmark: after signing in, go there.
    rememberReturnTo(route);
    return <SignInScreen />;
  }
  const role = session.user.role;
  // A screen may keep its state in the address after "?" (the auditor's filters).
  const [, page, id] = (route.split('?')[0] ?? '').split('/');
  switch (page) {
    case 'search':
      return <SearchScreen user={session.user} />;
    case 'child':
      return <ChildScreen user={session.user} childId={id ?? ''} />;
    case 'break-glass':
      return <BreakGlassScreen user={session.user} childId={id ?? ''} />;
    case 'family':
      // #/family/<id>/sharing/…: the sharing choices journey (consent-journey.tsx).
      if (id && route.split('/')[3] === 'sharing')
        return <SharingJourney user={session.user} childId={id} step={route.split('/').slice(4)} />;
      return id ? (
        <FamilyChildScreen user={session.user} childId={id} />
      ) : (
        <FamilyHomeScreen user={session.user} />
      );
    case 'family-details':
      return <FamilyDetailsScreen user={session.user} childId={id ?? ''} />;
    case 'audit':
      return <AuditScreen />;
    case 'dashboard':
      return <DashboardScreen />;
    case 'assessments':
      return <AssessmentsScreen user={session.user} />;
    default:
      return <GoHome to={homeFor(role)} />;
  }
}

function App() {
  const route = useRoute();
  const session = getSession();
  // Move focus to the new page's heading so screen reader and keyboard users know the page changed.
  // Not on the first load: there the browser's own start (skip link first) is what users expect.
  const shownRoute = useRef(route);
  useEffect(() => {
    if (shownRoute.current === route) return;
    shownRoute.current = route;
    const t = window.setTimeout(() => document.querySelector<HTMLElement>('main h1')?.focus(), 0);
    return () => window.clearTimeout(t);
  }, [route]);

  // A read that failed because of the service: one message at the top of the page, and "Try
  // again" draws the screen afresh (every part of it loads again).
  const [problem, setProblem] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => onServiceProblem(setProblem), []);
  useEffect(() => reflowTables(document.getElementById('main-content') as HTMLElement), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: route is the trigger (a new page starts clean).
  useEffect(() => setProblem(null), [route]);

  const signOut = async () => {
    // An OpenID Connect sign-in also ends at the provider (RP-initiated logout), which sends
    // the browser back here signed out.
    const providerLogout = await signOutEverywhere();
    clearDrafts();
    clearSession();
    if (providerLogout) return window.location.assign(providerLogout);
    window.location.hash = '#/';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  };

  return (
    <>
      {/* biome-ignore lint/a11y/useValidAnchor: with hash routes the browser's own jump would change the page, so focus is moved by hand. */}
      <a
        className="skip-link"
        href="#main-content"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main-content')?.focus();
        }}
      >
        Skip to main content
      </a>
      <header className="header">
        <div className="width">
          <span className="service-name">Tell it once</span>
          <span className="service-strap">
            Sharing information about children with SEND (special educational needs and disabilities)
          </span>
        </div>
      </header>
      {session && (
        <nav className="nav" aria-label="Main">
          <div className="width nav-inner">
            <ul>
              {(NAV[session.user.role] ?? []).map((item) => (
                <li key={item.href}>
                  <a
                    href={item.href}
                    aria-current={route.startsWith(item.href.slice(1)) ? 'page' : undefined}
                  >
                    {item.label}
                  </a>
                </li>
              ))}
            </ul>
            <p className="signed-in">
              Signed in as <strong>{session.user.name}</strong>
              <span className="hint-inline"> – {ROLE_LABELS[session.user.role] ?? session.user.role}</span>{' '}
              <button type="button" className="link-button" onClick={signOut}>
                Sign out
              </button>
            </p>
          </div>
        </nav>
      )}
      <main id="main-content" className="width main" tabIndex={-1}>
        {problem && (
          <LoadFailed
            message={problem}
            onRetry={() => {
              setProblem(null);
              setAttempt((n) => n + 1);
            }}
          />
        )}
        <Screen key={attempt} route={route} />
      </main>
      <footer className="footer">
        <div className="width">
          <p>All data in this service is synthetic. Every look at a child's record is recorded.</p>
        </div>
      </footer>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
