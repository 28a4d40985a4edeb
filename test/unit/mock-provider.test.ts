import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockProvider, WORDS, replyText, type MockProvider } from '../../src/mock/index.js';

let mock: MockProvider;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  mock = await startMockProvider();
  openai = new OpenAI({ apiKey: 'sk-test-openai', baseURL: `${mock.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: mock.url, maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

/** The user text carrying a directive, as a test would send it. */
const directive = (d: object, text = 'hello'): string => `${text} [[mock:${JSON.stringify(d)}]]`;
const tokens = (text: string): number => encode(text).length;

describe('vocabulary', () => {
  it('has words that are one o200k token each, with and without a leading space', () => {
    expect(WORDS.length).toBe(64);
    for (const word of WORDS) {
      expect(encode(word), word).toHaveLength(1);
      expect(encode(` ${word}`), word).toHaveLength(1);
    }
  });

  it('builds replies of exactly n tokens', () => {
    for (const n of [0, 1, 2, 16, 63, 64, 65, 200]) expect(tokens(replyText(n))).toBe(n);
  });
});

describe('OpenAI chat completions', () => {
  it('answers a plain request with exact usage', async () => {
    const content = 'What is the capital of France?';
    const { data, request_id } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content }] })
      .withResponse();
    expect(request_id).toMatch(/^req_/);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.choices[0]?.finish_reason).toBe('stop');
    expect(data.choices[0]?.message.content).toBe(replyText(16));
    expect(data.usage).toEqual({
      prompt_tokens: tokens(`Be brief.${content}`),
      completion_tokens: 16,
      total_tokens: tokens(`Be brief.${content}`) + 16,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    });
    expect(mock.stats.lastAuth).toBe('Bearer sk-test-openai');
    expect(mock.stats.lastPath).toBe('/v1/chat/completions');
    expect(mock.stats.lastBody).toMatchObject({ model: 'gpt-4o-mini' });
  });

  it('streams one word per chunk and a usage chunk only when asked', async () => {
    const content = directive({ completion_tokens: 5 });
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const words = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).filter((w) => w !== '');
    expect(words).toHaveLength(5);
    for (const w of words) expect(tokens(w)).toBe(1);
    expect(words.join('')).toBe(replyText(5));
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: tokens(content), completion_tokens: 5 });
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');

    const bare = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: directive({ completion_tokens: 2 }) }],
    });
    const bareChunks = [];
    for await (const chunk of bare) bareChunks.push(chunk);
    expect(bareChunks.every((c) => c.usage === undefined && c.choices.length === 1)).toBe(true);
  });

  it('returns tool calls when the request has tools, whole and streamed', async () => {
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } },
    ];
    const content = directive({ tool_call: { name: 'get_weather', arguments: { city: 'Paris', days: 3 } } });
    const whole = await openai.chat.completions.create({ model: 'gpt-4o', tools, messages: [{ role: 'user', content }] });
    const call = whole.choices[0]?.message.tool_calls?.[0];
    expect(whole.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : null).toEqual({ city: 'Paris', days: 3 });

    const runner = openai.chat.completions.stream({ model: 'gpt-4o', tools, messages: [{ role: 'user', content }] });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(streamed?.type === 'function' ? streamed.function.name : null).toBe('get_weather');
    expect(streamed?.type === 'function' ? JSON.parse(streamed.function.arguments) : null).toEqual({
      city: 'Paris',
      days: 3,
    });

    // Without tools in the request, the directive's tool call is not honoured.
    const noTools = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
    expect(noTools.choices[0]?.message.tool_calls).toBeUndefined();
  });

  it('honours cached, reasoning and max tokens', async () => {
    const res = await openai.chat.completions.create({
      model: 'o4-mini',
      messages: [{ role: 'user', content: directive({ prompt_tokens: 100, cached_tokens: 40, completion_tokens: 10, reasoning_tokens: 4 }) }],
    });
    expect(res.usage).toMatchObject({
      prompt_tokens: 100,
      completion_tokens: 10,
      total_tokens: 110,
      prompt_tokens_details: { cached_tokens: 40 },
      completion_tokens_details: { reasoning_tokens: 4 },
    });
    expect(tokens(res.choices[0]?.message.content ?? '')).toBe(6);

    const cut = await openai.chat.completions.create({
      model: 'gpt-4o',
      max_completion_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(cut.choices[0]?.finish_reason).toBe('length');
    expect(cut.usage?.completion_tokens).toBe(3);
  });

  it('lists models', async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toContain('gpt-4o-mini');
  });
});

describe('OpenAI Responses API', () => {
  it('answers with a response object and exact usage, counting instructions and input items', async () => {
    const input = 'What is the capital of France?';
    const r = await openai.responses.create({ model: 'gpt-5-mini', instructions: 'Be brief.', input });
    expect(r.object).toBe('response');
    expect(r.id).toMatch(/^resp_/);
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe(replyText(16));
    expect(r.usage).toEqual({
      input_tokens: tokens(`Be brief.${input}`),
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 16,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: tokens(`Be brief.${input}`) + 16,
    });
    expect(mock.stats.lastPath).toBe('/v1/responses');

    const items = await openai.responses.create({
      model: 'gpt-5-mini',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'first' }] },
        { role: 'assistant', content: 'second' },
        { role: 'user', content: [{ type: 'input_text', text: directive({ completion_tokens: 3 }) }] },
      ],
    });
    expect(items.usage?.input_tokens).toBe(tokens(`firstsecond${directive({ completion_tokens: 3 })}`));
    expect(items.usage?.output_tokens).toBe(3);
  });

  it('honours cached, reasoning and max_output_tokens (incomplete), and tool calls', async () => {
    const r = await openai.responses.create({
      model: 'o4-mini',
      input: directive({ prompt_tokens: 100, cached_tokens: 40, completion_tokens: 10, reasoning_tokens: 4 }),
    });
    expect(r.usage).toMatchObject({ input_tokens: 100, input_tokens_details: { cached_tokens: 40 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 4 } });
    expect(r.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(tokens(r.output_text)).toBe(6);

    const cut = await openai.responses.create({ model: 'gpt-5-mini', max_output_tokens: 3, input: 'hi' });
    expect(cut.status).toBe('incomplete');
    expect(cut.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(cut.usage?.output_tokens).toBe(3);

    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }];
    const call = await openai.responses.create({ model: 'gpt-5-mini', tools, input: directive({ tool_call: { name: 'get_weather', arguments: { city: 'Paris' } } }) });
    const fc = call.output[0];
    expect(fc?.type === 'function_call' ? [fc.name, JSON.parse(fc.arguments)] : null).toEqual(['get_weather', { city: 'Paris' }]);
  });

  it('streams the real event sequence, numbered, with usage in response.completed', async () => {
    const input = directive({ completion_tokens: 5, cached_tokens: 2, reasoning_tokens: 1 });
    const stream = await openai.responses.create({ model: 'gpt-5-mini', stream: true, input });
    const events = [];
    for await (const e of stream) events.push(e);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events[0]?.type).toBe('response.created');
    expect(events[1]?.type).toBe('response.in_progress');
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : []));
    expect(deltas).toHaveLength(4);
    for (const d of deltas) expect(tokens(d)).toBe(1);
    const done = events.find((e) => e.type === 'response.output_text.done');
    expect(done?.type === 'response.output_text.done' ? done.text : null).toBe(deltas.join(''));
    const last = events.at(-1);
    expect(last?.type).toBe('response.completed');
    expect(last?.type === 'response.completed' ? last.response.usage : null).toMatchObject({
      input_tokens: tokens(input),
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 1 },
    });

    // The SDK's stream helper accumulates the same events into the final response.
    const helper = openai.responses.stream({ model: 'gpt-5-mini', input: directive({ tool_call: { name: 'f', arguments: '{"a":1}' } }), tools: [{ type: 'function', name: 'f', parameters: {}, strict: false }] });
    const final = await helper.finalResponse();
    const fc = final.output[0];
    expect(fc?.type === 'function_call' ? fc.arguments : null).toBe('{"a":1}');
  });
});

describe('OpenAI embeddings', () => {
  it('answers base64 (the SDK default) and float requests with the same vectors', async () => {
    const input = ['alpha beta', 'gamma'];
    const b64 = await openai.embeddings.create({ model: 'text-embedding-3-small', input });
    const floats = await openai.embeddings.create({ model: 'text-embedding-3-small', input, encoding_format: 'float' });
    expect((mock.stats.lastBody as { encoding_format?: string }).encoding_format).toBe('float');
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0]?.embedding).toHaveLength(8);
    b64.data[0]?.embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[0]?.embedding[i] ?? NaN, 6));
    expect(b64.usage).toEqual({ prompt_tokens: tokens('alpha beta') + tokens('gamma'), total_tokens: tokens('alpha beta') + tokens('gamma') });
    const sized = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 32 });
    expect(sized.data[0]?.embedding).toHaveLength(32);
  });
});

describe('Anthropic messages', () => {
  it('answers a plain request with cache usage split the Anthropic way', async () => {
    const content = directive({ prompt_tokens: 1000, cached_tokens: 600, cache_write_5m: 100, cache_write_1h: 50 });
    const { data, request_id } = await anthropic.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content }] })
      .withResponse();
    expect(request_id).toMatch(/^req_/);
    expect(data.type).toBe('message');
    expect(data.stop_reason).toBe('end_turn');
    expect(data.content).toEqual([{ type: 'text', text: replyText(16) }]);
    expect(data.usage).toMatchObject({
      input_tokens: 250,
      cache_read_input_tokens: 600,
      cache_creation_input_tokens: 150,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 50 },
      output_tokens: 16,
    });
    // x-api-key, or `Authorization: Bearer` as newer Anthropic SDKs send it.
    expect(mock.stats.lastAuth).toMatch(/^(Bearer )?sk-ant-test$/);
  });

  it('counts the system prompt and every message', async () => {
    const res = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 5,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'Hi.' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: [{ type: 'text', text: 'Name a colour.' }] },
      ],
    });
    expect(res.usage.input_tokens).toBe(tokens('You are terse.Hi.Hello.Name a colour.'));
    expect(res.stop_reason).toBe('max_tokens');
    expect(res.usage.output_tokens).toBe(5);
  });

  it('streams the real event sequence', async () => {
    const stream = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      stream: true,
      messages: [{ role: 'user', content: directive({ completion_tokens: 4, cached_tokens: 3 }) }],
    });
    const events = [];
    for await (const event of stream) events.push(event);
    // The SDK drops `ping`; the raw check below sees it.
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0];
    expect(start?.type === 'message_start' ? start.message.usage.output_tokens : null).toBe(1);
    expect(start?.type === 'message_start' ? start.message.usage.cache_read_input_tokens : null).toBe(3);
    const delta = events[7];
    expect(delta?.type === 'message_delta' ? delta.usage.output_tokens : null).toBe(4);

    const raw = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 9, stream: true, messages: [{ role: 'user', content: directive({ completion_tokens: 1 }) }] }),
    });
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(raw.headers.get('request-id')).toMatch(/^req_/);
    const names = [...(await raw.text()).matchAll(/^event: (\w+)\ndata: \{"type": ?"(\w+)"/gm)].map((m) => {
      expect(m[1]).toBe(m[2]);
      return m[1];
    });
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);

    const final = await anthropic.messages
      .stream({ model: 'claude-haiku-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: replyText(16) }]);
    expect(final.usage.output_tokens).toBe(16);
  });

  it('returns tool_use blocks, whole and streamed', async () => {
    const tools = [{ name: 'lookup', input_schema: { type: 'object' as const, properties: {} } }];
    const content = directive({ tool_call: { name: 'lookup', arguments: '{"q":"tollgate","n":2}' } });
    const whole = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content }] });
    expect(whole.stop_reason).toBe('tool_use');
    expect(whole.content[0]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { q: 'tollgate', n: 2 } });

    const streamed = await anthropic.messages
      .stream({ model: 'claude-sonnet-4-5', max_tokens: 100, tools, messages: [{ role: 'user', content }] })
      .finalMessage();
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content[0]).toMatchObject({ type: 'tool_use', name: 'lookup', input: { q: 'tollgate', n: 2 } });
  });
});

describe('directives and failures', () => {
  it('returns scripted statuses with each provider’s error body', async () => {
    const err429 = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: directive({ status: 429 }) }] })
      .catch((e: unknown) => e);
    expect(err429).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err429 as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });

    const err529 = await anthropic.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: directive({ status: 529 }) }] })
      .catch((e: unknown) => e);
    expect(err529).toBeInstanceOf(Anthropic.APIError);
    expect((err529 as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((err529 as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'overloaded_error' },
    });
  });

  it('answers a named failure with each provider\u2019s real status, type, code and param', async () => {
    const ask = (error_code: string, extra: object = {}): string => directive({ error_code, ...extra });
    const ctx = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: ask('context_length_exceeded') }] }).catch((e: unknown) => e);
    expect(ctx).toBeInstanceOf(OpenAI.BadRequestError);
    expect(ctx).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    const quota = await openai.responses.create({ model: 'gpt-4o', input: ask('insufficient_quota') }).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect(quota).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_quota' });
    const limited = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ask('rate_limit_exceeded') }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: 429, code: 'rate_limit_exceeded' });
    expect((limited as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after')).toBe('7');

    const long = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: ask('context_length_exceeded') }] }).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(Anthropic.BadRequestError);
    expect((long as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^prompt is too long/) } });
    // Anthropic answers an empty credit balance with a 400; a directive's status overrides the failure's own.
    const credit = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: ask('insufficient_quota') }] }).catch((e: unknown) => e);
    expect(credit).toMatchObject({ status: 400, type: 'invalid_request_error' });
    const over = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: ask('overloaded', { status: 503 }) }] }).catch((e: unknown) => e);
    expect(over).toMatchObject({ status: 503, type: 'api_error' });
  });

  it('answers malformed JSON and missing keys like the providers', async () => {
    const bad = await fetch(`${mock.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-request-id')).toMatch(/^req_/);
    expect(await bad.json()).toMatchObject({ error: { type: 'invalid_request_error', param: null, code: null } });

    const badAnthropic = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': 'k' }, body: '[' });
    expect(badAnthropic.status).toBe(400);
    expect(badAnthropic.headers.get('request-id')).toMatch(/^req_/);
    expect(await badAnthropic.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    const noKey = await fetch(`${mock.url}/v1/messages`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const noBearer = await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(noBearer.status).toBe(401);
    expect(mock.stats.lastAuth).toBeNull();
  });

  it('resets the connection after error_after_tokens', async () => {
    const before = { ...mock.stats };
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: directive({ error_after_tokens: 3, chunk_delay_ms: 5 }) }],
    });
    const words: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) words.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(words.filter((w) => w !== '')).toHaveLength(3);
    expect(mock.stats.streamsReset - before.streamsReset).toBe(1);
    expect(mock.stats.tokensSent - before.tokensSent).toBe(3);
  });

  it('counts a client that leaves mid-stream as aborted and stops writing', async () => {
    const before = { ...mock.stats };
    const controller = new AbortController();
    const stream = await anthropic.messages.create(
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 100,
        stream: true,
        messages: [{ role: 'user', content: directive({ completion_tokens: 50, chunk_delay_ms: 20 }) }],
      },
      { signal: controller.signal },
    );
    let deltas = 0;
    await (async () => {
      for await (const event of stream) {
        if (event.type === 'content_block_delta' && ++deltas === 2) controller.abort();
      }
    })().catch(() => undefined);
    await waitFor(() => mock.stats.streamsAborted > before.streamsAborted);
    const sent = mock.stats.tokensSent - before.tokensSent;
    expect(sent).toBeGreaterThanOrEqual(2);
    expect(sent).toBeLessThan(50);
    await new Promise((r) => setTimeout(r, 60));
    expect(mock.stats.tokensSent - before.tokensSent).toBe(sent);
  });

  it('applies delays, random usage, and ignores invalid directives', async () => {
    const started = Date.now();
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: directive({ first_byte_delay_ms: 80 }) }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);

    for (let i = 0; i < 5; i++) {
      const res = await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: directive({ random_usage: true, completion_tokens: 10 }) }],
      });
      const n = res.usage?.completion_tokens ?? -1;
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(10);
      expect(tokens(res.choices[0]?.message.content ?? '')).toBe(n);
    }

    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: directive({ status: 'nope' }) }] })
      .withResponse();
    expect(response.headers.get('x-mock-directive')).toBe('invalid');
    expect(data.usage?.completion_tokens).toBe(16);
  });
});

