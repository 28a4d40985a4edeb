/** The official @anthropic-ai/sdk talks to Tollgate in front of the mock; cache reads and writes are metered exactly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { calcPrice } from '@pydantic/genai-prices';
import { unseenPromptTokens } from '../../src/pipeline/reserve.js';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'agents', project: 'coder' });
});
afterAll(() => s.close());

// test-claude: input 3, cache read 0.3, cache write 5m 3.75, cache write 1h 6, output 15 $/Mtok.
const nanos = (u: { input: number; read: number; w5: number; w1: number; out: number }): number =>
  Math.round((u.input * 3 + u.read * 0.3 + u.w5 * 3.75 + u.w1 * 6 + u.out * 15) * 1000);

const d = { prompt_tokens: 10_000, cached_tokens: 6000, cache_write_5m: 1500, cache_write_1h: 500, completion_tokens: 400 };

describe('messages through the anthropic SDK', () => {
  it('meters input, cache read, both cache writes and output of a non-streaming call', async () => {
    const { data, response } = await s
      .anthropic(key, { headers: { 'x-tollgate-run': 'r1' } })
      .messages.create({ model: 'test-claude', max_tokens: 1024, messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    // Anthropic's input_tokens excludes cache reads and writes.
    expect(data.usage.input_tokens).toBe(2000);
    expect(s.mock.stats.lastAuth).toBe('sk-ant-test-secret');
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({
      endpoint: 'messages',
      inputTokens: 2000,
      cachedInputTokens: 6000,
      cacheWrite5mTokens: 1500,
      cacheWrite1hTokens: 500,
      outputTokens: 400,
      reasoningTokens: 0,
      estimated: false,
      team: 'agents',
      project: 'coder',
      run: 'r1',
    });
    expect(row.costNanos).toBe(nanos({ input: 2000, read: 6000, w5: 1500, w1: 500, out: 400 }));
  });

  it('meters a stream from message_start and message_delta', async () => {
    const { data: stream, response } = await s
      .anthropic(key)
      .messages.create({ model: 'test-claude', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ inputTokens: 2000, cachedInputTokens: 6000, cacheWrite5mTokens: 1500, cacheWrite1hTokens: 500, outputTokens: 400, stream: true, estimated: false });
    expect(row.costNanos).toBe(nanos({ input: 2000, read: 6000, w5: 1500, w1: 500, out: 400 }));
  });

  it('prices a catalogue model with 1h cache writes as @pydantic/genai-prices does', async () => {
    const small = { prompt_tokens: 3000, cached_tokens: 1000, cache_write_5m: 500, completion_tokens: 100 };
    const { response } = await s
      .anthropic(key)
      .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 200, messages: [{ role: 'user', content: directive(small) }] })
      .withResponse();
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    const ref = calcPrice({ input_tokens: 3000, cache_read_tokens: 1000, cache_write_tokens: 500, output_tokens: 100 }, 'claude-sonnet-4-5', { providerId: 'anthropic' });
    expect(row.costNanos).toBe(Math.round(ref!.total_price * 1e9));
  });

  it('keeps the provider-reported prompt side and estimates output when the client aborts a stream', async () => {
    const before = s.mock.stats.streamsAborted;
    const long = { ...d, completion_tokens: 400, chunk_delay_ms: 15 };
    const { data: stream, response } = await s
      .anthropic(key)
      .messages.create({ model: 'test-claude', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: directive(long) }] })
      .withResponse();
    let deltas = 0;
    try {
      for await (const ev of stream) {
        if (ev.type === 'content_block_delta') deltas++;
        if (deltas === 5) stream.controller.abort();
      }
    } catch {
      // aborted
    }
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row.status).toBe('aborted');
    expect(row.estimated).toBe(true);
    expect(row).toMatchObject({ inputTokens: 2000, cachedInputTokens: 6000, cacheWrite5mTokens: 1500, cacheWrite1hTokens: 500 });
    expect(row.outputTokens).toBeGreaterThanOrEqual(5);
    expect(row.outputTokens).toBeLessThan(400);
    expect(row.costNanos).toBe(nanos({ input: 2000, read: 6000, w5: 1500, w1: 500, out: row.outputTokens }));
    await expect.poll(() => s.mock.stats.streamsAborted).toBe(before + 1);
  });

  it('lists models in the Anthropic shape', async () => {
    const page = await s.anthropic(key).models.list();
    expect(page.data.map((m) => m.id)).toContain('claude-sonnet-4-5');
    const one = await s.anthropic(key).models.retrieve('claude-sonnet-4-5');
    expect(one).toMatchObject({ type: 'model', id: 'claude-sonnet-4-5' });
    const missing = await s.anthropic(key).models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
  });

  it('pages the model list as Anthropic does: limit, after_id, before_id, first_id, last_id, has_more', async () => {
    const client = s.anthropic(key);
    const all = (await client.models.list()).data.map((m) => m.id);
    expect(all.length).toBeGreaterThanOrEqual(5);
    const first = await client.models.list({ limit: 2 });
    expect([first.data.map((m) => m.id), first.has_more, first.first_id, first.last_id]).toEqual([all.slice(0, 2), true, all[0], all[1]]);
    // The SDK follows last_id as after_id until has_more is false, and gets every model once.
    const walked: string[] = [];
    for await (const m of client.models.list({ limit: 2 })) walked.push(m.id);
    expect(walked).toEqual(all);
    const next = await client.models.list({ limit: 2, after_id: all[1] });
    expect([next.data.map((m) => m.id), next.has_more]).toEqual([all.slice(2, 4), all.length > 4]);
    const lastPage = await client.models.list({ limit: 2, after_id: all[all.length - 2] });
    expect([lastPage.data.map((m) => m.id), lastPage.has_more, lastPage.last_id]).toEqual([[all.at(-1)], false, all.at(-1)]);
    // before_id: the page immediately before it; has_more says whether more lie further back.
    const back = await client.models.list({ limit: 2, before_id: all[3] });
    expect([back.data.map((m) => m.id), back.has_more]).toEqual([all.slice(1, 3), true]);
    const start = await client.models.list({ limit: 5, before_id: all[1] });
    expect([start.data.map((m) => m.id), start.has_more]).toEqual([[all[0]], false]);
    for (const query of [{ limit: 0 }, { limit: 1001 }, { after_id: 'no-such-model' }, { after_id: all[0], before_id: all[2] }]) {
      const bad = await client.models.list(query).catch((e: unknown) => e);
      expect(bad, JSON.stringify(query)).toBeInstanceOf(Anthropic.BadRequestError);
    }
  });

  it('counts tokens without calling the provider or recording a call', async () => {
    const rowsBefore = (await s.calls()).length;
    const served = s.mock.stats.requests;
    const client = s.anthropic(key);
    const short = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello' }] });
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(50);
    const long = await client.messages.countTokens({ model: 'claude-sonnet-4-5', system: 'You are terse.', messages: [{ role: 'user', content: [{ type: 'text', text }] }] });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(short.input_tokens).toBeLessThan(5);
    // 10 tokens a sentence in o200k, 50 sentences, plus the system prompt.
    expect(long.input_tokens).toBeGreaterThanOrEqual(500);
    expect(long.input_tokens).toBeLessThan(520);
    expect(s.mock.stats.requests).toBe(served);
    const bad = await client.messages.countTokens({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(Anthropic.NotFoundError);
    await new Promise((r) => setTimeout(r, 150));
    expect((await s.calls()).length).toBe(rowsBefore);
  });

  it('counts each image and document at the bound a reservation holds for the model', async () => {
    const client = s.anthropic(key);
    const png = { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' };
    const text = await client.messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello' }] });
    const images = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }, { type: 'image', source: png }, { type: 'image', source: png }] }],
    });
    const bound = s.gw.deps.models.get('claude-sonnet-4-5')!.imageTokens;
    expect(bound).toBeGreaterThan(0);
    expect(images.input_tokens).toBe(text.input_tokens + 2 * bound);
    // An image inside a tool result, and a PDF, count too: the same parts the reservation bounds.
    const tool = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: 'hello' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'shot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: png }] }] },
      ],
    });
    expect(tool.input_tokens).toBeGreaterThanOrEqual(bound);
    const pdf = await client.messages.countTokens({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }, { type: 'text', text: 'hello' }] }],
    });
    expect(pdf.input_tokens).toBe(text.input_tokens + unseenPromptTokens({ messages: [{ role: 'user', content: [{ type: 'document' }] }] }, bound));
  });

  it('bounds the token counts a key asks for a minute (server.count_tokens_rpm), in the Anthropic shape with Retry-After', async () => {
    let clock = Date.parse('2026-12-07T10:00:00Z');
    const t = await startStack({ now: () => clock, config: (base) => ({ ...base, server: { ...(base['server'] as object), count_tokens_rpm: 3 } }) });
    try {
      const [a, b] = [await t.createKey({ team: 'counters' }), await t.createKey({ team: 'counters' })];
      const count = (k: string) => t.anthropic(k).messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello' }] });
      for (let i = 0; i < 3; i++) expect((await count(a)).input_tokens).toBeGreaterThan(0);
      const refused = await count(a).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
      expect((refused as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('60');
      expect((refused as Error).message).toMatch(/more than 3 token counts a minute/);
      // Another key has its own allowance; the minute over, the first key counts again.
      expect((await count(b)).input_tokens).toBeGreaterThan(0);
      clock += 45_000;
      expect((await count(a).catch((e: unknown) => e) as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('15');
      clock += 15_000;
      expect((await count(a)).input_tokens).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('answers an unknown path under /v1/messages in the Anthropic shape', async () => {
    const r = await fetch(`${s.gw.url}/v1/messages/nope`, { method: 'POST', headers: { 'x-api-key': key }, body: '{}' });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});
