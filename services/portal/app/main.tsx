import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { clearSession, getSession, resetCapabilities } from './api.ts';
import { AuditScreen } from './auditor.tsx';
import { BreakGlassScreen } from './break-glass.tsx';
import { SharingJourney } from './consent-journey.tsx';
import { DashboardScreen } from './dashboard.tsx';
import { FamilyChildScreen, FamilyHomeScreen } from './family.tsx';
import { FamilyDetailsScreen } from './family-details.tsx';
import { AssessmentsScreen } from './health-advice.tsx';
import { homeFor, NAV } from './nav.ts';
import { signOutEverywhere } from './oidc.ts';
import { ChildScreen, SearchScreen } from './partner.tsx';
import { SignInScreen } from './sign-in.tsx';
import { ROLE_LABELS } from './text.ts';
import './styles.css';

/** Hash routes keep the back button working without any server-side routing. */
function useRoute(): string {
  const [route, setRoute] = useState(window.location.hash.slice(1) || '/');
  useEffect(() => {
    const onChange = () => setRoute(window.location.hash.slice(1) || '/');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Screen({ route }: { route: string }) {
  const session = getSession();
  if (!session) return <SignInScreen />;
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
      window.location.hash = homeFor(role);
      return null;
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

  const signOut = async () => {
    // An OpenID Connect sign-in also ends at the provider (RP-initiated logout), which sends
    // the browser back here signed out.
    const providerLogout = await signOutEverywhere();
    clearSession();
    resetCapabilities();
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
        <Screen route={route} />
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