describe('control endpoints and options', () => {
  it('reports and resets stats', async () => {
    const stats = (await (await fetch(`${mock.url}/_mock/stats`)).json()) as { requests: number };
    expect(stats.requests).toBe(mock.stats.requests);
    expect((await fetch(`${mock.url}/_mock/reset`, { method: 'POST' })).status).toBe(200);
    expect(mock.stats).toMatchObject({ requests: 0, byPath: {}, tokensSent: 0, lastAuth: null, lastPath: null });
  });

  it('pads non-streamed replies to about responseBytes with exact usage, and injects failures', async () => {
    const padded = await startMockProvider({ responseBytes: 1024, failRate: 0 });
    const failing = await startMockProvider({ failRate: 1 });
    try {
      const res = await fetch(`${padded.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const text = await res.text();
      expect(text.length).toBeGreaterThan(900);
      expect(text.length).toBeLessThan(1150);
      const body = JSON.parse(text) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
      expect(tokens(body.choices[0]?.message.content ?? '')).toBe(body.usage.completion_tokens);

      const fail = await fetch(`${failing.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': 'k' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [] }),
      });
      expect(fail.status).toBe(500);
      expect(await fail.json()).toMatchObject({ type: 'error', error: { type: 'api_error' } });
    } finally {
      await padded.close();
      await failing.close();
    }
  });
});

async function waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
