/** Each loop detector fires on its loop and stays quiet on the healthy run that looks most like it. */
import { describe, expect, it } from 'vitest';
import { Conversation, RunDriver, Words } from './guard-driver.js';

const words = new Words(11);

describe('repeated requests', () => {
  it('fires when an agent keeps sending the same step (A-A-A)', () => {
    const d = new RunDriver();
    const task = `Summarise: ${words.text(60)}`;
    const stopped = d.until(20, () => ({ agent: 'a', user: task, text: words.text(30) }));
    expect(stopped).not.toBeNull();
    expect(stopped).toBeLessThanOrEqual(6);
    expect(d.state.evidence.map((e) => e.detector)).toContain('repeated_requests');
  });

  it('fires on an alternation (A-B-A-B)', () => {
    const d = new RunDriver();
    const a = `Check the ledger: ${words.text(40)}`;
    const b = `Check the budget: ${words.text(40)}`;
    const stopped = d.until(20, (i) => ({ user: i % 2 === 0 ? a : b, text: words.text(30) }));
    expect(stopped).not.toBeNull();
    expect(stopped).toBeLessThanOrEqual(8);
  });

  it('ignores ids, numbers and timestamps when comparing', () => {
    const d = new RunDriver();
    // The first is new; the next three repeat it: a score of 3 / 5.
    for (let i = 0; i < 4; i++) d.call({ user: `Job 4f2a-${i}1 at 2025-06-0${i + 1}T10:3${i}:00Z: status of the nightly export please`, text: words.text(20) });
    expect(d.score('repeated_requests')).toBe(0.6);
  });

  it('stays quiet for near-identical prompts over different documents', () => {
    const d = new RunDriver();
    const instruction = 'Summarise the following document for the quarterly risk report. List the risks, owners and deadlines.';
    for (let i = 0; i < 30; i++) {
      const r = d.call({ agent: 'worker', user: `${instruction}\n\n${words.text(120)}`, text: words.text(40) });
      expect(r.before.action).toBe('allow');
    }
    expect(d.score('repeated_requests')).toBe(0);
  });

  it('does not count identical requests in flight together (fan-out, best-of-n)', () => {
    const d = new RunDriver();
    const prompt = `Solve: ${words.text(30)}`;
    const ids = Array.from({ length: 6 }, () => d.start({ agent: 'solver', user: prompt, gapMs: 1 }).id);
    for (const id of ids) expect(d.end(id, { text: words.text(40), durationMs: 1 }).action).toBe('allow');
    expect(d.state.status).toBe('active');
  });
});

describe('repeated tool calls', () => {
  it('fires on the same tool with the same arguments, whatever the key order and fresh ids', () => {
    const d = new RunDriver();
    const conv = new Conversation('Fix the tests.');
    let prev: { tool: { name: string; arguments: string } } | null = null;
    const results: string[] = [];
    for (let i = 0; i < 8; i++) {
      const args = i % 2 === 0 ? { path: 'src/a.ts', request_id: `550e8400-e29b-41d4-a716-44665544000${i}` } : { request_id: `req_${i}`, path: 'src/a.ts' };
      const tool = { name: 'read_file', arguments: JSON.stringify(args) };
      const r = d.call({ agent: 'coder', messages: conv.next(prev, `${words.text(10)}`), tool });
      results.push(r.after?.action ?? `refused:${r.before.refuse}`);
      prev = { tool };
      if (r.before.refuse !== null || d.state.status !== 'active') break;
    }
    expect(results[2]).toBe('warn'); // the third identical call, as Cline warns
    expect(d.state.status).toBe('terminated');
    expect(d.state.evidence.map((e) => e.detector)).toContain('repeated_tool_calls');
  });

  it('stays quiet for similar but different calls', () => {
    const d = new RunDriver();
    const conv = new Conversation('Explore the repository.');
    let prev: { tool: { name: string; arguments: string } } | null = null;
    for (let i = 0; i < 40; i++) {
      const tool = { name: 'read_file', arguments: JSON.stringify({ path: `src/server/handlers/${words.word()}.ts` }) };
      const r = d.call({ agent: 'coder', messages: conv.next(prev, words.text(80)), tool });
      expect(r.before.refuse).toBeNull();
      prev = { tool };
    }
    expect(d.state.status).toBe('active');
    expect(d.score('repeated_tool_calls')).toBe(0);
  });

  it('stays quiet when identical polling calls are spaced out in time', () => {
    const d = new RunDriver();
    const conv = new Conversation('Run the backfill and report.');
    const tool = { name: 'check_status', arguments: '{"job_id":"job-12"}' };
    let prev: { tool: typeof tool } | null = null;
    for (let i = 0; i < 40; i++) {
      const r = d.call({ messages: conv.next(prev, `job-12: running, ${i * 2}% done`), tool, gapMs: 30_000 });
      expect(r.before.action).toBe('allow');
      expect(r.after?.action).toBe('allow');
      prev = { tool };
    }
  });
});

