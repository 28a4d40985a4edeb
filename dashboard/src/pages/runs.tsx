/**
 * Runs: live agent runs over server-sent events; a run's call tree, timeline and detector evidence;
 * pause, resume, kill (admin). A team viewer sees its own team's runs, read-only: the API itself only
 * gives a team key its team's runs. A run is its team and id, so both are sent when asking about one.
 */
import { useEffect, useMemo, useState, type ReactElement } from 'react';
import { api, ApiError, useApi, usd, when, type Session } from '../api';
import type { CallView, RunView } from '../types';
import { Card, Empty, Loaded, Page, Table } from '../ui';

type Live = { state: 'connecting' } | { state: 'ok'; runs: RunView[] } | { state: 'forbidden' } | { state: 'error' };

function useLiveRuns(): Live {
  const [live, setLive] = useState<Live>({ state: 'connecting' });
  useEffect(() => {
    const es = new EventSource('/admin/v1/runs/events');
    es.addEventListener('snapshot', (e) => setLive({ state: 'ok', runs: (JSON.parse((e as MessageEvent<string>).data) as { data: RunView[] }).data }));
    es.onerror = () => {
      // EventSource hides the status: ask once to tell "not allowed" from "reconnecting".
      void fetch('/admin/v1/runs?limit=1').then((r) => {
        if (r.status === 403 || r.status === 401) {
          es.close();
          setLive({ state: 'forbidden' });
        }
      });
    };
    return () => es.close();
  }, []);
  return live;
}

function topScore(r: RunView): [string, number] | null {
  const e = Object.entries(r.scores).sort((a, b) => b[1] - a[1])[0];
  return e && e[1] > 0 ? e : null;
}

function CallTree({ calls }: { calls: CallView[] }) {
  const ids = new Set(calls.map((c) => c.id));
  const children = new Map<string | null, CallView[]>();
  for (const c of [...calls].sort((a, b) => a.started_at.localeCompare(b.started_at))) {
    const p = c.parent && ids.has(c.parent) ? c.parent : null;
    children.set(p, [...(children.get(p) ?? []), c]);
  }
  const node = (c: CallView, depth: number): ReactElement => (
    <li key={c.id}>
      <span className={`dot st-${c.status}`} /> <code>{c.id.slice(-8)}</code> {c.agent ?? 'agent?'} · {c.served_model} · {usd(c.cost_usd)}
      {c.error_code ? <span className="pill over"> {c.error_code}</span> : null}
      {depth < 30 && children.get(c.id)?.length ? <ul>{children.get(c.id)!.map((k) => node(k, depth + 1))}</ul> : null}
    </li>
  );
  return <ul className="tree" data-testid="call-tree">{(children.get(null) ?? []).slice(0, 200).map((c) => node(c, 0))}</ul>;
}

