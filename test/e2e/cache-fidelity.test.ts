/**
 * The response cache through the gateway with the official SDKs: an answer first streamed (a miss),
 * then served from the cache, streamed or not, says what the miss said — every choice, tool names and
 * ids, the finish/stop reason, thinking blocks with their signatures, usage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import type Anthropic from '@anthropic-ai/sdk';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let oai: OpenAI;
let ant: Anthropic;
const tags = { 'x-tollgate-tags': 'cached' };

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({ ...base, routes: [{ match: { tags: ['cached'] }, cache: { ttl_seconds: 600, scope: 'key' } }] }),
  });
  const key = await s.createKey();
  oai = s.openai(key, { headers: tags });
  ant = s.anthropic(key, { headers: tags });
});
afterAll(() => s.close());

/** What a client reads of a chat completion (the SDK adds fields of its own to a streamed one). */
function chatSeen(c: OpenAI.Chat.Completions.ChatCompletion): unknown {
  return {
    id: c.id,
    model: c.model,
    choices: c.choices.map((ch) => ({
      index: ch.index,
      finish_reason: ch.finish_reason,
      content: ch.message.content || null,
      refusal: ch.message.refusal ?? null,
      tool_calls: ch.message.tool_calls?.map((t) => ({ id: t.id, type: t.type, function: t.type === 'function' ? { name: t.function.name, arguments: t.function.arguments } : null })) ?? [],
    })),
    usage: c.usage ?? null,
  };
}

function messageSeen(m: Anthropic.Messages.Message): unknown {
  return { id: m.id, model: m.model, content: JSON.parse(JSON.stringify(m.content)) as unknown, stop_reason: m.stop_reason, stop_sequence: m.stop_sequence, usage: m.usage };
}

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/** A streamed miss, then a non-streamed and a streamed hit; the upstream sees the miss only. */
async function chatMissThenHits(params: ChatParams): Promise<{ miss: unknown; hits: unknown[] }> {
  const streamed = { ...params, stream: true as const, stream_options: { include_usage: true } };
  const miss = await oai.chat.completions.stream(streamed).finalChatCompletion();
  const before = s.mock.stats.requests;
  const { data: plain, response } = await oai.chat.completions.create(params).withResponse();
  expect(response.headers.get('x-tollgate-cache')).toBe('hit');
  const replayed = await oai.chat.completions.stream(streamed).finalChatCompletion();
  expect(s.mock.stats.requests).toBe(before);
  return { miss: chatSeen(miss), hits: [chatSeen(plain), chatSeen(replayed)] };
}

type MessageParams = Anthropic.Messages.MessageCreateParamsNonStreaming;

async function messageMissThenHits(params: MessageParams): Promise<{ miss: Anthropic.Messages.Message; hits: unknown[] }> {
  const miss = await ant.messages.stream(params).finalMessage();
  const before = s.mock.stats.requests;
  const { data: plain, response } = await ant.messages.create(params).withResponse();
  expect(response.headers.get('x-tollgate-cache')).toBe('hit');
  const replayed = await ant.messages.stream(params).finalMessage();
  expect(s.mock.stats.requests).toBe(before);
  return { miss, hits: [messageSeen(plain), messageSeen(replayed)] };
}

const weather = { type: 'object', properties: { city: { type: 'string' } } };

