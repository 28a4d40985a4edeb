/**
 * Admin API for agent runs (the run guard's view):
 *   GET  /admin/v1/runs?limit=&team=         live runs, most recently active first
 *   GET  /admin/v1/runs/:id?team=            one run: status, calls, cost, agents, detector scores, evidence
 *   POST /admin/v1/runs/:id/kill?team=       refuse every further call of the run (run_terminated) until resumed
 *   POST /admin/v1/runs/:id/pause?team=      hold further calls (run_paused) until resumed or timed out
 *   POST /admin/v1/runs/:id/resume?team=     let a paused, terminated or killed run continue (the guard keeps watching)
 *   POST /admin/v1/runs/:id/allow?team=      exempt the run from detectors and caps (allow-list), lifting a stop
 *                                            the guard made; an operator's kill or pause stays until resumed
 * Run state is shared by all instances when limits live in Redis. `:id` is bounded as the gateway bounds
 * a run id (guard/run-id.ts), so a run sent with an id over 200 characters is named by that id in full
 * or as the API lists it.
 *
 * A run is its team and its id (two teams may send the same id; see storage/run-types.ts). Which run
 * `:id` names (resolveRun): for a team key, its own team's, and nothing else: another team's run, or a
 * `team=` other than its own, is "not found", so a team cannot learn that a run id exists elsewhere.
 * For the admin: the run of `team=` when given; else the one team with a live run of that id; several
 * teams -> 409 run_ambiguous listing them; none -> 404 (so a run that has not started yet can only be
 * killed or allow-listed ahead with its team named). Changes (POST) are the admin's, as everywhere in
 * /admin/v1: a team key may list and read its own team's runs, not kill, pause, resume or allow them.
 */
import { decodePathSegment, GatewayError } from '../errors.js';
import { allowRun, boundedId, killRun, newRunState, pauseRun, resumeRun, stoppedByOperator, type RunState } from '../guard/index.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import type { StoredRunState } from '../pipeline/guard-run.js';
import { nanosToUsd } from '../pricing/money.js';
import { updateRun, type RecentRun, type RunRef, type RunStore } from '../storage/run-types.js';
import { limitParam, onlyParams } from './query-params.js';

const LIST_PARAMS = new Set(['limit', 'team']);
const RUN_PARAMS = new Set(['team']);

export function runView(team: string, s: RunState, allow: boolean): Record<string, unknown> {
  return {
    run: s.runId,
    team,
    status: s.status,
    status_reason: s.statusReason,
    stopped_by: s.status === 'active' ? null : stoppedByOperator(s.statusReason) ? 'operator' : 'guard',
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

/** A listed run as the API shows it. */
export function recentRunView(r: RecentRun): Record<string, unknown> {
  const st = r.state as StoredRunState;
  return runView(r.team, st.s, st.allow);
}

/** The team whose runs a listing shows: a team key's own; the admin's `team=`, or every team. */
export function listedTeam(params: URLSearchParams, callerTeam: string | undefined): string | undefined {
  return callerTeam ?? (params.get('team') || undefined);
}

/** Which run `runId` names for this caller (see the header). */
export async function resolveRun(store: RunStore, runId: string, params: URLSearchParams, callerTeam: string | undefined): Promise<RunRef> {
  const asked = params.get('team') || null;
  if (callerTeam !== undefined) {
    if (asked !== null && asked !== callerTeam) throw new GatewayError('not_found', `No live run ${runId}.`);
    return { team: callerTeam, runId };
  }
  if (asked !== null) return { team: asked, runId };
  const teams = await store.teamsOf(runId);
  if (teams.length === 1) return { team: teams[0]!, runId };
  if (teams.length === 0) throw new GatewayError('not_found', `No live run ${runId} (name its team with ?team= to act on a run that has not started yet).`);
  throw new GatewayError('run_ambiguous', `Run id ${runId} is live under ${teams.length} teams (${teams.join(', ')}): name one with ?team=.`, {
    retryable: false,
    details: { run: runId, teams },
  });
}

export async function handleRuns(
  deps: GatewayDeps,
  /** The routed method (HEAD is GET: request-method.ts). */
  method: string,
  path: string,
  params: URLSearchParams,
  body: () => Promise<unknown>,
  send: (status: number, body: unknown) => void,
  /** Set when a team key asks: only that team's runs exist for it. */
  team?: string,
): Promise<boolean> {
  const g = deps.guard;
  if (path === '/admin/v1/runs' && method === 'GET') {
    onlyParams(params, LIST_PARAMS, '/admin/v1/runs');
    const limit = limitParam(params, 100, 1000);
    const runs = await g.store.recent(limit, listedTeam(params, team));
    send(200, { data: runs.map(recentRunView) });
    return true;
  }
  const m = /^\/admin\/v1\/runs\/([^/]+)(?:\/([a-z]+))?$/.exec(path);
  if (!m) return false;
  onlyParams(params, RUN_PARAMS, '/admin/v1/runs/:id');
  const runId = boundedId(decodePathSegment(m[1]!, 'run id'));
  const action = m[2];
  if (!action && method === 'GET') {
    const ref = await resolveRun(g.store, runId, params, team);
    const found = await g.store.load(ref);
    if (!found) throw new GatewayError('not_found', `No live run ${runId}.`);
    const st = found.state as StoredRunState;
    send(200, runView(ref.team, st.s, st.allow));
    return true;
  }
  if (!action || !ACTIONS.has(action) || method !== 'POST') return false;
  const ref = await resolveRun(g.store, runId, params, team);
  const input = (await body()) as { reason?: unknown } | null;
  const reason = typeof input?.reason === 'string' ? input.reason.slice(0, 300) : 'by an administrator';
  const now = deps.now();
  const { state } = await g.locks.run(ref, () =>
    updateRun<StoredRunState, null>(
      g.store,
      ref,
      () => ({ s: newRunState(runId, now), allow: false }),
      (st) => {
        let s = st.s;
        let allow = st.allow;
        if (action === 'kill') s = killRun(s, now, reason);
        else if (action === 'resume') s = resumeRun(s, now);
        else if (action === 'pause') s = pauseRun(s, now, reason);
        else {
          s = allowRun(s, now);
          allow = true;
        }
        return { state: { s, allow }, lastAt: now, result: null };
      },
      g.ttlMs,
    ),
  );
  deps.log.warn({ run: runId, team: ref.team, action, reason }, 'run changed by an administrator');
  send(200, runView(ref.team, state.s, state.allow));
  return true;
}
