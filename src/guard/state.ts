/**
 * A run's state: JSON-serialisable (so it can live in memory or in Redis) and of BOUNDED size however
 * long the run: counters, the last RECENT_CALLS call summaries (sketches and numbers, never texts),
 * the last REQUEST_HISTORY request sketches, a fixed-size novelty filter, at most MAX_AGENTS agents,
 * MAX_IN_FLIGHT in-flight calls and MAX_EVIDENCE pieces of evidence, with every string truncated.
 * test/unit/guard-state.test.ts checks the bound after 10,000 calls.
 */
import type { DetectorName } from './config.js';
import { newNoveltyMemory, type NoveltyMemory } from './novelty.js';
import { boundedId } from './run-id.js';
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
/** Call ids (Tollgate's own, and a parent's as sent); run ids are bounded by run-id.ts. */
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
    runId: boundedId(runId),
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

/**
 * `s` made exactly newRunState(runId, at), IN PLACE: for an owner that drops a run's state and starts
 * another (replay's forgotten runs), reusing its arrays and novelty filter instead of allocating a
 * new few KB that would outlive the young generation like the old one did. Nothing may hold `s` for
 * its old run. Lists the state's decisions handed out (evidence) are replaced, not cleared.
 */
export function resetRunState(s: RunState, runId: string, at: number): RunState {
  s.runId = boundedId(runId);
  s.status = 'active';
  s.statusAt = null;
  s.statusReason = null;
  s.startedAt = at;
  s.lastAt = at;
  s.calls = s.ended = s.failed = s.refused = 0;
  s.costNanos = s.promptTokens = s.outputTokens = 0;
  s.agents.length = 0;
  s.maxDepth = 0;
  s.inFlight.length = 0;
  s.recent.length = 0;
  s.requests.length = 0;
  s.novelty.cur.fill(0);
  s.novelty.prev.fill(0);
  s.novelty.n = 0;
  s.warnings = s.strikes = s.cleanCalls = 0;
  s.scores = {};
  s.evidence = [];
  s.judgedAt = 0;
  return s;
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

/**
 * The agent's call counted IN PLACE (the live path: see policy.ts); returns how to undo it (a call
 * refused by a detector is not counted), as a number so that no object is made per call: -1 when
 * nothing was counted, else the index counted at times two, plus one when an entry was added.
 */
export function countAgentInPlace(agents: AgentCount[], agent: string | null): number {
  if (agent === null) return -1;
  const name = clip(agent, MAX_AGENT_CHARS);
  let i = indexOfAgent(agents, name);
  if (i < 0 && agents.length >= MAX_AGENTS - 1) i = indexOfAgent(agents, OTHER_AGENTS);
  if (i >= 0) {
    agents[i]!.calls++;
    return 2 * i;
  }
  agents.push({ name: agents.length < MAX_AGENTS - 1 ? name : OTHER_AGENTS, calls: 1 });
  return 2 * (agents.length - 1) + 1;
}

export function uncountAgent(agents: AgentCount[], undo: number): void {
  if (undo < 0) return;
  if (undo % 2 === 1) agents.pop();
  else agents[undo / 2]!.calls--;
}

function indexOfAgent(agents: readonly AgentCount[], name: string): number {
  for (let i = 0; i < agents.length; i++) if (agents[i]!.name === name) return i;
  return -1;
}

/**
 * Appends to a ring kept at `max` entries IN PLACE (entries move down one slot; no allocation), and
 * returns the entry that fell out, if any.
 */
export function pushRing<T>(items: T[], item: T, max: number): T | undefined {
  if (items.length < max) {
    items.push(item);
    return undefined;
  }
  const out = items[0];
  for (let i = 1; i < items.length; i++) items[i - 1] = items[i]!;
  items[items.length - 1] = item;
  return out;
}

/** Takes back the last pushRing: the newest entry out, the one that fell out back in front. */
export function unpushRing<T>(items: T[], evicted: T | undefined): void {
  if (evicted === undefined) {
    items.pop();
    return;
  }
  for (let i = items.length - 1; i > 0; i--) items[i] = items[i - 1]!;
  items[0] = evicted;
}

/** Removes, in place, the in-flight entries of the call `id` (no closure per call, as removeWhere would take). */
export function removeInFlight(items: InFlightCall[], id: string): void {
  let j = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.id !== id) items[j++] = it;
  }
  items.length = j;
}

/** Removes, in place, the entries `drop` says to. */
export function removeWhere<T>(items: T[], drop: (item: T) => boolean): void {
  let j = 0;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (!drop(it)) items[j++] = it;
  }
  items.length = j;
}

/** The request history with one more sketch, IN PLACE: the oldest chunk's array is reused when full. */
export function pushRequestInPlace(history: number[][], sketch: Readonly<Sketch>): void {
  const last = history[history.length - 1];
  if (last !== undefined && last.length < 2 * HISTORY_CHUNK) {
    last.push(sketch[0], sketch[1]);
    return;
  }
  if (history.length >= REQUEST_HISTORY / HISTORY_CHUNK) {
    const chunk = history.shift()!;
    chunk.length = 0;
    chunk.push(sketch[0], sketch[1]);
    history.push(chunk);
    return;
  }
  history.push([sketch[0], sketch[1]]);
}

/**
 * A deep copy (the pure API works on one, so its input is never changed). Evidence items are shared:
 * they are never changed in place, only replaced (addEvidence returns a new list).
 */
export function cloneRunState(s: RunState): RunState {
  return {
    ...s,
    agents: s.agents.map((a) => ({ name: a.name, calls: a.calls })),
    inFlight: s.inFlight.map((c) => ({ id: c.id, at: c.at, depth: c.depth })),
    recent: s.recent.map((c) => ({ ...c, req: [c.req[0], c.req[1]], out: c.out === null ? null : [c.out[0], c.out[1]] })),
    requests: s.requests.map((chunk) => chunk.slice()),
    novelty: { cur: s.novelty.cur.slice(), prev: s.novelty.prev.slice(), n: s.novelty.n },
    scores: { ...s.scores },
    evidence: s.evidence.slice(),
  };
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
