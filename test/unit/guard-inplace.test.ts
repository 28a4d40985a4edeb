/**
 * The live gateway updates run states in place (guardBeforeInPlace / guardAfterInPlace); replay and
 * tests use the pure guardBefore / guardAfter. Both must decide the same, the pure API must never
 * change its input, and a call refused by a detector must leave no trace but the refusal.
 */
import { describe, expect, it } from 'vitest';
import {
  guardAfter,
  guardAfterInPlace,
  guardBefore,
  guardBeforeInPlace,
  guardConfigSchema,
  newRunState,
  type CallEnd,
  type CallStart,
  type GuardConfig,
  type RunState,
} from '../../src/guard/index.js';
import { Words } from './guard-driver.js';

interface Step {
  start: CallStart;
  end: CallEnd | null;
}

/** A varied run: several agents, parents, tool calls, failures, a looping stretch, pauses in time. */
function steps(n: number, seed: number): Step[] {
  const words = new Words(seed);
  const out: Step[] = [];
  let clock = 1_000_000;
  for (let i = 0; i < n; i++) {
    clock += i % 37 === 0 ? 20_000 : 150;
    const looping = i % 60 > 45;
    const agent = i % 11 === 0 ? null : `agent-${i % 3}`;
    const user = looping ? 'do the same thing again' : words.text(15);
    const messages = [{ role: 'user', content: 'task' }, { role: 'assistant', content: looping ? 'ok' : words.text(4) }, { role: 'user', content: user }];
    const start: CallStart = { callId: `c${i}`, at: clock, agent, parent: i > 0 && i % 4 === 0 ? `c${i - 1}` : null, model: 'm', messages, system: null, promptBytes: 200 + i * 10, scopes: ['key:k'] };
    const fail = i % 17 === 5;
    const end: CallEnd | null =
      i % 9 === 4
        ? null // never ends: stays in flight
        : {
            callId: start.callId,
            at: clock + 100,
            costNanos: 1000,
            promptTokens: 10,
            outputTokens: 5,
            outputText: looping ? 'Confirmed.' : words.text(20),
            toolCalls: i % 5 === 0 ? [{ name: 'read_file', arguments: JSON.stringify({ path: looping ? 'a.ts' : `f${i}.ts` }) }] : [],
            ok: !fail,
            errorStatus: fail ? 500 : null,
          };
    out.push({ start, end });
  }
  return out;
}

/** Each config with the outcomes its run must reach (so the paths that change state the most are compared). */
const configs: [string, GuardConfig, string[]][] = [
  ['defaults', guardConfigSchema.parse({}), ['warn', 'run_terminated']],
  [
    'pause, then resume on timeout, tight caps',
    guardConfigSchema.parse({ caps: { max_calls: 120, max_concurrent: 6, max_depth: 3 }, escalation: { pause_after: 1, terminate_after: null }, pause_timeout_ms: 3_000, on_pause_timeout: 'resume' }),
    ['warn', 'run_paused', 'run_concurrency_exceeded'],
  ],
  ['warn only', guardConfigSchema.parse({ escalation: { terminate_after: null } }), ['warn']],
];

describe('run guard, in place and pure', () => {
  for (const [name, cfg, reached] of configs) {
    it(`decide the same and end in the same state (${name}); the pure API leaves its input unchanged`, () => {
      let pure: RunState = newRunState('run-1', 1_000_000);
      const live: RunState = newRunState('run-1', 1_000_000);
      const actions = new Set<string>();
      for (const [i, { start, end }] of steps(200, 3).entries()) {
        const before = JSON.stringify(pure);
        const b = guardBefore(pure, start, cfg, start.at);
        expect(JSON.stringify(pure), `input of guardBefore changed at call ${i}`).toBe(before);
        expect(guardBeforeInPlace(live, start, cfg, start.at), `call ${i}`).toEqual(b.decision);
        expect(live, `state after guardBefore, call ${i}`).toEqual(b.state);
        pure = b.state;
        actions.add(b.decision.refuse ?? b.decision.action);
        if (b.decision.refuse !== null || end === null) continue;
        const mid = JSON.stringify(pure);
        const a = guardAfter(pure, end, cfg);
        expect(JSON.stringify(pure), `input of guardAfter changed at call ${i}`).toBe(mid);
        expect(guardAfterInPlace(live, end, cfg), `call ${i}`).toEqual(a.decision);
        expect(live, `state after guardAfter, call ${i}`).toEqual(a.state);
        pure = a.state;
        actions.add(a.decision.action);
      }
      for (const a of reached) expect([...actions], a).toContain(a);
    });
  }

  it('a call refused by a detector leaves calls, agents, depth, recent and in-flight calls as they were', () => {
    const cfg = guardConfigSchema.parse({});
    const s = newRunState('run-2', 0);
    let clock = 0;
    let refusedAt = -1;
    for (let i = 0; i < 40 && refusedAt < 0; i++) {
      clock += 100;
      const start: CallStart = { callId: `c${i}`, at: clock, agent: `a${i % 2}`, parent: null, model: 'm', messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'the same request again and again' }], system: null, promptBytes: 100, scopes: [] };
      const snapshot = structuredClone(s);
      const d = guardBeforeInPlace(s, start, cfg, clock);
      if (d.refuse !== null) {
        refusedAt = i;
        expect(d.refuse).toBe('run_terminated');
        expect(s.calls).toBe(snapshot.calls);
        expect(s.refused).toBe(snapshot.refused + 1);
        expect(s.agents).toEqual(snapshot.agents);
        expect(s.maxDepth).toBe(snapshot.maxDepth);
        expect(s.recent).toEqual(snapshot.recent);
        expect(s.inFlight).toEqual(snapshot.inFlight);
        expect(s.status).toBe('terminated');
        break;
      }
      clock += 100;
      guardAfterInPlace(s, { callId: start.callId, at: clock, costNanos: 1, promptTokens: 1, outputTokens: 1, outputText: `answer number ${i} ${'word '.repeat(i)}`, toolCalls: [], ok: true, errorStatus: null }, cfg);
    }
    expect(refusedAt).toBeGreaterThan(0);
  });
});
