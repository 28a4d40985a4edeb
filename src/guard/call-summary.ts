/** Turning a CallStart / CallEnd into the bounded CallSummary the detectors read. */
import type { DetectorsConfig } from './config.js';
import { digestOutput, digestRequest } from './digest.js';
import { hasNearDuplicate } from './detectors/repeated-requests.js';
import { isRetryableStatus } from './detectors/retry-storm.js';
import { measureNoveltyInPlace, type NoveltyMemory } from './novelty.js';
import { hammingDistance, type Sketch } from './sketch.js';
import { clip, MAX_AGENT_CHARS, MAX_ID_CHARS, type CallSummary, type RunState } from './state.js';
import type { CallEnd, CallStart } from './types.js';

/** Two requests this close (differing bits of 64) are the same request re-sent. */
const SAME_REQUEST_BITS = 2;

/** The agent's latest call that started before this one, if still among the recent calls. */
function previousOfAgent(state: RunState, agent: string | null): CallSummary | undefined {
  for (let i = state.recent.length - 1; i >= 0; i--) {
    const c = state.recent[i]!;
    if (c.agent === agent) return c;
  }
  return undefined;
}

/** When the agent's most recent ended call ended, or null. */
function lastEndOfAgent(state: RunState, agent: string | null): number | null {
  let end: number | null = null;
  for (const c of state.recent) if (c.agent === agent && c.endAt !== null && (end === null || c.endAt > end)) end = c.endAt;
  return end;
}

/**
 * The run's own copy of an agent name when it has one: the recent calls then share one string per
 * agent, and comparing them (every call scans them by agent) is a pointer check, not a read of
 * another string somewhere in the heap.
 */
function interned(state: RunState, agent: string): string {
  for (const a of state.agents) if (a.name === agent) return a.name;
  return agent;
}

/**
 * Sketch arrays of summaries being reused (CallStart.reuse, replay), refilled for the next ones. A
 * summary owns its sketches (copies of the digests'): the digest, and the ledger row it came from, then
 * die young, instead of living, promoted out of the young generation, as long as the run's recent calls.
 */
const SPARE_SKETCHES: Sketch[] = [];
const MAX_SPARE_SKETCHES = 1_024;

function ownSketch(src: Readonly<Sketch>): Sketch {
  const a = SPARE_SKETCHES.pop();
  if (a === undefined) return [src[0], src[1]];
  a[0] = src[0];
  a[1] = src[1];
  return a;
}

export function summariseStart(state: RunState, call: CallStart, depth: number, cfg: DetectorsConfig): CallSummary {
  const agent = call.agent === null ? null : interned(state, clip(call.agent, MAX_AGENT_CHARS));
  const digest = call.digest ?? digestRequest(call.messages);
  const lastEnd = lastEndOfAgent(state, agent);
  const paced = lastEnd !== null && call.at - lastEnd >= cfg.min_gap_ms;
  const rep = digest.words > 0 && hasNearDuplicate(state.requests, digest.sketch, cfg.repeated_requests.similarity);
  const prev = previousOfAgent(state, agent);
  const same = prev !== undefined && prev.endAt !== null && digest.words > 0 && hammingDistance(prev.req, digest.sketch) <= SAME_REQUEST_BITS;
  const resend = same && prev.ok === false && isRetryableStatus(prev.errorStatus);
  const retry = same && !resend && call.at - prev.endAt! <= cfg.retry_storm.immediate_ms;
  const id = clip(call.callId, MAX_ID_CHARS);
  const s = call.reuse?.pop();
  if (s === undefined) {
    return { id, agent, depth, at: call.at, endAt: null, paced, req: ownSketch(digest.sketch), reqWords: digest.words, fresh: digest.fresh, rep, retry, resend, promptBytes: call.promptBytes, out: null, outWords: 0, novelty: null, affirmation: false, toolKey: null, toolNames: null, ok: null, errorStatus: null, costNanos: 0, hot: false };
  }
  // Every field, as the literal above sets it; its sketches go back to the spares first.
  if (SPARE_SKETCHES.length < MAX_SPARE_SKETCHES) {
    SPARE_SKETCHES.push(s.req);
    if (s.out !== null) SPARE_SKETCHES.push(s.out);
  }
  s.id = id;
  s.agent = agent;
  s.depth = depth;
  s.at = call.at;
  s.endAt = null;
  s.paced = paced;
  s.req = ownSketch(digest.sketch);
  s.reqWords = digest.words;
  s.fresh = digest.fresh;
  s.rep = rep;
  s.retry = retry;
  s.resend = resend;
  s.promptBytes = call.promptBytes;
  s.out = null;
  s.outWords = 0;
  s.novelty = null;
  s.affirmation = false;
  s.toolKey = null;
  s.toolNames = null;
  s.ok = null;
  s.errorStatus = null;
  s.costNanos = 0;
  s.hot = false;
  return s;
}

/** The summary completed with the call's result, and the novelty memory with its output added. */
export function summariseEnd(
  summary: CallSummary,
  end: CallEnd,
  memory: NoveltyMemory,
  cfg: DetectorsConfig,
): { summary: CallSummary; memory: NoveltyMemory } {
  const done = { ...summary };
  const next = end.ok ? { cur: memory.cur.slice(), prev: memory.prev.slice(), n: memory.n } : memory;
  completeSummary(done, end, next, cfg);
  return { summary: done, memory: next };
}

/** summariseEnd IN PLACE: the summary gets the call's result, the memory its output (the live path). */
export function completeSummary(summary: CallSummary, end: CallEnd, memory: NoveltyMemory, cfg: DetectorsConfig): void {
  summary.endAt = end.at;
  summary.ok = end.ok;
  summary.errorStatus = end.errorStatus;
  summary.costNanos = end.costNanos;
  if (!end.ok) return;
  // The gateway hands the digest it already took for the ledger; replay has only the digest.
  const digest = end.digest ?? digestOutput(end.outputText, end.toolCalls, cfg.echo_chatter.ack_max_words);
  const novelty = measureNoveltyInPlace(memory, digest.sample);
  summary.out = ownSketch(digest.sketch);
  summary.outWords = digest.words;
  summary.novelty = Math.round(novelty * 100) / 100;
  summary.affirmation = digest.affirmation;
  summary.toolKey = digest.toolKey;
  summary.toolNames = digest.toolNames === null ? null : clip(digest.toolNames, MAX_AGENT_CHARS);
}
