/**
 * Admin API for agent runs (the run guard's view):
 *   GET  /admin/v1/runs?limit=         live runs, most recently active first
 *   GET  /admin/v1/runs/:id            one run: status, calls, cost, agents, detector scores, evidence
 *   POST /admin/v1/runs/:id/kill       refuse every further call of the run (run_terminated)
 *   POST /admin/v1/runs/:id/pause      hold further calls (run_paused) until resumed or timed out
 *   POST /admin/v1/runs/:id/resume     let a paused run continue
 *   POST /admin/v1/runs/:id/allow      exempt the run from detectors and caps (allow-list)
 * Run state is shared by all instances when limits live in Redis.
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';
import { killRun, newRunState, resumeRun, type RunState } from '../guard/index.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import type { StoredRunState } from '../pipeline/guard-run.js';
import { nanosToUsd } from '../pricing/money.js';
import { updateRun } from '../storage/run-types.js';

export function runView(s: RunState, allow: boolean): Record<string, unknown> {
  return {
    run: s.runId,
    status: s.status,
    status_reason: s.statusReason,
    allow_listed: allow,
    started_at: new Date(s.startedAt).toISOString(),
    last_at: new Date(s.lastAt).toISOString(),
    calls: s.calls,
    refused: s.refused,
    failed: s.failed,
    in_flight: s.inFlight.length,
    cost_usd: nanosToUsd(s.costNanos),
    cost_nanos: s.costNanos,
    prompt_tokens: s.promptTokens,
    output_tokens: s.outputTokens,
    agents: s.agents.map((a) => ({ name: a.name, calls: a.calls })),
    max_depth: s.maxDepth,
    warnings: s.warnings,
    scores: s.scores,
    evidence: s.evidence,
  };
}

const ACTIONS = new Set(['kill', 'pause', 'resume', 'allow']);

export async function handleRuns(
  deps: GatewayDeps,
  req: IncomingMessage,
  path: string,
  params: URLSearchParams,
  body: () => Promise<unknown>,
  send: (status: number, body: unknown) => void,
): Promise<boolean> {
  const method = req.method ?? 'GET';
  const g = deps.guard;
  if (path === '/admin/v1/runs' && method === 'GET') {
    const limit = Math.min(Math.max(Number(params.get('limit') ?? 100) || 100, 1), 1000);
    const runs = await g.store.recent(limit);
    send(200, { data: runs.map((r) => runView((r.state as StoredRunState).s, (r.state as StoredRunState).allow)) });
    return true;
  }
  const m = /^\/admin\/v1\/runs\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (!m) return false;
  const runId = decodeURIComponent(m[1]!);
  const action = m[2];
  if (!action && method === 'GET') {
    const found = await g.store.load(runId);
    if (!found) throw new GatewayError('not_found', `No live run ${runId}.`);
    const st = found.state as StoredRunState;
    send(200, runView(st.s, st.allow));
    return true;
  }
  if (!action || !ACTIONS.has(action) || method !== 'POST') return false;
  const input = (await body()) as { reason?: unknown } | null;
  const reason = typeof input?.reason === 'string' ? input.reason.slice(0, 300) : 'by an administrator';
  const now = deps.now();
  const { state } = await g.locks.run(runId, () =>
    updateRun<StoredRunState, null>(
      g.store,
      runId,
      () => ({ s: newRunState(runId, now), allow: false }),
      (st) => {
        let s = st.s;
        let allow = st.allow;
        if (action === 'kill') s = killRun(s, now, reason);
        else if (action === 'resume') s = resumeRun(s, now);
        else if (action === 'pause') s = s.status === 'active' ? { ...s, status: 'paused', statusAt: now, statusReason: `paused: ${reason}` } : s;
        else allow = true;
        return { state: { s, allow }, lastAt: now, result: null };
      },
      g.ttlMs,
    ),
  );
  deps.log.warn({ run: runId, action, reason }, 'run changed by an administrator');
  send(200, runView(state.s, state.allow));
  return true;
}
