/**
 * The run guard decides the same on the digests the ledger keeps as on the text: what makes replaying
 * the guard from the ledger (without prompts) equal to the live gateway.
 */
import { describe, expect, it } from 'vitest';
import { digestRequest, guardAfter, guardBefore, guardConfigSchema, newRunState, outputFeatures, type RunState } from '../../src/guard/index.js';

const cfg = guardConfigSchema.parse({});
const SAY = ['Please confirm the summary is final.', 'Confirmed. The summary is final.', 'Great, thanks! All set.'];
const FRESH = (i: number): string => `Step ${i}: parsed ${i * 7} files, the index ${i % 3 ? 'grew' : 'shrank'} by ${i * 13} entries; next the ${['lexer', 'cache', 'router', 'ledger'][i % 4]}.`;

function script(): { messages: unknown[]; output: string; tools: { name: string; arguments: string }[]; agent: string; at: number }[] {
  const out = [];
  for (let i = 0; i < 40; i++) {
    const looping = i >= 20 && i < 32;
    const agent = i % 2 ? 'reviewer' : 'writer';
    const messages = [
      { role: 'system', content: 'You are careful.' },
      { role: 'user', content: looping ? SAY[i % 2]! : `Task ${i}: ${FRESH(i)}` },
      ...(i % 5 === 0 ? [{ role: 'assistant', content: FRESH(i - 1) }, { role: 'user', content: 'and then?' }] : []),
    ];
    const tools = i % 7 === 3 ? [{ name: 'read_file', arguments: JSON.stringify({ path: `src/f${looping ? 1 : i}.ts` }) }] : [];
    out.push({ messages, output: looping ? SAY[(i + 1) % 3]! : FRESH(i + 100), tools, agent, at: 1_000_000 + i * 3_000 });
  }
  return out;
}

describe('run guard on recorded digests', () => {
  it('takes the same decisions and reaches the same state as on the text', () => {
    let live: RunState = newRunState('r', 1_000_000);
    let replayed: RunState = newRunState('r', 1_000_000);
    const actions: string[] = [];
    for (const [i, c] of script().entries()) {
      const base = { callId: `c${i}`, at: c.at, agent: c.agent, parent: null, model: 'm', system: null, promptBytes: 500 };
      const a = guardBefore(live, { ...base, messages: c.messages }, cfg, c.at);
      const b = guardBefore(replayed, { ...base, messages: [], digest: digestRequest(c.messages) }, cfg, c.at);
      expect(b.decision).toEqual(a.decision);
      live = a.state;
      replayed = b.state;
      actions.push(a.decision.action);
      if (a.decision.refuse) continue;
      const end = { callId: `c${i}`, at: c.at + 1_000, costNanos: 10, promptTokens: 100, outputTokens: 20, ok: true, errorStatus: null };
      const x = guardAfter(live, { ...end, outputText: c.output, toolCalls: c.tools }, cfg);
      const y = guardAfter(replayed, { ...end, outputText: '', toolCalls: [], digest: outputFeatures(c.output, c.tools, cfg.detectors.echo_chatter.ack_max_words) }, cfg);
      expect(y.decision).toEqual(x.decision);
      live = x.state;
      replayed = y.state;
      actions.push(x.decision.action);
    }
    expect(replayed).toEqual(live);
    // The script loops: the guard did act on it (the comparison above is not between two no-ops).
    expect(actions.some((a) => a !== 'allow')).toBe(true);
  });

  it('keeps at most 48 hashes of an output, and no text', () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
    const f = outputFeatures(`${long} secret-marker`, [{ name: 'grep', arguments: '{"q":"secret-marker"}' }], 24);
    expect(f.sample.length).toBeLessThanOrEqual(48);
    expect(JSON.stringify(f)).not.toContain('secret-marker');
    expect(JSON.stringify(f)).not.toContain('word1');
  });
});
