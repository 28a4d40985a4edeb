/** The dashboard shell: sign-in, navigation between pages (History API under /dashboard/), sign-out. */
import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { api, ApiError, setCsrf, type Session } from './api';
import { Budgets } from './pages/budgets';
import { Keys } from './pages/keys';
import { Models } from './pages/models';
import { Overview } from './pages/overview';
import { Runs } from './pages/runs';
import { Teams } from './pages/teams';
import { WastePage } from './pages/waste';
import './style.css';

const PAGES = [
  ['overview', 'Overview'],
  ['budgets', 'Budgets'],
  ['runs', 'Runs'],
  ['teams', 'Teams & projects'],
  ['waste', 'Waste & savings'],
  ['keys', 'Keys'],
  ['models', 'Models & routes'],
] as const;
type PageId = (typeof PAGES)[number][0];

function pageFromPath(): PageId {
  const seg = location.pathname.replace(/^\/dashboard\/?/, '').split('/')[0] ?? '';
  return (PAGES.find(([id]) => id === seg)?.[0] ?? 'overview') as PageId;
}

function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      onSignedIn(await api<Session>('/dashboard/api/session', { method: 'POST', body: { key } }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} data-testid="signin">
        <h1>Tollgate</h1>
        <p>Sign in with the admin key, or with one of your team's Tollgate keys for a read-only view of your team.</p>
        <input name="key" type="password" autoComplete="off" placeholder="tg_… or the admin key" value={key} onChange={(e) => setKey(e.target.value)} required autoFocus />
        <button type="submit">Sign in</button>
        {error ? <div className="error" role="alert">{error}</div> : null}
      </form>
    </main>
  );
}

function App() {
  const [session, setSession] = useState<Session | null | 'checking'>('checking');
  const [page, setPage] = useState<PageId>(pageFromPath());
  const [now] = useState(() => Date.now());
  useEffect(() => {
    api<Session>('/dashboard/api/session').then(
      (s) => {
        setCsrf(s.csrf);
        setSession(s);
      },
      () => setSession(null),
    );
    const onPop = () => setPage(pageFromPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  if (session === 'checking') return null;
  if (session === null) {
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrf(s.csrf);
          setSession(s);
        }}
      />
    );
  }
  const go = (id: PageId) => {
    history.pushState(null, '', `/dashboard/${id}`);
    setPage(id);
  };
  const signOut = async () => {
    await api('/dashboard/api/session', { method: 'DELETE' }).catch(() => undefined);
    setSession(null);
  };
  return (
    <div className="shell">
      <nav>
        <div className="brand">Tollgate</div>
        {PAGES.map(([id, label]) => (
          <a key={id} href={`/dashboard/${id}`} className={id === page ? 'active' : ''} onClick={(e) => { e.preventDefault(); go(id); }}>
            {label}
          </a>
        ))}
        <div className="who" data-testid="who">
          {session.role === 'admin' ? 'admin' : `team ${session.team} (read-only)`}
          <button className="link" onClick={() => void signOut()}>Sign out</button>
        </div>
      </nav>
      <main>
        {page === 'overview' ? <Overview now={now} /> : null}
        {page === 'budgets' ? <Budgets session={session} /> : null}
        {page === 'runs' ? <Runs session={session} /> : null}
        {page === 'teams' ? <Teams now={now} /> : null}
        {page === 'waste' ? <WastePage /> : null}
        {page === 'keys' ? <Keys session={session} /> : null}
        {page === 'models' ? <Models /> : null}
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
