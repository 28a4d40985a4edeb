/** The evaluation harness's pieces: the mock's scripted reply text, and the committed corpus. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { conversations, parseCorpus } from '../../eval/guard/corpus.js';
import { corpusText, generateCorpus } from '../../eval/guard/simulate.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await startMockProvider();
});
afterAll(async () => {
  await mock.close();
});

async function chat(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${mock.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.text();
}

describe('mock reply_text', () => {
  const text = 'Confirmed, "quoted" — and a second line\nwith  spaces.';
  const messages = [{ role: 'user', content: `hi [[mock:${JSON.stringify({ reply_text: text })}]]` }];

  it('is the content of a non-streamed OpenAI reply, with usage counted from it', async () => {
    const body = JSON.parse(await chat({ model: 'm', messages })) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    expect(body.choices[0]?.message.content).toBe(text);
    expect(body.usage.completion_tokens).toBeGreaterThan(5);
  });

  it('streams word by word and adds up to the same text', async () => {
    const raw = await chat({ model: 'm', messages, stream: true });
    let out = '';
    for (const line of raw.split('\n')) {
      if (!line.startsWith('data: {')) continue;
      const chunk = JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] };
      out += chunk.choices[0]?.delta.content ?? '';
    }
    expect(out).toBe(text);
  });
});

describe('corpus', () => {
  const runs = parseCorpus(readFileSync(new URL('../../eval/guard/corpus.jsonl', import.meta.url), 'utf8'));

  it('has at least 40 labelled runs of every kind', () => {
    expect(runs.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(runs.map((r) => r.kind));
    for (const k of ['ping-pong', 'tool-loop', 'retry-storm', 'conversation-reset', 'growing-chain', 'late-loop', 'coding-session', 'map-reduce', 'debate', 'polling', 'upstream-retries']) {
      expect(kinds, k).toContain(k);
    }
    for (const r of runs) {
      if (r.label === 'loop') expect(r.onset, r.id).not.toBeNull();
      else expect(r.onset, r.id).toBeNull();
      if (r.onset !== null) expect(r.onset).toBeLessThan(r.calls.length);
    }
    expect(runs.find((r) => r.kind === 'coding-session' && r.calls.length >= 180)).toBeDefined();
    expect(runs.find((r) => r.kind === 'map-reduce')?.calls.filter((c) => c.agent?.startsWith('worker')).length).toBe(50);
  });

  it('is what the simulator generates (deterministic)', () => {
    expect(corpusText(generateCorpus())).toBe(readFileSync(new URL('../../eval/guard/corpus.jsonl', import.meta.url), 'utf8'));
  });

  it('rebuilds growing conversations from the incremental format', () => {
    const session = runs.find((r) => r.kind === 'coding-session')!;
    const convs = conversations(session);
    expect(convs[1]!.length).toBeGreaterThan(convs[0]!.length);
    expect(convs[convs.length - 1]!.length).toBeGreaterThan(100);
  });
});
