/** The run state stays bounded and JSON-serialisable however long the run. */
import { describe, expect, it } from 'vitest';
import { guardConfigSchema, MAX_AGENTS, MAX_EVIDENCE, MAX_IN_FLIGHT, newRunState, RECENT_CALLS, REQUEST_HISTORY, resetRunState, type RunState } from '../../src/guard/index.js';
import { BLOOM_WORDS } from '../../src/guard/novelty.js';
import { RunDriver, Words } from './guard-driver.js';

/** Generous: the state of the longest eval runs is about 20 KB. */
const MAX_STATE_JSON_BYTES = 64 * 1024;

function checkBounds(s: RunState): void {
  expect(s.recent.length).toBeLessThanOrEqual(RECENT_CALLS);
  expect(s.requests.flat().length).toBeLessThanOrEqual(2 * REQUEST_HISTORY);
  expect(s.agents.length).toBeLessThanOrEqual(MAX_AGENTS);
  expect(s.inFlight.length).toBeLessThanOrEqual(MAX_IN_FLIGHT);
  expect(s.evidence.length).toBeLessThanOrEqual(MAX_EVIDENCE);
  expect(s.novelty.cur).toHaveLength(BLOOM_WORDS);
  expect(s.novelty.prev).toHaveLength(BLOOM_WORDS);
  expect(JSON.stringify(s).length).toBeLessThan(MAX_STATE_JSON_BYTES);
}

describe('run state', () => {
  it('stays bounded after 10,000 calls from 100 agents with long ids, texts and tool calls', () => {
    const words = new Words(5);
    // No caps and warn-only, so the run goes on (and keeps collecting evidence) for all 10,000 calls.
    const caps = { max_calls: null, max_cost_usd: null, max_depth: null, max_wall_ms: null, max_concurrent: null };
    const d = new RunDriver(guardConfigSchema.parse({ caps, escalation: { terminate_after: null } }));
    let maxBytes = 0;
    for (let i = 0; i < 10_000; i++) {
      const looping = i % 500 > 450;
      d.call({
        agent: `agent-${i % 100}-${'x'.repeat(200)}`,
        parent: i > 0 ? `c${i - 1}` : null,
        user: looping ? 'again the same request' : words.text(40),
        text: looping ? 'Confirmed.' : words.text(60),
        tool: i % 7 === 0 ? { name: 'read_file', arguments: JSON.stringify({ path: `src/${i % 13}.ts` }) } : undefined,
        costNanos: 1000,
      });
      if (i % 500 === 0) {
        checkBounds(d.state);
        maxBytes = Math.max(maxBytes, JSON.stringify(d.state).length);
      }
    }
    checkBounds(d.state);
    expect(d.state.calls).toBe(10_000);
    expect(d.state.costNanos).toBe(10_000_000);
    expect(d.state.agents.reduce((n, a) => n + a.calls, 0)).toBe(10_000);
    expect(d.state.maxDepth).toBeGreaterThan(RECENT_CALLS);
    expect(d.state.warnings).toBeGreaterThan(0);
    expect(maxBytes).toBeGreaterThan(0);
  });

  it('keeps at most MAX_IN_FLIGHT calls in flight even when ends never come', () => {
    const d = new RunDriver(guardConfigSchema.parse({ caps: { max_concurrent: null } }));
    for (let i = 0; i < MAX_IN_FLIGHT + 50; i++) d.start({ user: `q${i}`, gapMs: 1 });
    checkBounds(d.state);
  });

  it('round-trips through JSON and decides the same afterwards', () => {
    const words = new Words(9);
    const a = new RunDriver();
    const b = new RunDriver();
    const steps = Array.from({ length: 40 }, (_, i) => ({ agent: i % 2 ? 'x' : 'y', user: i > 20 ? 'stuck' : words.text(20), text: i > 20 ? 'Confirmed.' : words.text(20) }));
    for (const [i, s] of steps.entries()) {
      const ra = a.call(s);
      b.state = JSON.parse(JSON.stringify(b.state)) as RunState;
      const rb = b.call(s);
      expect(rb.before, `call ${i}`).toEqual(ra.before);
      expect(rb.after, `call ${i}`).toEqual(ra.after);
    }
    expect(b.state).toEqual(a.state);
  });

  it('resets in place to exactly a new run state, keeping its arrays', () => {
    const words = new Words(9);
    const d = new RunDriver(guardConfigSchema.parse({ caps: { max_calls: 40 } }));
    for (let i = 0; i < 60; i++) d.call({ agent: `a${i % 3}`, parent: i > 0 ? `c${i - 1}` : null, user: i % 5 ? words.text(30) : 'the same again', text: words.text(40), costNanos: 5_000 });
    const s = d.state;
    expect(s.calls).toBeGreaterThan(0);
    expect(s.status).toBe('terminated');
    const { recent, novelty } = s;
    const evidence = s.evidence;
    expect(resetRunState(s, 'run-2', 12_345)).toBe(s);
    expect(s).toEqual(newRunState('run-2', 12_345));
    expect(s.recent).toBe(recent);
    expect(s.novelty.cur).toBe(novelty.cur);
    // Evidence a decision handed out is left as it was.
    expect(s.evidence).not.toBe(evidence);
  });
});