function Timeline({ calls }: { calls: CallView[] }) {
  if (!calls.length) return null;
  const t0 = Math.min(...calls.map((c) => Date.parse(c.started_at)));
  const t1 = Math.max(...calls.map((c) => Date.parse(c.ended_at)), t0 + 1);
  const sorted = [...calls].sort((a, b) => a.started_at.localeCompare(b.started_at)).slice(-100);
  return (
    <div className="timeline" data-testid="timeline">
      {sorted.map((c) => {
        const s = Date.parse(c.started_at);
        const left = ((s - t0) / (t1 - t0)) * 100;
        const width = Math.max(0.5, ((Date.parse(c.ended_at) - s) / (t1 - t0)) * 100);
        return (
          <div className="lane" key={c.id} title={`${c.id} ${c.agent ?? ''} ${c.status}`}>
            <span className="lane-label">{c.agent ?? '–'}</span>
            <span className="lane-track">
              <span className={`span st-${c.status}`} style={{ left: `${Math.min(left, 99)}%`, width: `${Math.min(width, 100 - Math.min(left, 99))}%` }} />
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** A run's identity in the page: team and id. */
const runKey = (r: { team: string; run: string }): string => `${encodeURIComponent(r.team)}:${r.run}`;

function RunDetail({ run, admin, onClose }: { run: RunView; admin: boolean; onClose: () => void }) {
  const team = `team=${encodeURIComponent(run.team)}`;
  const [calls] = useApi<{ data: CallView[] }>(`/admin/v1/calls?run=${encodeURIComponent(run.run)}&${team}&limit=500`);
  const [error, setError] = useState('');
  const act = async (action: 'pause' | 'resume' | 'kill') => {
    setError('');
    try {
      await api(`/admin/v1/runs/${encodeURIComponent(run.run)}/${action}?${team}`, { method: 'POST', body: { reason: `${action} from the dashboard` } });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  return (
    <Card title={`Run ${run.run} (${run.team})`} wide>
      <div className="toolbar">
        <span className={`pill ${run.status}`} data-testid="run-status">{run.status}</span>
        {run.status_reason ? <span className="muted">{run.status_reason}</span> : null}
        {admin ? (
          <>
            <button onClick={() => void act('pause')} disabled={run.status !== 'active'}>Pause</button>
            <button onClick={() => void act('resume')} disabled={run.status !== 'paused'}>Resume</button>
            <button className="danger" data-testid="kill" onClick={() => void act('kill')} disabled={run.status === 'terminated'}>Kill</button>
          </>
        ) : null}
        <button onClick={onClose}>Close</button>
      </div>
      {error ? <div className="error" role="alert">{error}</div> : null}
      <p>
        {run.calls} calls · {usd(run.cost_usd)} · depth {run.max_depth} · agents {run.agents.map((a) => `${a.name} (${a.calls})`).join(', ') || '–'}
      </p>
      {run.evidence.length ? (
        <div className="evidence" data-testid="evidence">
          <h3>Detector evidence</h3>
          {run.evidence.map((e) => (
            <div key={e.detector}>
              <strong>{e.detector}</strong> score {e.score.toFixed(2)}: {e.summary}
            </div>
          ))}
        </div>
      ) : null}
      <Loaded load={calls} missing={null}>
        {(d) =>
          d.data.length ? (
            <div className="split">
              <div>
                <h3>Call tree</h3>
                <CallTree calls={d.data} />
              </div>
              <div>
                <h3>Timeline</h3>
                <Timeline calls={d.data} />
              </div>
            </div>
          ) : (
            <Empty title="No calls recorded yet" />
          )
        }
      </Loaded>
    </Card>
  );
}

export function Runs({ session }: { session: Session }) {
  const admin = session.role === 'admin';
  const live = useLiveRuns();
  const [selected, setSelected] = useState<string | null>(null);
  const runs = live.state === 'ok' ? live.runs : [];
  const current = useMemo(() => runs.find((r) => runKey(r) === selected) ?? null, [runs, selected]);
  return (
    <Page title="Runs" ready={live.state !== 'connecting'}>
      {current ? <RunDetail run={current} admin={admin} onClose={() => setSelected(null)} /> : null}
      <Card title={`Live runs${live.state === 'ok' ? ` (${runs.length})` : ''}`} wide>
        {live.state === 'forbidden' ? <Empty title="Runs are not shown to this key" testId="forbidden" /> : null}
        {live.state === 'ok' && runs.length === 0 ? (
          <Empty title="No live runs">Runs appear here as agents call the gateway; send `x-tollgate-run` (and `x-tollgate-agent`) to name them.</Empty>
        ) : null}
        {runs.length ? (
          <Table
            testId="runs"
            head={['Run', 'Team', 'Status', 'Calls', 'Cost', 'Agents', 'Top detector', 'Last call']}
            rows={runs.map((r) => {
              const top = topScore(r);
              return [
                <button className="link" data-run={r.run} data-team={r.team} onClick={() => setSelected(runKey(r))}>{r.run}</button>,
                r.team,
                <span className={`pill ${r.status}`}>{r.status}</span>,
                r.calls,
                usd(r.cost_usd),
                r.agents.map((a) => a.name).join(', ') || '–',
                top ? `${top[0]} ${top[1].toFixed(2)}` : '–',
                when(r.last_at),
              ];
            })}
          />
        ) : null}
      </Card>
    </Page>
  );
}
