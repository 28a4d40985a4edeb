import { describe, expect, it } from 'vitest';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream.js';

const ev = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;

describe('OpenAIStreamMeter, usage on chunks that also carry content', () => {
  // Some OpenAI-compatible servers repeat usage on every chunk, or put it on the last content chunk.
  const body =
    [1, 2, 3, 4, 5].map((i) => ev({ choices: [{ index: 0, delta: { content: `w${i} ` } }], usage: { prompt_tokens: 10, completion_tokens: i } })).join('') +
    'data: [DONE]\n\n';

  it('counts and keeps those chunks as generated output, in one push or byte by byte', () => {
    for (const pieces of [[body], [...Buffer.from(body)].map((b) => String.fromCharCode(b))]) {
      const m = new OpenAIStreamMeter(false);
      let out = '';
      for (const p of pieces) out += m.push(Buffer.from(p, 'latin1'))?.toString('latin1') ?? '';
      out += m.flush()?.toString('latin1') ?? '';
      expect(Buffer.from(out, 'latin1').toString()).toBe(body);
      expect(m.generatedDeltas()).toBe(5);
      expect(m.output().text).toBe('w1 w2 w3 w4 w5 ');
      expect(m.metered()).toMatchObject({ complete: true, usage: { input: 10, output: 5 } });
    }
  });

  it('still drops the usage-only chunk the client did not ask for', () => {
    const m = new OpenAIStreamMeter(false);
    const usageOnly = ev({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } });
    const out = m.push(Buffer.from(ev({ choices: [{ index: 0, delta: { content: 'a' } }] }) + usageOnly));
    expect(out?.toString()).not.toContain('"usage"');
    expect(m.generatedDeltas()).toBe(1);
  });
});

describe('OpenAIStreamMeter, "usage": null on every chunk once upstream was asked for usage', () => {
  it('drops "usage": null from the chunks of a client that did not ask, wherever the member sits', () => {
    const cases: [string, string][] = [
      ['{"id":"a","choices":[],"usage":null}', '{"id":"a","choices":[]}'],
      ['{"id": "a", "choices": [], "usage" : null, "obfuscation": "x"}', '{"id": "a", "choices": [], "obfuscation": "x"}'],
      ['{"usage":null,"id":"a"}', '{"id":"a"}'],
      ['{ "usage": null }', '{  }'],
      // The same bytes inside a string are not a member.
      ['{"choices":[{"delta":{"content":"x\\",\\"usage\\":null}"}}]}', '{"choices":[{"delta":{"content":"x\\",\\"usage\\":null}"}}]}'],
    ];
    for (const [data, want] of cases) {
      JSON.parse(data);
      const asked = new OpenAIStreamMeter(true);
      expect(asked.push(Buffer.from(`data: ${data}\n\n`))?.toString()).toBe(`data: ${data}\n\n`);
      const m = new OpenAIStreamMeter(false);
      expect(m.push(Buffer.from(`data: ${data}\n\n`))?.toString()).toBe(`data: ${want}\n\n`);
      // Unterminated, at the end of the stream.
      const t = new OpenAIStreamMeter(false);
      expect(t.push(Buffer.from(`data: ${data}`))).toBeNull();
      expect(t.flush()?.toString()).toBe(`data: ${want}`);
    }
  });
});
