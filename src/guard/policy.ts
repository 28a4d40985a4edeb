/**
 * The run guard's decisions, pure: state + call + config (+ clock) in, new state + decision out.
 * The live gateway (pipeline/guard-run.ts) and replay call the same functions.
 *
 *   guardBefore  before the provider is called: refuses when the run is paused or terminated or a cap
 *                would break, runs the request-side detectors, counts the call in flight.
 *   guardAfter   once the call ended: cost, output-side detectors, escalation. A terminate (or pause)
 *                decision here means the run's NEXT call is refused by guardBefore.
 *   resumeRun / killRun   the admin's actions.
 */
import { isAllowListed } from './allow-list.js';
import { summariseEnd, summariseStart } from './call-summary.js';
import { capBreach, capsFor } from './caps.js';
import type { DetectorName, GuardConfig } from './config.js';
import { DETECTORS, type Phase } from './detectors/index.js';
import { actionFor } from './escalation.js';
import {
  addEvidence,
  countAgent,
  depthUnder,
  MAX_IN_FLIGHT,
  pushBounded,
  pushRequest,
  RECENT_CALLS,
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

function allow(): GuardDecision {
  return { action: 'allow', reason: null, evidence: [], refuse: null };
}

function decision(action: GuardAction, reason: string | null, evidence: Evidence[], refuse: GuardRefusal | null = null): GuardDecision {
  return { action, reason, evidence, refuse };
}

function withStatus(state: RunState, status: RunStatus, at: number, reason: string | null): RunState {
  return { ...state, status, statusAt: at, statusReason: reason };
}

function exempt(state: RunState, cfg: GuardConfig): boolean {
  return !cfg.enabled || isAllowListed(state.runId, cfg.allow_runs);
}

export function guardBefore(state: RunState, call: CallStart, cfg: GuardConfig, now: number = call.at): GuardResult {
  let s = state;
  if (s.status === 'paused' && s.statusAt !== null && now - s.statusAt >= cfg.pause_timeout_ms) {
    s =
      cfg.on_pause_timeout === 'resume'
        ? resumeRun(s, now)
        : withStatus(s, 'terminated', now, `paused for ${Math.round(cfg.pause_timeout_ms / 1000)} s without a resume; ${s.statusReason ?? ''}`);
  }
  if (s.status !== 'active') {
    const code: GuardRefusal = s.status === 'paused' ? 'run_paused' : 'run_terminated';
    const action: GuardAction = s.status === 'paused' ? 'pause' : 'terminate';
    return { state: { ...s, refused: s.refused + 1, lastAt: now }, decision: decision(action, s.statusReason, s.evidence, code) };
  }

  const free = exempt(s, cfg);
  const lost = (c: { at: number }): boolean => now - c.at >= IN_FLIGHT_TTL_MS;
  if (s.inFlight.some(lost)) s = { ...s, inFlight: s.inFlight.filter((c) => !lost(c)) };
  const depth = depthUnder(s, call.parent);
  if (!free) {
    const breach = capBreach(s, capsFor(cfg, call.scopes), { depth, now });
    if (breach !== null) {
      const refused = { ...s, refused: s.refused + 1, lastAt: now };
      if (breach.refuse === 'run_concurrency_exceeded') return { state: refused, decision: decision('pause', breach.reason, [], breach.refuse) };
      return { state: withStatus(refused, 'terminated', now, breach.reason), decision: decision('terminate', breach.reason, [], breach.refuse) };
    }
  }

  const summary = summariseStart(s, call, depth, cfg.detectors);
  const started: RunState = {
    ...s,
    calls: s.calls + 1,
    lastAt: now,
    agents: countAgent(s.agents, call.agent),
    maxDepth: Math.max(s.maxDepth, depth),
    inFlight: pushBounded(s.inFlight, { id: summary.id, at: call.at, depth }, MAX_IN_FLIGHT),
    recent: pushBounded(s.recent, summary, RECENT_CALLS),
  };
  if (free) return { state: started, decision: allow() };
  const result = escalate(started, summary, 'request', cfg, now);
  if (result.decision.refuse === null) return result;
  // Refused by a detector: the call does not happen, so it is not counted as started.
  const refused: RunState = {
    ...result.state,
    calls: s.calls,
    refused: s.refused + 1,
    inFlight: s.inFlight,
    recent: s.recent,
    agents: s.agents,
    maxDepth: s.maxDepth,
  };
  return { state: refused, decision: result.decision };
}

export function guardAfter(state: RunState, end: CallEnd, cfg: GuardConfig): GuardResult {
  const counted = {
    lastAt: Math.max(state.lastAt, end.at),
    ended: state.ended + 1,
    failed: state.failed + (end.ok ? 0 : 1),
    costNanos: state.costNanos + end.costNanos,
    promptTokens: state.promptTokens + end.promptTokens,
    outputTokens: state.outputTokens + end.outputTokens,
    inFlight: state.inFlight.filter((c) => c.id !== end.callId),
  };
  const index = findRecent(state.recent, end.callId);
  if (index < 0) return { state: { ...state, ...counted }, decision: allow() };
  const done = summariseEnd(state.recent[index]!, end, state.novelty, cfg.detectors);
  const recent = state.recent.slice();
  recent[index] = done.summary;
  const s: RunState = {
    ...state,
    ...counted,
    recent,
    novelty: done.memory,
    // A request joins the history once answered: a loop repeats what it has seen the answer to, while
    // identical requests in flight together (fan-out, best-of-n sampling) and retries of failed calls
    // are not repeats.
    requests: end.ok ? pushRequest(state.requests, done.summary.req) : state.requests,
  };
  if (exempt(s, cfg) || s.status !== 'active') return { state: s, decision: allow() };
  return escalate(s, done.summary, 'response', cfg, end.at);
}

/** Back to active with a fresh escalation ladder (warnings, scores and evidence stay for the record). */
export function resumeRun(state: RunState, at: number): RunState {
  if (state.status !== 'paused') return state;
  return { ...withStatus(state, 'active', at, null), strikes: 0, cleanCalls: 0 };
}

/** Terminated by hand: every further call is refused, allow-listed or not. */
export function killRun(state: RunState, at: number, reason: string): RunState {
  return withStatus(state, 'terminated', at, `killed: ${reason}`);
}

function findRecent(recent: readonly CallSummary[], id: string): number {
  for (let i = recent.length - 1; i >= 0; i--) if (recent[i]!.id === id) return i;
  return -1;
}

function thresholdOf(name: string, cfg: GuardConfig): number {
  const d = cfg.detectors[name as DetectorName] as { threshold: number } | undefined;
  return d?.threshold ?? 1;
}

/** Runs this phase's enabled detectors on the current call. */
function detect(state: RunState, current: CallSummary, phase: Phase, cfg: GuardConfig): { scores: RunState['scores']; found: Evidence[] } {
  const scores = { ...state.scores };
  const found: Evidence[] = [];
  for (const d of DETECTORS) {
    if (!d.phases.includes(phase) || !cfg.detectors[d.name].enabled) continue;
    const e = d.detect({ calls: state.recent, current, cfg: cfg.detectors }, phase);
    scores[d.name] = e?.score ?? 0;
    if (e !== null) found.push(e);
  }
  return { scores, found };
}

/** Detectors, then the ladder: a newly detecting call is a strike; clean calls clear strikes. */
function escalate(state: RunState, current: CallSummary, phase: Phase, cfg: GuardConfig, at: number): GuardResult {
  const { scores, found } = detect(state, current, phase, cfg);
  const over = found.filter((e) => e.score >= thresholdOf(e.detector, cfg));
  let s: RunState = { ...state, scores };
  const strike = over.length > 0 && !current.hot;
  if (strike) {
    const index = findRecent(s.recent, current.id);
    const recent = s.recent.slice();
    if (index >= 0) recent[index] = { ...current, hot: true };
    s = { ...s, recent, strikes: s.strikes + 1, cleanCalls: 0, evidence: addEvidence(s.evidence, over) };
  } else if (phase === 'response' && !current.hot) {
    const cleanCalls = s.cleanCalls + 1;
    s = { ...s, cleanCalls, strikes: cleanCalls >= cfg.escalation.cool_down_calls ? 0 : s.strikes };
  }
  if (!strike) return { state: s, decision: allow() };

  const action = actionFor(s.strikes, cfg.escalation);
  const reason = over.map((e) => `${e.detector} ${e.score.toFixed(2)}: ${e.summary}`).join('; ');
  if (action === 'warn') return { state: { ...s, warnings: s.warnings + 1 }, decision: decision('warn', reason, over) };
  if (action === 'allow') return { state: s, decision: allow() };
  const status: RunStatus = action === 'pause' ? 'paused' : 'terminated';
  const refuse: GuardRefusal | null = phase === 'request' ? (action === 'pause' ? 'run_paused' : 'run_terminated') : null;
  return { state: withStatus(s, status, at, reason), decision: decision(action, reason, over, refuse) };
}
