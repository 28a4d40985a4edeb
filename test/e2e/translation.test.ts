/** Each official SDK served by the "other" provider through the mock: translated both ways, metered on the provider's own usage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;
beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'mixed' });
});
afterAll(() => s.close());

const d = { prompt_tokens: 1000, cached_tokens: 600, completion_tokens: 40 };

describe('cross-format translation', () => {
  it('serves an OpenAI client from an Anthropic model, streaming and not, metered exactly', async () => {
    const client = s.openai(key);
    const { data, response } = await client.chat.completions
      .create({ model: 'test-claude', max_tokens: 100, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: directive(d) }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    // OpenAI's prompt_tokens include cached tokens; Anthropic reported them apart.
    expect(data.usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 600 } });
    expect(s.mock.stats.lastPath).toBe('/v1/messages');
    expect((s.mock.stats.lastBody as { system: unknown }).system).toBeTruthy();
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ inputTokens: 400, cachedInputTokens: 600, outputTokens: 40, provider: 'anthropic', servedModel: 'test-claude', estimated: false });

    const stream = await client.chat.completions.create({ model: 'test-claude', max_tokens: 100, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: directive(d) }] });
    let text = '';
    let usage: unknown = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text.trim().split(/\s+/)).toHaveLength(40);
    expect(usage).toMatchObject({ prompt_tokens: 1000, completion_tokens: 40 });
  });

  it('translates tool definitions and tool calls both ways', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', description: 'find', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }];
    const r = await s.openai(key).chat.completions.create({ model: 'test-claude', max_tokens: 100, tools, messages: [{ role: 'user', content: directive({ tool_call: { name: 'lookup', arguments: { q: 'tollgate' } } }) }] });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ q: 'tollgate' });
    expect((s.mock.stats.lastBody as { tools: { name: string; input_schema: unknown }[] }).tools[0]).toMatchObject({ name: 'lookup', input_schema: { type: 'object' } });

    const m = await s.anthropic(key).messages.create({
      model: 'test-gpt',
      max_tokens: 100,
      tools: [{ name: 'lookup', description: 'find', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      messages: [{ role: 'user', content: directive({ tool_call: { name: 'lookup', arguments: '{"q":"gate"}' } }) }],
    });
    expect(m.stop_reason).toBe('tool_use');
    const block = m.content.find((b) => b.type === 'tool_use');
    expect(block?.type === 'tool_use' && block.input).toEqual({ q: 'gate' });
  });

  it('serves an Anthropic client from an OpenAI-compatible model, streaming and not, metered exactly', async () => {
    const client = s.anthropic(key);
    const { data, response } = await client.messages
      .create({ model: 'test-gpt', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    expect(data.type).toBe('message');
    expect(data.usage).toMatchObject({ input_tokens: 400, cache_read_input_tokens: 600, output_tokens: 40 });
    expect(s.mock.stats.lastPath).toBe('/v1/chat/completions');
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ inputTokens: 400, cachedInputTokens: 600, outputTokens: 40, provider: 'openai', endpoint: 'messages' });

    const { data: stream, response: sr } = await client.messages
      .create({ model: 'test-gpt', max_tokens: 100, stream: true, messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    const srow = await s.waitForCall(sr.headers.get('x-tollgate-call-id')!);
    expect(srow).toMatchObject({ inputTokens: 400, cachedInputTokens: 600, outputTokens: 40, stream: true, estimated: false });
  });

  it('refuses what cannot be mapped, clearly, in the caller’s shape', async () => {
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: 'test-claude', n: 3, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('unsupported_format');
    expect(body.error.message).toMatch(/\bn\b/);
  });
});
