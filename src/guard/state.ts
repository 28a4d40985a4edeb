/**
 * A run's state: JSON-serialisable (so it can live in memory or in Redis) and of BOUNDED size however
 * long the run: counters, the last RECENT_CALLS call summaries (sketches and numbers, never texts),
 * the last REQUEST_HISTORY request sketches, a fixed-size novelty filter, at most MAX_AGENTS agents,
 * MAX_IN_FLIGHT in-flight calls and MAX_EVIDENCE pieces of evidence, with every string truncated.
 * test/unit/guard-state.test.ts checks the bound after 10,000 calls.
 */
import type { DetectorName } from './config.js';
import { newNoveltyMemory, type NoveltyMemory } from './novelty.js';
import type { Sketch } from './sketch.js';
import type { Evidence, RunStatus } from './types.js';

export const RECENT_CALLS = 32;
/**
 * Answered requests whose sketches are remembered for near-duplicate lookup (a conversation that
 * restarts within this many calls is recognised), kept in chunks of HISTORY_CHUNK so that adding one
 * copies a chunk, not the whole history: between REQUEST_HISTORY - HISTORY_CHUNK and REQUEST_HISTORY.
 */
export const REQUEST_HISTORY = 128;
export const HISTORY_CHUNK = 16;
export const MAX_AGENTS = 32;
export const MAX_IN_FLIGHT = 256;
export const MAX_EVIDENCE = 6;
export const MAX_ID_CHARS = 128;
export const MAX_AGENT_CHARS = 64;
export const MAX_SUMMARY_CHARS = 300;
export const MAX_EVIDENCE_CALLS = 8;
/** Agents past MAX_AGENTS are counted under this name. */
export const OTHER_AGENTS = '(other)';

/** One call as the detectors see it. */
export interface CallSummary {
  id: string;
  agent: string | null;
  depth: number;
  at: number;
  endAt: number | null;
  /** Started at least min_gap_ms after its agent's previous call ended (polling, a human): not a loop step. */
  paced: boolean;
  /** SimHash of the request's new part (see digest.ts). */
  req: Sketch;
  reqWords: number;
  /** The request has no assistant turn yet (a conversation starting, or a stateless call). */
  fresh: boolean;
  /** An earlier request of the run (within REQUEST_HISTORY) is a near-duplicate of this one. */
  rep: boolean;
  /** Same request as its agent's previous call, sent right after that one ended. */
  retry: boolean;
  /** Same request as its agent's previous call, which failed with a retryable upstream error (a healthy retry). */
  resend: boolean;
  promptBytes: number;
  out: Sketch | null;
  outWords: number;
  /** Share of the output's shingles new to the run, 0..1; null until ended or when it failed. */
  novelty: number | null;
  affirmation: boolean;
  toolKey: string | null;
  toolNames: string | null;
  ok: boolean | null;
  errorStatus: number | null;
  costNanos: number;
  /** A detector was over its threshold on this call (counted once for escalation). */
  hot: boolean;
}

export interface InFlightCall {
  id: string;
  at: number;
  depth: number;
}

export interface AgentCount {
  name: string;
  calls: number;
}

export interface RunState {
  v: 1;
  runId: string;
  status: RunStatus;
  statusAt: number | null;
  statusReason: string | null;
  startedAt: number;
  lastAt: number;
  /** Calls let through (refused calls are counted in `refused`). */
  calls: number;
  ended: number;
  failed: number;
  refused: number;
  costNanos: number;
  promptTokens: number;
  outputTokens: number;
  agents: AgentCount[];
  /** Deepest call seen in the call tree (a call whose parent is unknown has depth 1). */
  maxDepth: number;
  inFlight: InFlightCall[];
  /** The last RECENT_CALLS calls, in start order. */
  recent: CallSummary[];
  /** Sketches of the last answered requests, in chunks of flat hi, lo pairs (oldest first). */
  requests: number[][];
  novelty: NoveltyMemory;
  warnings: number;
  /** Consecutive detecting calls since the last clean stretch (drives escalation). */
  strikes: number;
  cleanCalls: number;
  /** Each detector's latest score. */
  scores: Partial<Record<DetectorName | 'judge', number>>;
  /** The latest evidence over threshold, newest last. */
  evidence: Evidence[];
  /** `calls` when the judge was last asked. */
  judgedAt: number;
}

