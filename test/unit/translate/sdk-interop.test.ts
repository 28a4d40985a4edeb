/**
 * The official SDKs against translated traffic. A tiny bridge server wires the translators the way the
 * gateway's call stage will: the client's request is translated, sent to the mock provider in the other
 * format, and the answer comes back through the upstream adapter's own stream meter (so usage is metered
 * in the upstream's format) and then the translator.
 */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { countTokens, replyText, startMockProvider, type MockProvider } from '../../../src/mock/index.js';
import { anthropicAdapter } from '../../../src/providers/anthropic/index.js';
import { openaiAdapter } from '../../../src/providers/openai/index.js';
import type { MeteredUsage, StreamMeter } from '../../../src/providers/types.js';
import {
  AnthropicToOpenAIStream,
  OpenAIToAnthropicStream,
  toAnthropicRequest,
  toAnthropicResponse,
  toOpenAIRequest,
  toOpenAIResponse,
  type SseInput,
} from '../../../src/translate/index.js';

const CREATED = 1767225600;
let mock: MockProvider;
let bridge: Server;
let openai: OpenAI;
let anthropic: Anthropic;
/** What the upstream meter saw on the last streamed call. */
let lastMetered: MeteredUsage | undefined;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

interface Translator {
  push(input: SseInput): string;
  end(): string;
}

async function relay(upstream: Response, res: ServerResponse, meter: StreamMeter, translator: Translator): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  if (upstream.body === null) throw new Error('no upstream body');
  // The meters hand over bytes (possibly cut mid-event); the translator buffers what is unfinished.
  for await (const chunk of upstream.body) res.write(translator.push(meter.push(Buffer.from(chunk))));
  res.end(translator.push(meter.flush()) + translator.end());
  lastMetered = meter.metered();
}

/** An OpenAI-shaped client served by the mock's Anthropic endpoint. */
async function serveChat(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const request = toAnthropicRequest(body, { model: 'claude-sonnet-4-5', defaultMaxTokens: 1024 });
  const upstream = await fetch(`${mock.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(request),
  });
  if (body['stream'] !== true) {
    const out = JSON.stringify(toOpenAIResponse((await upstream.json()) as Record<string, unknown>, { created: CREATED }));
    res.writeHead(200, { 'content-type': 'application/json' }).end(out);
    return;
  }
  const options = body['stream_options'] as { include_usage?: boolean } | undefined;
  const translator = new AnthropicToOpenAIStream({ created: CREATED, includeUsage: options?.include_usage === true });
  await relay(upstream, res, anthropicAdapter.streamMeter(false), translator);
}

/** An Anthropic-shaped client served by the mock's OpenAI endpoint. */
async function serveMessages(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const request = toOpenAIRequest(body, { model: 'gpt-4.1', streamUsage: true });
  const upstream = await fetch(`${mock.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify(request),
  });
  if (body['stream'] !== true) {
    const out = JSON.stringify(toAnthropicResponse((await upstream.json()) as Record<string, unknown>));
    res.writeHead(200, { 'content-type': 'application/json' }).end(out);
    return;
  }
  // The usage chunk must reach the translator, so the meter forwards it whatever the client asked.
  await relay(upstream, res, openaiAdapter.streamMeter(true), new OpenAIToAnthropicStream());
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const serve = req.url === '/v1/chat/completions' ? serveChat : serveMessages;
  readJson(req)
    .then((body) => serve(body, res))
    .catch((err: unknown) => {
      const status = err instanceof GatewayError ? err.status : 500;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(err) } }));
    });
}

beforeAll(async () => {
  mock = await startMockProvider();
  bridge = createServer(handle);
  await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`;
  openai = new OpenAI({ apiKey: 'tg-test', baseURL: `${url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'tg-test', baseURL: url, maxRetries: 0 });
});

afterAll(async () => {
  await new Promise<void>((resolve) => bridge.close(() => resolve()));
  await mock.close();
});

