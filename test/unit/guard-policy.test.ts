/** The guard's decisions: caps, pause / resume / kill, allow-list, escalation, the judge hook. */
import { describe, expect, it } from 'vitest';
import { allowRun, applyJudgeVerdict, capsFor, guardConfigSchema, judgeDue, killRun, matchesRunPattern, pauseRun, resumeRun, stoppedByOperator } from '../../src/guard/index.js';
import { RunDriver, Words } from './guard-driver.js';

const words = new Words(3);
const cfgWith = (raw: Record<string, unknown>) => guardConfigSchema.parse(raw);
/** A loop only one detector sees: the same request again and again (answered with new text each time). */
const loop = { agent: 'a', user: 'Same request every time, nothing changes here at all.', get text(): string { return words.text(20); } };

describe('config', () => {
  it('parses {} to the default policy', () => {
    const cfg = guardConfigSchema.parse({});
    expect(cfg.enabled).toBe(true);
    expect(cfg.caps).toEqual({ max_calls: 500, max_cost_usd: 100, max_depth: 64, max_wall_ms: 43_200_000, max_concurrent: 128 });
    expect(cfg.escalation).toEqual({ warn: true, pause_after: null, terminate_after: 2, cool_down_calls: 1 });
    expect(cfg.detectors.repeated_tool_calls).toEqual({ enabled: true, threshold: 0.6, streak: 5 });
    expect(cfg.judge.enabled).toBe(false);
    expect(cfg.allow_runs).toEqual([]);
  });

  it('fills defaults inside partial objects and rejects unknown keys', () => {
    const cfg = cfgWith({ caps: { max_calls: 10 }, detectors: { echo_chatter: { threshold: 0.9 } } });
    expect(cfg.caps.max_cost_usd).toBe(100);
    expect(cfg.detectors.echo_chatter.stale_calls).toBe(6);
    expect(cfg.detectors.repeated_requests.similarity).toBe(0.9);
    expect(() => guardConfigSchema.parse({ caps: { max_call: 1 } })).toThrow();
  });

  it('applies cap overrides for matching scopes, in order', () => {
    const cfg = cfgWith({ cap_overrides: [{ scope: 'team:batch', max_calls: 5000, max_cost_usd: null }, { scope: 'key:k1', max_calls: 20 }] });
    expect(capsFor(cfg, ['team:batch']).maxCalls).toBe(5000);
    expect(capsFor(cfg, ['team:batch']).maxCostNanos).toBeNull();
    expect(capsFor(cfg, ['team:batch', 'key:k1']).maxCalls).toBe(20);
    expect(capsFor(cfg, ['team:web']).maxCostNanos).toBe(100e9);
  });
});

describe('caps', () => {
  it('refuses the call past max_calls and terminates the run', () => {
    const d = new RunDriver(cfgWith({ caps: { max_calls: 3 } }));
    for (let i = 0; i < 3; i++) expect(d.call({ user: words.text(20), text: words.text(20) }).before.refuse).toBeNull();
    const r = d.call({ user: words.text(20) });
    expect(r.before).toMatchObject({ action: 'terminate', refuse: 'run_terminated' });
    expect(r.before.reason).toMatch(/max calls 3/);
    expect(d.state.status).toBe('terminated');
    expect(d.call({ user: words.text(20) }).before.refuse).toBe('run_terminated');
  });

  it('refuses once the run has spent max_cost_usd', () => {
    const d = new RunDriver(cfgWith({ caps: { max_cost_usd: 0.01 } }));
    d.call({ user: words.text(20), text: words.text(20), costNanos: 6e6 });
    expect(d.call({ user: words.text(20), text: words.text(20), costNanos: 6e6 }).before.refuse).toBeNull();
    expect(d.call({ user: words.text(20) }).before.reason).toMatch(/max cost \$0\.01/);
  });

  it('names a cap below a cent in readable dollars, not $0.00', () => {
    const d = new RunDriver(cfgWith({ caps: { max_cost_usd: 0.0005 } }));
    d.call({ user: words.text(20), text: words.text(20), costNanos: 600_000 });
    const reason = d.call({ user: words.text(20) }).before.reason;
    expect(reason).toContain('max cost $0.0005 reached ($0.0006 spent)');
    expect(reason).not.toContain('$0.00 ');
  });

  it('refuses calls deeper than max_depth (parent unknown = depth 1)', () => {
    const d = new RunDriver(cfgWith({ caps: { max_depth: 3 } }));
    const a = d.call({ user: words.text(10), text: words.text(10) });
    expect(d.state.maxDepth).toBe(1);
    const b = d.call({ parent: a.id, user: words.text(10), text: words.text(10) });
    const c = d.call({ parent: b.id, user: words.text(10), text: words.text(10) });
    expect(d.state.maxDepth).toBe(3);
    expect(d.call({ parent: 'unknown-call', user: words.text(10), text: words.text(10) }).before.refuse).toBeNull();
    expect(d.call({ parent: c.id, user: words.text(10) }).before.reason).toMatch(/deeper than 3/);
  });

  it('refuses past max_wall_ms from the first call', () => {
    const d = new RunDriver(cfgWith({ caps: { max_wall_ms: 60_000 } }));
    d.call({ user: words.text(10), text: words.text(10) });
    expect(d.call({ user: words.text(10), gapMs: 70_000 }).before.reason).toMatch(/wall time/);
  });

  it('refuses only the call over max_concurrent, and the run goes on', () => {
    const d = new RunDriver(cfgWith({ caps: { max_concurrent: 2 } }));
    const a = d.start({ user: words.text(10) });
    d.start({ user: words.text(10) });
    expect(d.state.inFlight).toHaveLength(2);
    const third = d.start({ user: words.text(10) });
    expect(third.decision).toMatchObject({ refuse: 'run_concurrency_exceeded' });
    expect(d.state.status).toBe('active');
    d.end(a.id, { text: words.text(10) });
    expect(d.start({ user: words.text(10) }).decision.refuse).toBeNull();
  });

  it('drops in-flight calls that never ended after a long while', () => {
    const d = new RunDriver(cfgWith({ caps: { max_concurrent: 1 } }));
    d.start({ user: words.text(10) });
    expect(d.start({ user: words.text(10) }).decision.refuse).toBe('run_concurrency_exceeded');
    expect(d.start({ user: words.text(10), gapMs: 31 * 60_000 }).decision.refuse).toBeNull();
  });
});

