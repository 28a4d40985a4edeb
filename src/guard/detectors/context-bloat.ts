/**
 * Context bloat: the prompt climbs call after call while the outputs feeding it bring little new
 * (restated text, tool calls already made), so every call costs more for nothing. Followed per agent (an agent resending its growing
 * conversation) and across the run (a chain of agents passing a growing transcript along).
 */
import type { CallSummary } from '../state.js';
import { agentLabel, isStale, ratio, walkable, walkFrom, type Detector, type DetectorInput } from './detector.js';

/** The calls (oldest first) over which the prompt kept growing on top of stale outputs. */
function climb(input: DetectorInput, sameAgent: boolean): CallSummary[] {
  const { cfg } = input;
  const chain = [input.current];
  let next = input.current;
  for (let i = walkFrom(input); i >= 0; i--) {
    const c = input.calls[i]!;
    if (!walkable(c, input.current, sameAgent) || c.endAt === null) continue;
    const grew = next.promptBytes >= c.promptBytes * (1 + cfg.context_bloat.min_growth) && next.promptBytes > c.promptBytes;
    const stale = isStale(c, input.calls, cfg.novelty_floor);
    if (!grew || !stale) break;
    chain.unshift(c);
    next = c;
  }
  return chain;
}

/**
 * How many calls `climb` would put before the current one, walked without building the chain: most
 * requests climb over none, and the detector runs on every request (two chains
 * a call otherwise). The same walk as climb's.
 */
function climbLength(input: DetectorInput, sameAgent: boolean): number {
  const { calls, current, cfg } = input;
  const growth = 1 + cfg.context_bloat.min_growth;
  const start = calls.lastIndexOf(current);
  let next = current;
  let n = 0;
  for (let i = (start < 0 ? calls.length : start) - 1; i >= 0; i--) {
    const c = calls[i]!;
    if ((sameAgent && c.agent !== current.agent) || c.paced || c.endAt === null) continue;
    const grew = next.promptBytes >= c.promptBytes * growth && next.promptBytes > c.promptBytes;
    if (!grew || !isStale(c, calls, cfg.novelty_floor)) break;
    n++;
    next = c;
  }
  return n;
}

export const contextBloat: Detector = {
  name: 'context_bloat',
  phases: ['request'],
  detect(input) {
    const { current, cfg } = input;
    if (current.paced) return null;
    const ownLength = climbLength(input, true);
    const longest = current.agent === null ? ownLength : Math.max(ownLength, climbLength(input, false));
    if (longest < 2) return null;
    const own = climb(input, true);
    const all = current.agent === null ? own : climb(input, false);
    const chain = all.length > own.length ? all : own;
    const n = chain.length - 1;
    if (n < 2) return null;
    const first = chain[0]!;
    const costs = chain.filter((c) => c.endAt !== null).map((c) => c.costNanos);
    const costNote = costs.length >= 2 ? `, cost per call ${usd(costs[0]!)} -> ${usd(costs[costs.length - 1]!)}` : '';
    const who = chain === own ? agentLabel(current.agent) : 'the run';
    return {
      detector: 'context_bloat',
      score: ratio(n, cfg.context_bloat.stale_calls),
      summary: `prompt of ${who} grew ${n} calls in a row (${first.promptBytes} -> ${current.promptBytes} bytes) on outputs with little new text${costNote}`,
      calls: chain.map((c) => c.id),
    };
  },
};

function usd(nanos: number): string {
  return `$${(nanos / 1e9).toFixed(4)}`;
}
