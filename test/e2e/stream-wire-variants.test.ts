/**
 * Streams as some servers really send them, through the gateway to the official SDKs: JSON written as
 * Python's json.dumps writes it (vLLM-style OpenAI-compatible servers), and an error event inside a
 * stream whose 200 was already sent. The ledger must hold the provider's usage for the first, and a
 * failed call (upstream_error) for the second, whether the client reads on or closes at the error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

async function rawStream(path: string, body: Record<string, unknown>): Promise<{ id: string; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  if (path === '/v1/messages') headers['anthropic-version'] = '2023-06-01';
  const r = await fetch(`${s.gw.url}${path}`, { method: 'POST', headers, body: JSON.stringify({ ...body, stream: true }) });
  expect(r.status).toBe(200);
  return { id: r.headers.get('x-tollgate-call-id')!, text: await r.text() };
}

/** The ledger row of the one call made under this run id (the chat stream helper does not expose its headers). */
async function rowOfRun(run: string): Promise<Awaited<ReturnType<Stack['waitForCall']>>> {
  for (let i = 0; i < 250; i++) {
    const row = (await s.calls()).find((r) => r.run === run);
    if (row) return row;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no call of run ${run} in the ledger`);
}

describe('a server that writes JSON with spaces (json.dumps style)', () => {
  const spaced = { prompt_tokens: 120, completion_tokens: 9, json_spaces: true };

  it('chat, client without include_usage: every chunk has a choice, and the ledger has the real usage', async () => {
    const { data: stream, response } = await s
      .openai(key)
      .chat.completions.create({ model: 'test-gpt', stream: true, messages: [{ role: 'user', content: directive(spaced) }] })
      .withResponse();
    let words = 0;
    for await (const c of stream) {
      expect(c.choices[0]).toBeDefined();
      // No usage key at all, as OpenAI sends to a client that did not ask (not `"usage": null`).
      expect('usage' in c).toBe(false);
      if (c.choices[0]?.delta.content) words++;
    }
    expect(words).toBe(9);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'ok', estimated: false, inputTokens: 120, outputTokens: 9 });
  });

  it('chat, client with include_usage: it gets the usage chunk, the ledger the same usage', async () => {
    const { data: stream, response } = await s
      .openai(key)
      .chat.completions.create({ model: 'test-gpt', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: directive(spaced) }] })
      .withResponse();
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    for await (const c of stream) usage = c.usage ?? usage;
    expect(usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 9 });
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'ok', estimated: false, inputTokens: 120, outputTokens: 9 });
  });

  it('chat answered to an Anthropic client (translated): the ledger has the real usage', async () => {
    const { data: stream, response } = await s
      .anthropic(key)
      .messages.create({ model: 'test-gpt', max_tokens: 100, stream: true, messages: [{ role: 'user', content: directive(spaced) }] })
      .withResponse();
    let out = 0;
    for await (const ev of stream) if (ev.type === 'message_delta') out = ev.usage.output_tokens;
    expect(out).toBe(9);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'ok', estimated: false, inputTokens: 120, outputTokens: 9 });
  });

  it('Responses API: the ledger has the real usage', async () => {
    const { data: stream, response } = await s.openai(key).responses.create({ model: 'test-gpt', stream: true, input: directive(spaced) }).withResponse();
    let done = false;
    for await (const ev of stream) done ||= ev.type === 'response.completed';
    expect(done).toBe(true);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'responses', status: 'ok', estimated: false, inputTokens: 120, outputTokens: 9 });
  });

  it('Anthropic Messages: the ledger has the real usage', async () => {
    const { data: stream, response } = await s
      .anthropic(key)
      .messages.create({ model: 'test-claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: directive(spaced) }] })
      .withResponse();
    for await (const ev of stream) void ev;
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'ok', estimated: false, inputTokens: 120, outputTokens: 9 });
  });
});

describe('an error event the provider sends inside a 200 stream', () => {
  // The mock ends its stream a moment after the error event, so a client that stops there closes first.
  const failing = { completion_tokens: 20, error_event_after_tokens: 3, chunk_delay_ms: 30 };
  const failed = { status: 'error', errorCode: 'upstream_error' };

  it('chat, official SDK (it closes at the error): recorded as an upstream error', async () => {
    const run = 'sdk-chat-error';
    const stream = s.openai(key, { headers: { 'x-tollgate-run': run } }).chat.completions.stream({ model: 'test-gpt', messages: [{ role: 'user', content: directive(failing) }] });
    const err = await stream.finalChatCompletion().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
    expect(await rowOfRun(run)).toMatchObject(failed);
  });

  it('chat, client reading to the end (spaced JSON too): the error event as the provider sent it, recorded as an upstream error', async () => {
    for (const json_spaces of [false, true]) {
      const { id, text } = await rawStream('/v1/chat/completions', { model: 'test-gpt', messages: [{ role: 'user', content: directive({ ...failing, json_spaces }) }] });
      expect(text).toContain(json_spaces ? '"type": "server_error"' : '"type":"server_error"');
      // Only the provider's own error event: the gateway adds none.
      expect(text.match(/"error"/g)).toHaveLength(1);
      expect(text).not.toContain('[DONE]');
      expect(await s.waitForCall(id)).toMatchObject(failed);
    }
  });

  it('Responses API, official SDK: response.failed is recorded as an upstream error', async () => {
    const { data: stream, response } = await s.openai(key).responses.create({ model: 'test-gpt', stream: true, input: directive(failing) }).withResponse();
    const types: string[] = [];
    const err = await (async () => {
      for await (const ev of stream) types.push(ev.type);
    })().catch((e: unknown) => e);
    // The SDK hands response.failed on as an event (newer versions may throw on it).
    expect(types.includes('response.failed') || err instanceof Error).toBe(true);
    expect(await s.waitForCall(response.headers.get('x-tollgate-call-id')!)).toMatchObject({ endpoint: 'responses', ...failed });
  });

  it('Anthropic, official SDK (it closes at the error): overloaded_error is recorded as an upstream error', async () => {
    const stream = s.anthropic(key).messages.stream({ model: 'test-claude', max_tokens: 100, messages: [{ role: 'user', content: directive(failing) }] });
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(JSON.stringify((err as InstanceType<typeof Anthropic.APIError>).error)).toContain('overloaded_error');
    const id = (await stream.withResponse()).response.headers.get('x-tollgate-call-id')!;
    expect(await s.waitForCall(id)).toMatchObject(failed);
  });

  it('Anthropic, client reading to the end of a spaced stream: recorded as an upstream error', async () => {
    const { id, text } = await rawStream('/v1/messages', { model: 'test-claude', max_tokens: 100, messages: [{ role: 'user', content: directive({ ...failing, json_spaces: true }) }] });
    expect(text).toContain('event: error\ndata: {"type": "error", "error": {"type": "overloaded_error"');
    expect(await s.waitForCall(id)).toMatchObject(failed);
  });
});
