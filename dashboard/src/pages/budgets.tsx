/** Budgets: utilisation, reserved, reset time, forecast and pacing; create, edit and delete for admins. */
import { useState, type FormEvent } from 'react';
import { api, ApiError, day, pct, useApi, usd, when, type Session } from '../api';
import type { Budget, Forecast } from '../types';
import { Bar, Card, Empty, Loaded, Page, Table } from '../ui';

function BudgetForm({ initial, onDone }: { initial: Budget | null; onDone: () => void }) {
  const [scope, setScope] = useState(initial?.scope ?? 'team:');
  const [limit, setLimit] = useState(String(initial?.limit_usd ?? ''));
  const [period, setPeriod] = useState(initial?.period ?? 'month');
  const [alerts, setAlerts] = useState((initial?.alert_at ?? [50, 80, 100]).join(', '));
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError('');
    try {
      const alertAt = alerts.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
      await api('/admin/v1/budgets', { method: 'POST', body: { scope: scope.trim(), limit_usd: Number(limit), period, alert_at: alertAt, clamp: initial?.clamp ?? false } });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="budget-form">
      <label>
        Scope <input value={scope} onChange={(e) => setScope(e.target.value)} placeholder="org, team:platform, key:*" disabled={initial !== null} required />
      </label>
      <label>
        Limit (USD) <input type="number" min="0" step="0.01" value={limit} onChange={(e) => setLimit(e.target.value)} required />
      </label>
      <label>
        Period
        <select value={period} onChange={(e) => setPeriod(e.target.value)} disabled={initial !== null}>
          {['day', 'week', 'month', 'year', 'none'].map((p) => <option key={p}>{p}</option>)}
        </select>
      </label>
      <label>
        Alert at % <input value={alerts} onChange={(e) => setAlerts(e.target.value)} />
      </label>
      <button type="submit">{initial ? 'Save' : 'Create budget'}</button>
      {error ? <div className="error" role="alert">{error}</div> : null}
    </form>
  );
}

export function Budgets({ session }: { session: Session }) {
  const [budgets, reload] = useApi<{ data: Budget[] }>('/admin/v1/budgets');
  const [forecasts] = useApi<{ data: Forecast[] }>('/admin/v1/forecasts');
  const [editing, setEditing] = useState<Budget | null | 'new'>(null);
  const admin = session.role === 'admin';
  const byId = new Map(forecasts.state === 'ok' ? forecasts.data.data.map((f) => [f.budget_id, f]) : []);
  const remove = async (b: Budget) => {
    if (!confirm(`Delete the budget ${b.scope} (${b.period})?`)) return;
    await api(`/admin/v1/budgets/${encodeURIComponent(b.id)}`, { method: 'DELETE' });
    reload();
  };
  return (
    <Page title="Budgets" ready={budgets.state !== 'loading' && forecasts.state !== 'loading'}>
      {admin ? (
        <div className="toolbar">
          <button onClick={() => setEditing(editing === 'new' ? null : 'new')}>New budget</button>
        </div>
      ) : null}
      {editing !== null ? (
        <Card title={editing === 'new' ? 'New budget' : `Edit ${editing.scope}`}>
          <BudgetForm key={editing === 'new' ? 'new' : editing.id} initial={editing === 'new' ? null : editing} onDone={() => { setEditing(null); reload(); }} />
        </Card>
      ) : null}
      <Card title="Budgets" wide>
        <Loaded load={budgets} missing={<Empty title="Budgets are not available on this gateway" />}>
          {(d) =>
            d.data.length === 0 ? (
              <Empty title="No budgets yet">
                {admin ? 'Create one with “New budget”, or `tollgate budgets set team:platform --usd 500 --period month`.' : 'Ask an admin to set a budget for your team.'}
              </Empty>
            ) : (
              <Table
                testId="budgets"
                fit
                head={['Scope', 'Period', 'Spent / limit', 'Used', 'Reserved', 'Resets', 'Forecast', 'Pacing', '']}
                rows={d.data.map((b) => {
                  const f = byId.get(b.id);
                  return [
                    <strong>{b.scope}</strong>,
                    b.period,
                    `${usd(b.spent_usd)} / ${usd(b.limit_usd)}`,
                    <span className="used"><Bar value={b.utilisation} /> {pct(b.utilisation)}</span>,
                    usd(b.reserved_usd),
                    when(b.resets_at),
                    f ? <span title={f.sentence}>{usd(f.projected_usd)}{f.exhausts_at ? ` · out ${day(f.exhausts_at)}` : ''}</span> : <span className="muted">{forecasts.state === 'missing' ? 'n/a' : '–'}</span>,
                    f?.pacing ? <span className={`pill ${f.pacing.state}`}>{f.pacing.state}</span> : <span className="muted">–</span>,
                    admin && b.source === 'api' ? (
                      <span className="actions">
                        <button onClick={() => setEditing(b)}>Edit</button>
                        <button className="danger" onClick={() => void remove(b)}>Delete</button>
                      </span>
                    ) : b.source === 'config' ? <span className="muted">from config</span> : b.source === 'default' ? <span className="muted">default for each key</span> : '',
                  ];
                })}
              />
            )
          }
        </Loaded>
      </Card>
    </Page>
  );
}
