/**
 * The run guard's decisions, pure: state + call + config (+ clock) in, new state + decision out.
 * The live gateway (pipeline/guard-run.ts) and replay call the same functions.
 *
 *   guardBefore  before the provider is called: refuses when the run is paused or terminated or a cap
 *                would break, runs the request-side detectors, counts the call in flight.
 *   guardAfter   once the call ended: cost, output-side detectors, escalation. A terminate (or pause)
 *                decision here means the run's NEXT call is refused by guardBefore.
 *   killRun / pauseRun / resumeRun / allowRun   the operator's actions (admin API, `tollgate runs`):
 *                kill and pause are the operator's stops; resume lifts any stop (the guard keeps
 *                watching the run); allow lifts a stop the guard made (a detector, a cap, a pause that
 *                timed out) and the caller exempts the run from detectors and caps from then on, but
 *                leaves an operator's kill or pause in place.
 */
import { isAllowListed } from './allow-list.js';
import { completeSummary, summariseStart } from './call-summary.js';
import { capBreach, capsFor } from './caps.js';
import type { DetectorName, GuardConfig } from './config.js';
import { DETECTORS, type Phase } from './detectors/index.js';
import type { Detector, DetectorInput } from './detectors/detector.js';
import { actionFor } from './escalation.js';
import {
  addEvidence,
  cloneRunState,
  countAgentInPlace,
  depthUnder,
  MAX_IN_FLIGHT,
  pushRequestInPlace,
  pushRing,
  RECENT_CALLS,
  removeInFlight,
  removeWhere,
  uncountAgent,
  unpushRing,
  type CallSummary,
  type RunState,
} from './state.js';
import type { CallEnd, CallStart, Evidence, GuardAction, GuardDecision, GuardRefusal, RunStatus } from './types.js';

export interface GuardResult {
  state: RunState;
  decision: GuardDecision;
}

/** An in-flight call older than this is taken as lost (the gateway never reported its end). */
export const IN_FLIGHT_TTL_MS = 30 * 60_000;

/** No evidence found (most calls): never kept, as a strike needs some. */
const NO_EVIDENCE = Object.freeze([]) as unknown as Evidence[];

/** The usual decision, shared (decisions are never changed by their readers). */
const ALLOW: GuardDecision = Object.freeze({ action: 'allow', reason: null, evidence: NO_EVIDENCE, refuse: null });

function decision(action: GuardAction, reason: string | null, evidence: Evidence[], refuse: GuardRefusal | null = null, stopped = false): GuardDecision {
  return stopped ? { action, reason, evidence, refuse, stopped } : { action, reason, evidence, refuse };
}

function withStatus(state: RunState, status: RunStatus, at: number, reason: string | null): RunState {
  return { ...state, status, statusAt: at, statusReason: reason };
}

function setStatus(s: RunState, status: RunStatus, at: number, reason: string | null): void {
  s.status = status;
  s.statusAt = at;
  s.statusReason = reason;
}

function exempt(state: RunState, cfg: GuardConfig): boolean {
  return !cfg.enabled || isAllowListed(state.runId, cfg.allow_runs);
}

/** Pure: `state` is not changed; the result holds a new state. */
export function guardBefore(state: RunState, call: CallStart, cfg: GuardConfig, now: number = call.at): GuardResult {
  const s = cloneRunState(state);
  return { state: s, decision: guardBeforeInPlace(s, call, cfg, now) };
}

/** Pure: `state` is not changed; the result holds a new state. */
export function guardAfter(state: RunState, end: CallEnd, cfg: GuardConfig): GuardResult {
  const s = cloneRunState(state);
  return { state: s, decision: guardAfterInPlace(s, end, cfg) };
}

/**
 * guardBefore applied to `s` IN PLACE: the live path, on a state the caller owns (the memory run
 * store's own object, or one just parsed from Redis). A run state is several KB that lives as long as
 * its run: a new copy per call would be promoted out of the young generation and collected later, which
 * with thousands of live runs is what the guard's tail latency was made of. Same decisions, same state.
 */
