/**
 * Repeated requests: an agent sends near-duplicates of earlier requests of the run, call after call —
 * the same step again (A-A-A), an alternation (A-B-A-B), or a conversation that restarted and replays
 * itself. Each request's `rep` flag (set when it started) says whether a near-duplicate of its new
 * part is among the run's last REQUEST_HISTORY answered requests; the score is the run of flagged
 * requests.
 */
import { hammingDistance, type Sketch } from '../sketch.js';
import { agentLabel, ratio, walkable, walkFrom, type Detector } from './detector.js';

/** Whether `sketch` is within `similarity` of any sketch in the history (chunks of flat hi, lo pairs). */
export function hasNearDuplicate(history: readonly (readonly number[])[], sketch: Readonly<Sketch>, similarity: number): boolean {
  const maxBits = Math.floor((1 - similarity) * 64);
  const probe: Sketch = [0, 0];
  for (const chunk of history) {
    for (let i = 0; i + 1 < chunk.length; i += 2) {
      probe[0] = chunk[i]!;
      probe[1] = chunk[i + 1]!;
      if (hammingDistance(probe, sketch) <= maxBits) return true;
    }
  }
  return false;
}

export const repeatedRequests: Detector = {
  name: 'repeated_requests',
  phases: ['request'],
  detect(input) {
    const { current, cfg } = input;
    if (!current.rep || current.paced || current.resend) return null;
    const ids = [current.id];
    for (let i = walkFrom(input); i >= 0; i--) {
      const c = input.calls[i]!;
      if (!walkable(c, current, true)) continue;
      // Retries after a real upstream error neither count nor break the run of repeats.
      if (c.resend) continue;
      if (!c.rep) break;
      ids.unshift(c.id);
    }
    const n = ids.length;
    return {
      detector: 'repeated_requests',
      score: ratio(n, cfg.repeated_requests.streak),
      summary: `${n} request${n > 1 ? 's' : ''} in a row from ${agentLabel(current.agent)} repeat earlier requests of the run (near-duplicate new prompt text)`,
      calls: ids,
    };
  },
};
