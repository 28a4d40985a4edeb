/**
 * Echo chatter: outputs that restate what the run already said — "Confirmed.", "I agree", the same
 * summary again — call after call, whichever agent speaks. A text answer is an echo when it is a short
 * affirmation or when little of it is new to the run's recent outputs (novelty below the floor).
 * Tool calls are actions, not chatter: they break the streak (repeated ones have their own detector).
 */
import { isEcho, ratio, walkable, walkFrom, type Detector } from './detector.js';

export const echoChatter: Detector = {
  name: 'echo_chatter',
  phases: ['response'],
  detect(input) {
    const { current, cfg } = input;
    if (current.paced || !isEcho(current, cfg.novelty_floor)) return null;
    // The streak walked back from the current call: counted first, its ids listed only when it is evidence.
    const last = walkFrom(input);
    let from = -1;
    for (let i = last; i >= 0; i--) {
      const c = input.calls[i]!;
      if (!walkable(c, current, false) || c.endAt === null) continue;
      if (!isEcho(c, cfg.novelty_floor)) break;
      from = i;
    }
    if (from < 0) return null;
    const ids: string[] = [];
    for (let i = from; i <= last; i++) {
      const c = input.calls[i]!;
      if (walkable(c, current, false) && c.endAt !== null) ids.push(c.id);
    }
    ids.push(current.id);
    const n = ids.length;
    const affirmations = input.calls.filter((c) => ids.includes(c.id) && c.affirmation).length;
    return {
      detector: 'echo_chatter',
      score: ratio(n, cfg.echo_chatter.stale_calls),
      summary: `${n} outputs in a row restate earlier outputs (${affirmations} short affirmations; the rest under ${Math.round(cfg.novelty_floor * 100)}% new text)`,
      calls: ids,
    };
  },
};