export function guardBeforeInPlace(s: RunState, call: CallStart, cfg: GuardConfig, now: number = call.at): GuardDecision {
  if (s.status === 'paused' && s.statusAt !== null && now - s.statusAt >= cfg.pause_timeout_ms) {
    if (cfg.on_pause_timeout === 'resume') resumeInPlace(s, now);
    else setStatus(s, 'terminated', now, `paused for ${Math.round(cfg.pause_timeout_ms / 1000)} s without a resume; ${s.statusReason ?? ''}`);
  }
  if (s.status !== 'active') {
    const code: GuardRefusal = s.status === 'paused' ? 'run_paused' : 'run_terminated';
    const action: GuardAction = s.status === 'paused' ? 'pause' : 'terminate';
    s.refused++;
    s.lastAt = now;
    return decision(action, s.statusReason, s.evidence, code);
  }

  const free = exempt(s, cfg);
  for (const c of s.inFlight) {
    if (now - c.at >= IN_FLIGHT_TTL_MS) {
      removeWhere(s.inFlight, (f) => now - f.at >= IN_FLIGHT_TTL_MS);
      break;
    }
  }
  const depth = depthUnder(s, call.parent);
  if (!free) {
    const breach = capBreach(s, capsFor(cfg, call.scopes), depth, now);
    if (breach !== null) {
      s.refused++;
      s.lastAt = now;
      if (breach.refuse === 'run_concurrency_exceeded') return decision('pause', breach.reason, [], breach.refuse);
      setStatus(s, 'terminated', now, breach.reason);
      return decision('terminate', breach.reason, [], breach.refuse, true);
    }
  }

  const summary = summariseStart(s, call, depth, cfg.detectors);
  const calls = s.calls;
  const maxDepth = s.maxDepth;
  s.calls++;
  s.lastAt = now;
  const agentUndo = countAgentInPlace(s.agents, call.agent);
  s.maxDepth = Math.max(s.maxDepth, depth);
  const flightOut = pushRing(s.inFlight, { id: summary.id, at: call.at, depth }, MAX_IN_FLIGHT);
  const recentOut = pushRing(s.recent, summary, RECENT_CALLS);
  if (free) return ALLOW;
  const result = escalate(s, summary, 'request', cfg, now);
  if (result.refuse === null) return result;
  // Refused by a detector: the call does not happen, so it is not counted as started.
  s.calls = calls;
  s.refused++;
  unpushRing(s.inFlight, flightOut);
  unpushRing(s.recent, recentOut);
  uncountAgent(s.agents, agentUndo);
  s.maxDepth = maxDepth;
  return result;
}

/** guardAfter applied to `s` IN PLACE (see guardBeforeInPlace). */
export function guardAfterInPlace(s: RunState, end: CallEnd, cfg: GuardConfig): GuardDecision {
  s.lastAt = Math.max(s.lastAt, end.at);
  s.ended++;
  s.failed += end.ok ? 0 : 1;
  s.costNanos += end.costNanos;
  s.promptTokens += end.promptTokens;
  s.outputTokens += end.outputTokens;
  removeInFlight(s.inFlight, end.callId);
  const index = findRecent(s.recent, end.callId);
  if (index < 0) return ALLOW;
  const summary = s.recent[index]!;
  completeSummary(summary, end, s.novelty, cfg.detectors);
  // A request joins the history once answered: a loop repeats what it has seen the answer to, while
  // identical requests in flight together (fan-out, best-of-n sampling) and retries of failed calls
  // are not repeats.
  if (end.ok) pushRequestInPlace(s.requests, summary.req);
  if (exempt(s, cfg) || s.status !== 'active') return ALLOW;
  return escalate(s, summary, 'response', cfg, end.at);
}

/** Status reasons of an operator's stops (the guard's own never start so). */
const KILLED = 'killed: ';
const PAUSED = 'paused: ';

/** Whether a stop with this status reason was an operator's (kill or pause), not the guard's. */
export function stoppedByOperator(reason: string | null): boolean {
  return reason !== null && (reason.startsWith(KILLED) || reason.startsWith(PAUSED));
}

/**
 * Back to active with a fresh escalation ladder (warnings, scores and evidence stay for the record),
 * from any stop: paused, terminated by the guard, or killed. Detectors and caps still apply.
 */
export function resumeRun(state: RunState, at: number): RunState {
  if (state.status === 'active') return state;
  return { ...withStatus(state, 'active', at, null), strikes: 0, cleanCalls: 0 };
}

/**
 * The run allow-listed: a stop the guard made is lifted (back to active, as resumeRun), so its next
 * call goes through; an operator's kill or pause stays until resumed. The caller keeps the run exempt
 * from detectors and caps from then on (pipeline/guard-run.ts), so the guard does not stop it again.
 */