describe('a streamed OpenAI chat answer served from the cache', () => {
  it('keeps the tool call: its id, its name (sent with empty arguments) and its arguments', async () => {
    const tc = { name: 'get_weather', arguments: { city: 'Paris' } };
    const { miss, hits } = await chatMissThenHits({
      model: 'test-gpt',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
      messages: [{ role: 'user', content: directive({ tool_call: tc, prompt_tokens: 33 }, 'tool call') }],
    });
    expect(miss).toMatchObject({ choices: [{ finish_reason: 'tool_calls', tool_calls: [{ function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] }] });
    for (const hit of hits) expect(hit).toEqual(miss);
  });

  it('keeps a truncated answer truncated (finish_reason length)', async () => {
    const { miss, hits } = await chatMissThenHits({ model: 'test-gpt', max_tokens: 3, messages: [{ role: 'user', content: directive({ completion_tokens: 30 }, 'truncated') }] });
    expect(miss).toMatchObject({ choices: [{ finish_reason: 'length' }], usage: { completion_tokens: 3 } });
    for (const hit of hits) expect(hit).toEqual(miss);
  });

  it('keeps every choice of n > 1 apart', async () => {
    const { miss, hits } = await chatMissThenHits({ model: 'test-gpt', n: 3, messages: [{ role: 'user', content: directive({ completion_tokens: 5 }, 'three choices') }] });
    const choices = (miss as { choices: { content: string }[] }).choices;
    expect(choices).toHaveLength(3);
    expect(new Set(choices.map((c) => c.content)).size).toBe(3);
    for (const hit of hits) expect(hit).toEqual(miss);
  });

  it('rebuilds usage from the metered tokens when the client did not ask for the usage chunk', async () => {
    const params: ChatParams = { model: 'test-gpt', messages: [{ role: 'user', content: directive({ prompt_tokens: 40, cached_tokens: 10, completion_tokens: 6 }, 'no usage asked') }] };
    const miss = await oai.chat.completions.stream({ ...params, stream: true }).finalChatCompletion();
    const hit = await oai.chat.completions.create(params);
    expect(hit.choices[0]?.message.content).toBe(miss.choices[0]?.message.content);
    expect(hit.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 6, prompt_tokens_details: { cached_tokens: 10 } });
  });
});

describe('a streamed Anthropic message served from the cache', () => {
  it('keeps the thinking block with its signature, then the tool call', async () => {
    const d = { thinking: 'The user wants the weather. I should call the tool.', tool_call: { name: 'get_weather', arguments: { city: 'Oslo' } }, completion_tokens: 20 };
    const { miss, hits } = await messageMissThenHits({
      model: 'test-claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: weather as Anthropic.Messages.Tool.InputSchema }],
      messages: [{ role: 'user', content: directive(d, 'think then call') }],
    });
    const [thinking, tool] = miss.content;
    expect(thinking).toMatchObject({ type: 'thinking', thinking: d.thinking });
    expect(thinking?.type === 'thinking' && thinking.signature.length > 0).toBe(true);
    expect(tool).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } });
    expect(miss.stop_reason).toBe('tool_use');
    for (const hit of hits) expect(hit).toEqual(messageSeen(miss));
  });

  it('keeps a truncated answer truncated (stop_reason max_tokens)', async () => {
    const { miss, hits } = await messageMissThenHits({ model: 'test-claude', max_tokens: 3, messages: [{ role: 'user', content: directive({ completion_tokens: 30, cached_tokens: 5, cache_write_5m: 7 }, 'truncated') }] });
    expect(miss).toMatchObject({ stop_reason: 'max_tokens', usage: { output_tokens: 3, cache_read_input_tokens: 5, cache_creation_input_tokens: 7 } });
    for (const hit of hits) expect(hit).toEqual(messageSeen(miss));
  });
});

describe('a streamed answer translated between the two formats, served from the cache', () => {
  it('replays what the OpenAI client received from an Anthropic model', async () => {
    const tc = { name: 'get_weather', arguments: { city: 'Rome' } };
    const { miss, hits } = await chatMissThenHits({
      model: 'test-claude',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weather } }],
      messages: [{ role: 'user', content: directive({ tool_call: tc }, 'translated tool call') }],
    });
    expect(miss).toMatchObject({ choices: [{ finish_reason: 'tool_calls', tool_calls: [{ function: { name: 'get_weather' } }] }] });
    for (const hit of hits) expect(hit).toEqual(miss);
  });

  it('replays what the Anthropic client received from an OpenAI model', async () => {
    const { miss, hits } = await messageMissThenHits({ model: 'test-gpt', max_tokens: 4, messages: [{ role: 'user', content: directive({ completion_tokens: 30 }, 'translated truncation') }] });
    expect(miss.stop_reason).toBe('max_tokens');
    for (const hit of hits) expect(hit).toEqual(messageSeen(miss));
  });
});