describe('agent ping-pong', () => {
  it('fires when two agents hand the turn back and forth without anything new', () => {
    const d = new RunDriver();
    const plan = words.text(25);
    const replies = ['Confirmed.', 'I agree.', `Looks good. As agreed: ${plan}`, 'Approved, nothing further to add.', `Thanks for confirming. ${plan}`];
    const stopped = d.until(30, (i) => ({ agent: i % 2 === 0 ? 'planner' : 'critic', user: `The other agent says: ${replies[(i + 1) % replies.length]}`, text: i < 2 ? plan : replies[i % replies.length] }));
    expect(stopped).not.toBeNull();
    expect(d.state.evidence.map((e) => e.detector)).toContain('agent_ping_pong');
  });

  it('stays quiet while the agents bring new content each turn', () => {
    const d = new RunDriver();
    for (let i = 0; i < 40; i++) {
      const r = d.call({ agent: i % 2 === 0 ? 'planner' : 'critic', user: words.text(40), text: words.text(50) });
      expect(r.before.refuse).toBeNull();
    }
    expect(d.score('agent_ping_pong')).toBe(0);
  });
});

describe('echo chatter', () => {
  it('fires on outputs restating earlier outputs', () => {
    const d = new RunDriver();
    const summary = words.text(40);
    const conv = new Conversation('Write up the findings.');
    let prev: { text: string } | null = null;
    let stopped: number | null = null;
    for (let i = 0; i < 20 && stopped === null; i++) {
      const text = i === 0 ? summary : `To summarise once more: ${summary}`;
      const r = d.call({ messages: conv.next(prev, 'Continue.'), text });
      prev = { text };
      if (r.before.refuse !== null) stopped = i;
    }
    expect(stopped).not.toBeNull();
    expect(d.state.evidence.map((e) => e.detector)).toContain('echo_chatter');
  });

  it('counts short affirmations as echoes, tool calls as actions', () => {
    const d = new RunDriver();
    d.call({ text: words.text(30) });
    d.call({ text: 'Confirmed, looks good to me.' });
    d.call({ text: 'Thanks! We are aligned.' });
    expect(d.score('echo_chatter')).toBeGreaterThan(0);
    d.call({ text: 'Agreed.', tool: { name: 'deploy', arguments: '{"env":"staging"}' } });
    expect(d.score('echo_chatter')).toBe(0);
  });

  it('stays quiet for a long session of new answers', () => {
    const d = new RunDriver();
    for (let i = 0; i < 60; i++) d.call({ user: words.text(15), text: words.text(60) });
    expect(d.state.warnings).toBe(0);
    expect(d.score('echo_chatter')).toBe(0);
  });
});

describe('context bloat', () => {
  it('fires when the prompt climbs on outputs that add nothing', () => {
    const d = new RunDriver();
    const answer = words.text(120);
    const conv = new Conversation('Draft the policy.');
    let prev: { text: string } | null = null;
    for (let i = 0; i < 12 && d.state.status === 'active'; i++) {
      const text = i === 0 ? answer : `Refined: ${answer}`;
      d.call({ agent: 'writer', messages: conv.next(prev, 'Refine the answer.'), text });
      prev = { text };
    }
    expect(d.state.status).toBe('terminated');
    expect(d.state.evidence.map((e) => e.detector)).toContain('context_bloat');
  });

  it('stays quiet when the prompt grows with new work', () => {
    const d = new RunDriver();
    const conv = new Conversation('Draft the policy.');
    let prev: { text: string } | null = null;
    for (let i = 0; i < 60; i++) {
      const text = words.text(80);
      d.call({ agent: 'writer', messages: conv.next(prev, words.text(20)), text });
      prev = { text };
    }
    expect(d.state.status).toBe('active');
    expect(d.score('context_bloat')).toBe(0);
  });
});

describe('retry storm', () => {
  it('fires on calls failing in a row without an upstream status', () => {
    const d = new RunDriver();
    const prompt = words.text(30);
    const stopped = d.until(20, () => ({ user: prompt, ok: false, status: null, gapMs: 5_000 }));
    expect(stopped).not.toBeNull();
    expect(d.state.evidence.map((e) => e.detector)).toContain('retry_storm');
  });

  it('fires on a request the upstream rejects (400) re-sent again and again', () => {
    const d = new RunDriver();
    const stopped = d.until(20, () => ({ user: 'same request', status: 400, gapMs: 100 }));
    expect(stopped).not.toBeNull();
  });

  it('fires on identical requests re-sent right after each answer', () => {
    const d = new RunDriver();
    const prompt = `Return JSON only. ${words.text(30)}`;
    const stopped = d.until(20, () => ({ agent: 'extractor', user: prompt, text: `{"items": [${words.word()}`, gapMs: 100 }));
    expect(stopped).not.toBeNull();
    expect(d.state.evidence.map((e) => e.detector)).toContain('retry_storm');
  });

  it('stays quiet on retries after real upstream errors (429, 5xx)', () => {
    const d = new RunDriver();
    const prompt = words.text(30);
    for (const status of [429, 503, 500, 529, 429, 502]) {
      const r = d.call({ user: prompt, status, gapMs: 1_000 });
      expect(r.before.refuse).toBeNull();
    }
    d.call({ user: prompt, text: words.text(30), gapMs: 1_000 });
    expect(d.state.status).toBe('active');
    expect(d.score('retry_storm')).toBe(0);
  });
});
