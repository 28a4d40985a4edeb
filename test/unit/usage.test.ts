import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage } from '../../src/providers/openai/usage.js';
import { mergeAnthropicUsage } from '../../src/providers/anthropic/usage.js';
import { lastObjectAfterKey } from '../../src/providers/json-slice.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream.js';
import { emptyUsage } from '../../src/pricing/usage.js';

describe('usage conversion into non-overlapping classes', () => {
  it('OpenAI: prompt includes cached, completion includes reasoning', () => {
    expect(
      convertOpenAIUsage({ prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 30 }, completion_tokens_details: { reasoning_tokens: 20 } }),
    ).toEqual({ input: 70, cachedInput: 30, cacheWrite5m: 0, cacheWrite1h: 0, output: 30, reasoning: 20 });
  });

  it('Anthropic: input excludes cache reads and writes; message_delta repeating totals does not double count', () => {
    const u = emptyUsage();
    mergeAnthropicUsage(u, { input_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 1 });
    mergeAnthropicUsage(u, { input_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 300, output_tokens: 77 });
    expect(u).toEqual({ input: 10, cachedInput: 500, cacheWrite5m: 100, cacheWrite1h: 200, output: 77, reasoning: 0 });
  });

  it('finds usage at the end of a body without being fooled by content', () => {
    const body = Buffer.from(JSON.stringify({ choices: [{ message: { content: 'the "usage":{"prompt_tokens":999} trick' } }], usage: { prompt_tokens: 5, completion_tokens: 2 } }));
    expect(lastObjectAfterKey(body, 'usage')).toEqual({ prompt_tokens: 5, completion_tokens: 2 });
  });

  it('drops only the usage chunk the client did not ask for, across split network chunks', () => {
    const events = [
      'data: {"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n',
      'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n',
      'data: [DONE]\n\n',
    ].join('');
    const meter = new OpenAIStreamMeter(false);
    let out = '';
    for (let i = 0; i < events.length; i += 7) out += meter.push(Buffer.from(events.slice(i, i + 7)));
    out += meter.flush();
    expect(out).not.toContain('prompt_tokens');
    expect(out).toContain('"content":"hi"');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(meter.metered()).toMatchObject({ complete: true, usage: { input: 3, output: 1 } });
    expect(meter.generatedText()).toBe('hi');
  });
});