describe('escalation', () => {
  it('warns at the first detection and terminates after terminate_after more detecting calls', () => {
    const d = new RunDriver();
    const actions: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = d.call(loop);
      actions.push(r.before.refuse ?? r.before.action);
      if (r.before.refuse) break;
    }
    // call 0 is new, 1-2 repeat it (score 0.2, 0.4), 3 reaches 0.6: warn; 4 and 5 hold: terminate on 5.
    expect(actions).toEqual(['allow', 'allow', 'allow', 'warn', 'warn', 'run_terminated']);
    expect(d.state.warnings).toBe(2);
    expect(d.state.statusReason).toMatch(/repeated_requests/);
    expect(d.state.evidence[0]?.calls.length).toBeGreaterThan(0);
  });

  it('a terminate decided after a call refuses the next call', () => {
    const d = new RunDriver();
    let after: string | undefined;
    for (let i = 0; i < 10 && d.state.status === 'active'; i++) {
      after = d.call({ agent: 'coder', user: words.text(20), tool: { name: 'read_file', arguments: '{"path":"a.ts"}' } }).after?.action;
    }
    expect(after).toBe('terminate');
    expect(d.call({ user: words.text(10) }).before.refuse).toBe('run_terminated');
  });

  it('clears after a clean call (cool_down_calls)', () => {
    const d = new RunDriver();
    for (let i = 0; i < 4; i++) d.call(loop);
    expect(d.state.strikes).toBe(1);
    d.call({ agent: 'a', user: words.text(30), text: words.text(30) });
    expect(d.state.strikes).toBe(0);
    expect(d.state.status).toBe('active');
  });

  it('pauses instead when pause_after comes first, and resumes with a fresh ladder', () => {
    const d = new RunDriver(cfgWith({ escalation: { pause_after: 1, terminate_after: 4 } }));
    let refused = null;
    for (let i = 0; i < 10 && refused === null; i++) refused = d.call(loop).before.refuse;
    expect(refused).toBe('run_paused');
    expect(d.state.status).toBe('paused');
    expect(d.call({ user: words.text(10) }).before).toMatchObject({ action: 'pause', refuse: 'run_paused' });
    d.state = resumeRun(d.state, d.clock);
    expect(d.state).toMatchObject({ status: 'active', strikes: 0 });
    expect(d.call({ agent: 'a', user: words.text(20), text: words.text(20) }).before.refuse).toBeNull();
  });

  it('ends a pause after pause_timeout_ms: terminate by default, or resume', () => {
    for (const [onTimeout, expected] of [['terminate', 'run_terminated'], ['resume', null]] as const) {
      const d = new RunDriver(cfgWith({ escalation: { pause_after: 0 }, pause_timeout_ms: 60_000, on_pause_timeout: onTimeout }));
      for (let i = 0; i < 10 && d.state.status === 'active'; i++) d.call(loop);
      expect(d.state.status).toBe('paused');
      expect(d.call({ user: words.text(10), gapMs: 61_000 }).before.refuse).toBe(expected);
    }
  });

  it('never stops a run when escalation is warn-only', () => {
    const d = new RunDriver(cfgWith({ escalation: { terminate_after: null } }));
    for (let i = 0; i < 30; i++) expect(d.call(loop).before.refuse).toBeNull();
    expect(d.state.warnings).toBeGreaterThan(10);
  });
});

