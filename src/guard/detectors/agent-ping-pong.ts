/**
 * Agent ping-pong: the agent sequence settles into a cycle (A-B-A-B, or A-B-C-A-B-C, up to
 * `max_period` agents) while the outputs stop bringing anything new: each turn is stale (an
 * affirmation, or little new text) or a near-copy of the same agent's previous turn in the cycle.
 */
import { sketchSimilarity } from '../sketch.js';
import type { CallSummary } from '../state.js';
import { isStale, ratio, type Detector, type DetectorInput } from './detector.js';

/**
 * The turns of the call being judged, refilled per call: detect runs on every answer and is
 * synchronous, and nothing keeps the list past it (evidence holds ids and agent names). Its first
 * `n` entries are the turns: the array is overwritten, never emptied, as an emptied array gives up
 * its storage and the next call's pushes would allocate it again.
 */
const scratch: CallSummary[] = [];

/** Completed, unpaced calls with an agent, up to and including the current one, in start order: the first n of `scratch`. */
function turns(input: DetectorInput): number {
  let n = 0;
  for (const c of input.calls) {
    if (c === input.current || (c.endAt !== null && !c.paced && c.agent !== null)) {
      if (n < scratch.length) scratch[n] = c;
      else scratch.push(c);
      n++;
    }
    if (c === input.current) break;
  }
  return n;
}

/** The shortest period p (2..max) of the agent sequence's tail that repeats at least once, or 0. */
export function agentPeriod(agents: readonly (string | null)[], max: number): number {
  return periodOf(agents, agents.length, (a) => a, max);
}

/** agentPeriod over the agents of the first `n` of `turns` (read in place: detect runs on every answer). */
function periodOf<T>(turns: readonly T[], n: number, agentOf: (t: T) => string | null, max: number): number {
  for (let p = 2; p <= max && 2 * p <= n; p++) {
    let ok = true;
    let distinct = false;
    for (let i = n - 1; ok && i >= n - p; i--) {
      ok = agentOf(turns[i]!) === agentOf(turns[i - p]!);
      if (agentOf(turns[i]!) !== agentOf(turns[n - 1]!)) distinct = true;
    }
    if (ok && distinct) return p;
  }
  return 0;
}

const agentOfTurn = (t: CallSummary): string | null => t.agent;

/** Whether turn `i` brought nothing new: stale, or a near-copy of the same agent's turn a period `p` before. */
function staleTurn(input: DetectorInput, seq: readonly CallSummary[], i: number, p: number): boolean {
  const c = input.cfg.agent_ping_pong;
  const t = seq[i]!;
  const prev = seq[i - p]!;
  if (t.ok !== true) return false;
  const copy = t.toolKey === null && prev.toolKey === null && t.out !== null && prev.out !== null && sketchSimilarity(t.out, prev.out) >= c.similarity;
  return copy || isStale(t, input.calls, input.cfg.novelty_floor);
}

export const agentPingPong: Detector = {
  name: 'agent_ping_pong',
  phases: ['response'],
  detect(input) {
    const { current, cfg } = input;
    const c = cfg.agent_ping_pong;
    if (current.agent === null || current.paced) return null;
    const seq = scratch;
    const len = turns(input);
    if (len < 4) return null;
    const p = periodOf(seq, len, agentOfTurn, c.max_period);
    if (p === 0) return null;
    // The stale turns at the end of the cycle, counted first: their ids are listed only when they are evidence.
    let n = 0;
    for (let i = len - 1; i >= p && seq[i]!.agent === seq[i - p]!.agent && staleTurn(input, seq, i, p); i--) n++;
    if (n < 2) return null;
    const ids = seq.slice(len - n, len).map((t) => t.id);
    const cycle = seq.slice(len - p, len).map((t) => t.agent).join(' -> ');
    return {
      detector: 'agent_ping_pong',
      score: ratio(n, c.stale_calls),
      summary: `agents cycle ${cycle} and the last ${n} turns brought nothing new`,
      calls: ids,
    };
  },
};