const directive = (d: object, text = 'What is the weather in Paris?'): string => `${text} [[mock:${JSON.stringify(d)}]]`;
const SYSTEM = 'You are a weather bot.';
const weatherTool = {
  name: 'get_weather',
  description: 'Weather for a city.',
  schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('OpenAI SDK -> Anthropic model', () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: weatherTool.name, description: weatherTool.description, parameters: weatherTool.schema } },
  ];

  it('parses a translated reply, with the prompt counted as the native call would and cached tokens inside it', async () => {
    const text = directive({ cached_tokens: 4 });
    const reply = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: text }],
    });
    expect(reply.choices[0]?.message.content).toBe(replyText(16));
    expect(reply.choices[0]?.finish_reason).toBe('stop');
    const prompt = countTokens(SYSTEM + text);
    expect(reply.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: 16, total_tokens: prompt + 16 });
    expect(reply.usage?.prompt_tokens_details?.cached_tokens).toBe(4);
  });

  it('streams a tool call the SDK stream helper assembles, with the usage chunk the client asked for', async () => {
    const text = directive({ tool_call: { name: 'get_weather', arguments: { city: 'Paris' } }, chunk_delay_ms: 1 });
    const stream = openai.chat.completions.stream({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: text }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' ? JSON.parse(call.function.arguments) : undefined).toEqual({ city: 'Paris' });
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(final.usage?.prompt_tokens).toBe(countTokens(text));
    expect(lastMetered?.usage.input).toBe(countTokens(text));
  });

  it('streams text one delta per upstream delta', async () => {
    const deltas: string[] = [];
    const stream = await openai.chat.completions.create({ model: 'c', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const chunk of stream) {
      expect(chunk.usage ?? undefined).toBeUndefined();
      const piece = chunk.choices[0]?.delta.content;
      if (piece) deltas.push(piece);
    }
    expect(deltas).toHaveLength(16);
    expect(deltas.join('')).toBe(replyText(16));
  });
});

describe('Anthropic SDK -> OpenAI-compatible model', () => {
  const tools: Anthropic.Tool[] = [
    { name: weatherTool.name, description: weatherTool.description, input_schema: { ...weatherTool.schema, type: 'object' } },
  ];

  it('parses a translated reply with cached tokens outside input_tokens', async () => {
    const text = directive({ cached_tokens: 4 });
    const reply = await anthropic.messages.create({
      model: 'gpt-4.1',
      max_tokens: 100,
      system: SYSTEM,
      messages: [{ role: 'user', content: text }],
    });
    expect(reply.content).toEqual([{ type: 'text', text: replyText(16) }]);
    expect(reply.stop_reason).toBe('end_turn');
    expect(reply.usage).toMatchObject({
      input_tokens: countTokens(SYSTEM + text) - 4,
      cache_read_input_tokens: 4,
      output_tokens: 16,
    });
  });

  it('streams a tool call the SDK MessageStream assembles, with final usage in message_delta', async () => {
    const text = directive({ tool_call: { name: 'get_weather', arguments: { city: 'Rome' } }, cached_tokens: 2, chunk_delay_ms: 1 });
    const stream = anthropic.messages.stream({ model: 'gpt-4.1', max_tokens: 100, messages: [{ role: 'user', content: text }], tools });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Rome' } })]);
    expect(final.stop_reason).toBe('tool_use');
    expect(final.usage).toMatchObject({ input_tokens: countTokens(text) - 2, cache_read_input_tokens: 2 });
    expect(lastMetered?.usage).toMatchObject({ input: countTokens(text) - 2, cachedInput: 2 });
  });

  it('streams text the SDK collects, cut at max_tokens', async () => {
    const stream = anthropic.messages.stream({ model: 'gpt-4.1', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: replyText(5) })]);
    expect(final.stop_reason).toBe('max_tokens');
    expect(final.usage.output_tokens).toBe(5);
  });
});
