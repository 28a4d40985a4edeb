/** Keys: create (the key is shown once, with a copy button) and revoke. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, useApi, when, type Session } from '../api';
import { Card, Empty, Loaded, Page, Table } from '../ui';

interface Key {
  id: string;
  name: string | null;
  team: string;
  user: string | null;
  project: string | null;
  models: string[] | null;
  created_at?: string;
  revoked_at?: string | null;
}

function NewKey({ onCreated }: { onCreated: (key: string) => void }) {
  const [team, setTeam] = useState('');
  const [user, setUser] = useState('');
  const [project, setProject] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      const body: Record<string, string> = { team: team.trim() };
      if (user.trim()) body['user'] = user.trim();
      if (project.trim()) body['project'] = project.trim();
      const created = await api<{ key: string }>('/admin/v1/keys', { method: 'POST', body });
      onCreated(created.key);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="key-form">
      <label>Team <input name="team" value={team} onChange={(e) => setTeam(e.target.value)} required placeholder="platform" /></label>
      <label>User <input name="user" value={user} onChange={(e) => setUser(e.target.value)} placeholder="optional" /></label>
      <label>Project <input name="project" value={project} onChange={(e) => setProject(e.target.value)} placeholder="optional" /></label>
      <button type="submit">Create key</button>
      {error ? <div className="error" role="alert">{error}</div> : null}
    </form>
  );
}

export function Keys({ session }: { session: Session }) {
  const [keys, reload] = useApi<{ data: Key[] }>('/admin/v1/keys');
  const [fresh, setFresh] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const admin = session.role === 'admin';
  const revoke = async (k: Key) => {
    if (!confirm(`Revoke key ${k.id} (${k.team})? Calls with it are refused at once.`)) return;
    await api(`/admin/v1/keys/${k.id}`, { method: 'DELETE' });
    reload();
  };
  return (
    <Page title="Keys" ready={keys.state !== 'loading'}>
      {admin ? (
        <Card title="Create a key">
          <NewKey onCreated={(k) => { setFresh(k); setCopied(false); reload(); }} />
          {fresh ? (
            <div className="fresh-key">
              <p>Copy this key now: it is shown only once.</p>
              <code data-testid="new-key">{fresh}</code>{' '}
              <button onClick={() => void navigator.clipboard?.writeText(fresh).then(() => setCopied(true), () => setCopied(false))}>{copied ? 'Copied' : 'Copy'}</button>
            </div>
          ) : null}
        </Card>
      ) : null}
      <Card title="Keys" wide>
        <Loaded load={keys} missing={null}>
          {(d) =>
            d.data.length === 0 ? (
              <Empty title="No keys yet">{admin ? 'Create one above and point a client at the gateway with it.' : 'Ask an admin for a key.'}</Empty>
            ) : (
              <Table
                testId="keys"
                head={['Id', 'Team', 'User', 'Project', 'Created', 'State', '']}
                rows={d.data.map((k) => [
                  <code>{k.id}</code>,
                  k.team,
                  k.user ?? '–',
                  k.project ?? '–',
                  when(k.created_at),
                  k.revoked_at ? <span className="pill terminated">revoked</span> : <span className="pill active">active</span>,
                  admin && !k.revoked_at ? <button className="danger" onClick={() => void revoke(k)}>Revoke</button> : '',
                ])}
              />
            )
          }
        </Loaded>
      </Card>
    </Page>
  );
}