export function newRunState(runId: string, at: number): RunState {
  return {
    v: 1,
    runId: clip(runId, MAX_ID_CHARS),
    status: 'active',
    statusAt: null,
    statusReason: null,
    startedAt: at,
    lastAt: at,
    calls: 0,
    ended: 0,
    failed: 0,
    refused: 0,
    costNanos: 0,
    promptTokens: 0,
    outputTokens: 0,
    agents: [],
    maxDepth: 0,
    inFlight: [],
    recent: [],
    requests: [],
    novelty: newNoveltyMemory(),
    warnings: 0,
    strikes: 0,
    cleanCalls: 0,
    scores: {},
    evidence: [],
    judgedAt: 0,
  };
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max);
}

/** Depth of a call under `parent`: the parent's depth + 1 when the parent is among the known calls, else 1. */
export function depthUnder(state: RunState, parent: string | null): number {
  if (parent === null) return 1;
  const id = clip(parent, MAX_ID_CHARS);
  for (let i = state.recent.length - 1; i >= 0; i--) {
    const c = state.recent[i]!;
    if (c.id === id) return c.depth + 1;
  }
  for (const c of state.inFlight) if (c.id === id) return c.depth + 1;
  return 1;
}

export function countAgent(agents: readonly AgentCount[], agent: string | null): AgentCount[] {
  if (agent === null) return agents as AgentCount[];
  const name = clip(agent, MAX_AGENT_CHARS);
  const i = agents.findIndex((a) => a.name === name);
  const out = agents.slice();
  if (i >= 0) out[i] = { name, calls: agents[i]!.calls + 1 };
  else if (agents.length < MAX_AGENTS - 1) out.push({ name, calls: 1 });
  else {
    const j = out.findIndex((a) => a.name === OTHER_AGENTS);
    if (j >= 0) out[j] = { name: OTHER_AGENTS, calls: out[j]!.calls + 1 };
    else out.push({ name: OTHER_AGENTS, calls: 1 });
  }
  return out;
}

/** Appends to a ring kept at `max` entries (a new array; the input is not changed). */
export function pushBounded<T>(items: readonly T[], item: T, max: number): T[] {
  const out = items.length >= max ? items.slice(items.length - max + 1) : items.slice();
  out.push(item);
  return out;
}

/** The request history with one more sketch (a new array; the input is not changed). */
export function pushRequest(history: readonly number[][], sketch: Readonly<Sketch>): number[][] {
  const last = history[history.length - 1];
  if (last !== undefined && last.length < 2 * HISTORY_CHUNK) {
    const out = history.slice();
    out[out.length - 1] = [...last, sketch[0], sketch[1]];
    return out;
  }
  const out = history.length >= REQUEST_HISTORY / HISTORY_CHUNK ? history.slice(1) : history.slice();
  out.push([sketch[0], sketch[1]]);
  return out;
}

/** Adds the latest evidence, keeping MAX_EVIDENCE (one per detector, newest last) with clipped texts. */
export function addEvidence(list: readonly Evidence[], items: readonly Evidence[]): Evidence[] {
  let out = list.slice();
  for (const e of items) {
    out = out.filter((x) => x.detector !== e.detector);
    out.push({
      detector: e.detector,
      score: e.score,
      summary: clip(e.summary, MAX_SUMMARY_CHARS),
      calls: e.calls.slice(-MAX_EVIDENCE_CALLS).map((id) => clip(id, MAX_ID_CHARS)),
    });
  }
  return out.slice(-MAX_EVIDENCE);
}