export function allowRun(state: RunState, at: number): RunState {
  return stoppedByOperator(state.statusReason) ? state : resumeRun(state, at);
}

function resumeInPlace(s: RunState, at: number): void {
  if (s.status !== 'paused') return;
  setStatus(s, 'active', at, null);
  s.strikes = 0;
  s.cleanCalls = 0;
}

/** Paused by hand (an active run only): calls get run_paused until it is resumed or the pause times out. */
export function pauseRun(state: RunState, at: number, reason: string): RunState {
  return state.status === 'active' ? withStatus(state, 'paused', at, `${PAUSED}${reason}`) : state;
}

/** Terminated by hand: every further call is refused, allow-listed or not, until the run is resumed. */
export function killRun(state: RunState, at: number, reason: string): RunState {
  return withStatus(state, 'terminated', at, `${KILLED}${reason}`);
}

function findRecent(recent: readonly CallSummary[], id: string): number {
  for (let i = recent.length - 1; i >= 0; i--) if (recent[i]!.id === id) return i;
  return -1;
}

function thresholdOf(name: string, cfg: GuardConfig): number {
  const d = cfg.detectors[name as DetectorName] as { threshold: number } | undefined;
  return d?.threshold ?? 1;
}

/** The detectors' input, refilled per call: they run synchronously and keep nothing of it. */
const INPUT: { calls: readonly CallSummary[]; current: CallSummary | null; cfg: GuardConfig['detectors'] | null } = { calls: [], current: null, cfg: null };

/** Per detectors config (configs are not changed once loaded): each phase's enabled detectors, in DETECTORS order. */
const ENABLED = new WeakMap<GuardConfig['detectors'], Record<Phase, readonly Detector[]>>();

function enabledDetectors(cfg: GuardConfig['detectors'], phase: Phase): readonly Detector[] {
  let e = ENABLED.get(cfg);
  if (e === undefined) {
    const of = (p: Phase): Detector[] => DETECTORS.filter((d) => d.phases.includes(p) && cfg[d.name].enabled);
    ENABLED.set(cfg, (e = { request: of('request'), response: of('response') }));
  }
  return e[phase];
}

/** Runs this phase's enabled detectors on the current call; scores are written to the state. */
function detect(state: RunState, current: CallSummary, phase: Phase, cfg: GuardConfig): Evidence[] | null {
  let found: Evidence[] | null = null;
  INPUT.calls = state.recent;
  INPUT.current = current;
  INPUT.cfg = cfg.detectors;
  const input = INPUT as DetectorInput;
  for (const d of enabledDetectors(cfg.detectors, phase)) {
    const e = d.detect(input, phase);
    state.scores[d.name] = e?.score ?? 0;
    if (e !== null) (found ??= []).push(e);
  }
  return found;
}

/** Detectors, then the ladder (in place): a newly detecting call is a strike; clean calls clear strikes. */
function escalate(s: RunState, current: CallSummary, phase: Phase, cfg: GuardConfig, at: number): GuardDecision {
  const found = detect(s, current, phase, cfg);
  const over = found === null ? NO_EVIDENCE : found.filter((e) => e.score >= thresholdOf(e.detector, cfg));
  const strike = over.length > 0 && !current.hot;
  if (strike) {
    current.hot = true;
    s.strikes++;
    s.cleanCalls = 0;
    s.evidence = addEvidence(s.evidence, over);
  } else if (phase === 'response' && !current.hot) {
    s.cleanCalls++;
    if (s.cleanCalls >= cfg.escalation.cool_down_calls) s.strikes = 0;
  }
  if (!strike) return ALLOW;

  const action = actionFor(s.strikes, cfg.escalation);
  const reason = over.map((e) => `${e.detector} ${e.score.toFixed(2)}: ${e.summary}`).join('; ');
  if (action === 'warn') {
    s.warnings++;
    return decision('warn', reason, over);
  }
  if (action === 'allow') return ALLOW;
  const status: RunStatus = action === 'pause' ? 'paused' : 'terminated';
  const refuse: GuardRefusal | null = phase === 'request' ? (action === 'pause' ? 'run_paused' : 'run_terminated') : null;
  setStatus(s, status, at, reason);
  return decision(action, reason, over, refuse, true);
}
