/**
 * Replayed streams read by the official SDKs: a tiny HTTP server serves the SSE that replayAsStream
 * produced, and the SDKs must rebuild the same text, tool calls and usage as the cached body.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleResponse } from '../../../src/cache/assemble.js';
import { pieces, replayAsStream } from '../../../src/cache/replay.js';

let server: Server;
let sse = '';
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.end(sse);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const text = 'Héllo wörld 👋🏽, here is a longer answer that spans several deltas. '.repeat(12);
const openaiBody = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_1',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: text,
        refusal: null,
        tool_calls: [
          {
            id: 'call_a',
            type: 'function',
            function: { name: 'get_weather', arguments: JSON.stringify({ city: 'Paris', days: [1, 2, 3], note: 'x'.repeat(200) }) },
          },
          { id: 'call_b', type: 'function', function: { name: 'now', arguments: '{}' } },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 50,
    completion_tokens: 30,
    total_tokens: 80,
    prompt_tokens_details: { cached_tokens: 10 },
    completion_tokens_details: { reasoning_tokens: 4 },
  },
};

const openai = (): OpenAI => new OpenAI({ apiKey: 'test', baseURL: `${base}/v1`, maxRetries: 0 });
const chatParams = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hi' }] };

describe('replayAsStream (OpenAI) read by the openai SDK', () => {
  it('rebuilds text, tool calls, finish reason and usage when includeUsage', async () => {
    sse = replayAsStream('openai', JSON.stringify(openaiBody), { includeUsage: true });
    const final = await openai().chat.completions.stream({ ...chatParams, stream_options: { include_usage: true } }).finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.message.content).toBe(text);
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls?.map((t) => (t.type === 'function' ? [t.id, t.function.name, t.function.arguments] : []))).toEqual(
      openaiBody.choices[0]!.message.tool_calls.map((t) => [t.id, t.function.name, t.function.arguments]),
    );
    expect(final.usage).toEqual(openaiBody.usage);
    expect(final.id).toBe('chatcmpl-1');
    expect(final.model).toBe(openaiBody.model);
  });

  it('sends the usage chunk (choices: []) last, and usage: null on every other chunk', async () => {
    sse = replayAsStream('openai', JSON.stringify(openaiBody), { includeUsage: true });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    const stream = await openai().chat.completions.create({ ...chatParams, stream: true, stream_options: { include_usage: true } });
    for await (const c of stream) chunks.push(c);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual(openaiBody.usage);
    expect(chunks.slice(0, -1).every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('sends no usage chunk without includeUsage, in a few content chunks', async () => {
    sse = replayAsStream('openai', JSON.stringify(openaiBody), { includeUsage: false });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of await openai().chat.completions.create({ ...chatParams, stream: true })) chunks.push(c);
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    const contentChunks = chunks.filter((c) => typeof c.choices[0]?.delta.content === 'string' && c.choices[0].delta.content !== '');
    expect(contentChunks.map((c) => c.choices[0]?.delta.content).join('')).toBe(text);
    expect(contentChunks.length).toBeGreaterThan(2);
    expect(contentChunks.length).toBeLessThanOrEqual(40);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('replays several choices and an assembled body', async () => {
    const second = { index: 1, message: { role: 'assistant', content: 'second' }, logprobs: null, finish_reason: 'stop' };
    const two = { ...openaiBody, choices: [openaiBody.choices[0]!, second] };
    sse = replayAsStream('openai', JSON.stringify(two), { includeUsage: false });
    const final = await openai().chat.completions.stream(chatParams).finalChatCompletion();
    expect(final.choices.map((c) => [c.index, c.message.content?.length, c.finish_reason])).toEqual([
      [0, text.length, 'tool_calls'],
      [1, 6, 'stop'],
    ]);

    const usage = { input: 7, cachedInput: 3, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 2 };
    const chunk = (delta: unknown, finish: string | null = null) => `data: ${JSON.stringify({ id: 'chatcmpl-2', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const streamed =
      chunk({ role: 'assistant', content: 'streamed', tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }) +
      chunk({}, 'tool_calls');
    const body = assembleResponse({ api: 'openai', sse: streamed, usage })!;
    sse = replayAsStream('openai', body, { includeUsage: true });
    const again = await openai().chat.completions.stream({ ...chatParams, stream_options: { include_usage: true } }).finalChatCompletion();
    expect(again.choices[0]?.message.content).toBe('streamed');
    expect(again.choices[0]?.message.tool_calls?.[0]).toMatchObject({ id: 'c1', function: { name: 'f', arguments: '{"a":1}' } });
    expect(again.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 3 } });
  });
});

const anthropicBody = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-test-model',
  content: [
    { type: 'thinking', thinking: 'Let me think. '.repeat(10), signature: 'sig==' },
    { type: 'text', text },
    { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: { city: 'Paris', days: [1, 2, 3], nested: { deep: 'x'.repeat(150) } } },
    { type: 'tool_use', id: 'toolu_b', name: 'now', input: {} },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: {
    input_tokens: 12,
    cache_creation_input_tokens: 8,
    cache_read_input_tokens: 20,
    cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 3 },
    output_tokens: 42,
  },
};

const anthropic = (): Anthropic => new Anthropic({ apiKey: 'test', baseURL: base, maxRetries: 0 });
const msgParams = { model: 'claude-test-model', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('replayAsStream (Anthropic) read by the @anthropic-ai/sdk', () => {
  it('rebuilds every content block, the stop reason and usage', async () => {
    sse = replayAsStream('anthropic', JSON.stringify(anthropicBody), { includeUsage: false });
    const final = await anthropic().messages.stream(msgParams).finalMessage();
    expect(JSON.parse(JSON.stringify(final.content))).toEqual(anthropicBody.content);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.id).toBe('msg_1');
    expect(final.usage).toMatchObject(anthropicBody.usage);
  });

  it('emits the event sequence of the Messages API', async () => {
    sse = replayAsStream('anthropic', JSON.stringify(anthropicBody), { includeUsage: false });
    const events: Anthropic.Messages.RawMessageStreamEvent[] = [];
    for await (const e of await anthropic().messages.create({ ...msgParams, stream: true })) events.push(e);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(types.filter((t) => t === 'content_block_start')).toHaveLength(4);
    expect(types.filter((t) => t === 'content_block_stop')).toHaveLength(4);
    const start = events[0];
    if (start?.type !== 'message_start') throw new Error('no message_start');
    expect(start.message.content).toEqual([]);
    expect(start.message.usage).toMatchObject({
      input_tokens: 12,
      cache_read_input_tokens: 20,
      cache_creation_input_tokens: 8,
      output_tokens: 1,
    });
    const delta = events.at(-2);
    if (delta?.type !== 'message_delta') throw new Error('no message_delta');
    expect(delta.delta.stop_reason).toBe('tool_use');
    expect(delta.usage.output_tokens).toBe(42);
    // Every SSE frame names its event and carries the same type in its data.
    for (const frame of sse.split('\n\n').filter(Boolean)) {
      const [ev, data] = frame.split('\n');
      expect(JSON.parse(data!.slice(6))).toMatchObject({ type: ev!.slice(7) });
    }
  });

  it('replays an assembled message', async () => {
    const message = { id: 'msg_2', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 3, output_tokens: 1 } };
    const events = [
      { type: 'message_start', message },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'streamed' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 7 } },
      { type: 'message_stop' },
    ];
    const streamed = events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
    const body = assembleResponse({ api: 'anthropic', sse: streamed, usage: { input: 7, cachedInput: 3, cacheWrite5m: 3, cacheWrite1h: 0, output: 7, reasoning: 0 } })!;
    sse = replayAsStream('anthropic', body, { includeUsage: true });
    const final = await anthropic().messages.stream(msgParams).finalMessage();
    expect(JSON.parse(JSON.stringify(final.content))).toEqual([
      { type: 'text', text: 'streamed' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 3, output_tokens: 7 });
  });
});

describe('pieces', () => {
  it('cuts into a few pieces that rejoin exactly and never split a surrogate pair', () => {
    const s = '👋🏽'.repeat(500);
    const ps = pieces(s);
    expect(ps.join('')).toBe(s);
    expect(ps.length).toBeLessThanOrEqual(33);
    for (const p of ps) expect(/[\ud800-\udbff]$/.test(p)).toBe(false);
    expect(pieces('')).toEqual([]);
    expect(pieces('short')).toEqual(['short']);
  });
});
