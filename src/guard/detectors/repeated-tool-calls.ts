/**
 * Repeated tool calls: an agent makes the same tool call (name + canonical arguments) over and over
 * in a row. Cline warns at 3, Gemini CLI stops at 5. Calls spaced out by real idle time (polling a
 * job every 30 s) are paced and do not count.
 */
import { agentLabel, ratio, walkable, walkFrom, type Detector } from './detector.js';

export const repeatedToolCalls: Detector = {
  name: 'repeated_tool_calls',
  phases: ['response'],
  detect(input) {
    const { current, cfg } = input;
    if (current.toolKey === null || current.paced) return null;
    const ids = [current.id];
    for (let i = walkFrom(input); i >= 0; i--) {
      const c = input.calls[i]!;
      if (!walkable(c, current, true) || c.endAt === null) continue;
      if (c.toolKey !== current.toolKey) break;
      ids.unshift(c.id);
    }
    const n = ids.length;
    if (n < 2) return null;
    return {
      detector: 'repeated_tool_calls',
      score: ratio(n, cfg.repeated_tool_calls.streak),
      summary: `${agentLabel(current.agent)} made the same ${current.toolNames ?? 'tool'} call with the same arguments ${n} times in a row`,
      calls: ids,
    };
  },
};