describe('kill, allow-list, disabled', () => {
  it('kill refuses every further call, even allow-listed', () => {
    const d = new RunDriver(cfgWith({ allow_runs: ['run-*'] }));
    d.call({ user: words.text(10), text: words.text(10) });
    d.state = killRun(d.state, d.clock, 'by the admin');
    const r = d.call({ user: words.text(10) });
    expect(r.before).toMatchObject({ action: 'terminate', refuse: 'run_terminated' });
    expect(r.before.reason).toBe('killed: by the admin');
  });

  it("allowing a run lifts the guard's stop (detector, cap, timed-out pause) but not an operator's kill or pause", () => {
    // Stopped by a detector, then allow-listed (as the admin API does: allowRun + the run in allow_runs).
    const d = new RunDriver();
    expect(d.until(20, () => loop)).toBeGreaterThan(0);
    expect(d.state.status).toBe('terminated');
    expect(stoppedByOperator(d.state.statusReason)).toBe(false);
    d.state = allowRun(d.state, d.clock);
    expect(d.state).toMatchObject({ status: 'active', statusReason: null, strikes: 0 });
    d.cfg = cfgWith({ allow_runs: [d.state.runId] });
    for (let i = 0; i < 10; i++) expect(d.call(loop).before).toMatchObject({ action: 'allow', refuse: null });

    // Stopped by a cap: the same.
    const c = new RunDriver(cfgWith({ caps: { max_calls: 2 } }));
    for (let i = 0; i < 3; i++) c.call({ user: words.text(20), text: words.text(20) });
    expect(c.state.status).toBe('terminated');
    expect(allowRun(c.state, c.clock).status).toBe('active');

    // An operator's kill or pause stays; resume lifts either (and a guard stop too).
    for (const stop of [(s: RunDriver['state'], at: number) => killRun(s, at, 'by the admin'), (s: RunDriver['state'], at: number) => pauseRun(s, at, 'by the admin')]) {
      const o = new RunDriver();
      o.call({ user: words.text(10), text: words.text(10) });
      o.state = stop(o.state, o.clock);
      expect(stoppedByOperator(o.state.statusReason)).toBe(true);
      expect(allowRun(o.state, o.clock)).toBe(o.state);
      o.state = resumeRun(o.state, o.clock);
      expect(o.state.status).toBe('active');
      expect(o.call({ user: words.text(10), text: words.text(10) }).before.refuse).toBeNull();
    }
    const g = new RunDriver();
    g.until(20, () => loop);
    expect(resumeRun(g.state, g.clock)).toMatchObject({ status: 'active', strikes: 0 });
  });

  it('an allow-listed run passes caps and detectors but is still counted', () => {
    const d = new RunDriver(cfgWith({ allow_runs: ['nightly-*'], caps: { max_calls: 2 } }), 'nightly-2025-06-01');
    for (let i = 0; i < 20; i++) expect(d.call(loop).before).toMatchObject({ action: 'allow', refuse: null });
    expect(d.state.calls).toBe(20);
    expect(d.state.warnings).toBe(0);
  });

  it('matches run patterns with *', () => {
    expect(matchesRunPattern('nightly-42', 'nightly-*')).toBe(true);
    expect(matchesRunPattern('x-nightly-42', 'nightly-*')).toBe(false);
    expect(matchesRunPattern('a-b-c', '*-b-*')).toBe(true);
    expect(matchesRunPattern('ab', 'a*b*')).toBe(true);
    expect(matchesRunPattern('exact', 'exact')).toBe(true);
    expect(matchesRunPattern('exactly', 'exact')).toBe(false);
  });

  it('does nothing but count when disabled', () => {
    const d = new RunDriver(cfgWith({ enabled: false, caps: { max_calls: 1 } }));
    for (let i = 0; i < 10; i++) expect(d.call(loop).before.refuse).toBeNull();
    expect(d.state.calls).toBe(10);
  });
});

describe('judge hook', () => {
  it('is due after after_calls, then every every_calls, and escalates like a detector', () => {
    const cfg = cfgWith({ judge: { enabled: true, model: 'cheap', after_calls: 3, every_calls: 2 } });
    const d = new RunDriver(cfg);
    for (let i = 0; i < 2; i++) d.call({ user: words.text(10), text: words.text(10) });
    expect(judgeDue(d.state, cfg)).toBe(false);
    d.call({ user: words.text(10), text: words.text(10) });
    expect(judgeDue(d.state, cfg)).toBe(true);
    let r = applyJudgeVerdict(d.state, { looping: true, confidence: 0.95, summary: 'the agents only thank each other' }, cfg, d.clock);
    expect(r.decision.action).toBe('warn');
    expect(judgeDue(r.state, cfg)).toBe(false);
    r = applyJudgeVerdict(r.state, { looping: true, confidence: 0.5, summary: 'unsure' }, cfg, d.clock);
    expect(r.decision.action).toBe('allow');
    // Off by default.
    expect(judgeDue(d.state, guardConfigSchema.parse({}))).toBe(false);
  });
});
