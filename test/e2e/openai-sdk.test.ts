/** The official openai SDK talks to Tollgate in front of the mock; the ledger must hold exactly what the mock reported. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { calcPrice } from '@pydantic/genai-prices';
import { countTokens } from 'gpt-tokenizer';
import { promptText } from '../../src/pipeline/meter.js';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'platform', user: 'ada', project: 'search' });
});
afterAll(() => s.close());

// test-gpt's configured prices: input 1.25, cached 0.125, output (and reasoning) 10 $/Mtok.
const testGptNanos = (input: number, cached: number, output: number): number =>
  Math.round((input * 1.25 + cached * 0.125 + output * 10) * 1000);

describe('chat completions through the openai SDK', () => {
  it('meters every token class of a non-streaming call, attributed to key, team, user, project, run, agent, tags', async () => {
    const client = s.openai(key, {
      headers: { 'x-tollgate-run': 'run-42', 'x-tollgate-agent': 'planner', 'x-tollgate-parent': 'call_parent', 'x-tollgate-tags': 'batch, nightly' },
    });
    const d = { prompt_tokens: 1200, cached_tokens: 1000, completion_tokens: 300, reasoning_tokens: 120 };
    const { data, response } = await client.chat.completions
      .create({ model: 'test-gpt', messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    expect(data.usage?.prompt_tokens).toBe(1200);
    const callId = response.headers.get('x-tollgate-call-id');
    expect(callId).toMatch(/^call_/);
    // The upstream saw the configured upstream model name and Tollgate's provider key, not the client's.
    expect((s.mock.stats.lastBody as { model: string }).model).toBe('gpt-test-upstream');
    expect(s.mock.stats.lastAuth).toBe('Bearer sk-test-openai-secret');

    const row = await s.waitForCall(callId!);
    expect(row).toMatchObject({
      inputTokens: 200, // prompt_tokens includes cached: 1200 - 1000
      cachedInputTokens: 1000,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 180, // completion_tokens includes reasoning: 300 - 120
      reasoningTokens: 120,
      estimated: false,
      status: 'ok',
      team: 'platform',
      user: 'ada',
      project: 'search',
      run: 'run-42',
      agent: 'planner',
      parent: 'call_parent',
      tags: 'batch,nightly',
      requestedModel: 'test-gpt',
      servedModel: 'test-gpt',
      provider: 'openai',
      stream: false,
    });
    expect(row.costNanos).toBe(testGptNanos(200, 1000, 300));
    expect(row.firstByteAt).toBeGreaterThanOrEqual(row.startedAt);
    expect(row.endedAt).toBeGreaterThanOrEqual(row.firstByteAt!);
  });

  it('prices a catalogue model exactly as @pydantic/genai-prices does', async () => {
    const d = { prompt_tokens: 5000, cached_tokens: 3000, completion_tokens: 700, reasoning_tokens: 200 };
    const { response } = await s.openai(key).chat.completions
      .create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    const ref = calcPrice({ input_tokens: 5000, cache_read_tokens: 3000, output_tokens: 700 }, 'gpt-5-mini', { providerId: 'openai' });
    expect(ref).not.toBeNull();
    expect(row.costNanos).toBe(Math.round(ref!.total_price * 1e9));
    expect(row.costNanos).toBeGreaterThan(0);
  });

  it('streams without leaking the usage chunk Tollgate asked for, and meters it', async () => {
    const d = { prompt_tokens: 50, cached_tokens: 10, completion_tokens: 12, reasoning_tokens: 2 };
    const { data: stream, response } = await s.openai(key).chat.completions
      .create({ model: 'test-gpt', stream: true, messages: [{ role: 'user', content: directive(d) }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) {
      expect(chunk.usage ?? null).toBeNull();
      expect(chunk.choices.length).toBeGreaterThan(0);
      text += chunk.choices[0]?.delta.content ?? '';
    }
    expect(text.trim().split(/\s+/)).toHaveLength(10); // 12 completion tokens, 2 of them reasoning
    expect((s.mock.stats.lastBody as { stream_options?: { include_usage?: boolean } }).stream_options?.include_usage).toBe(true);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ inputTokens: 40, cachedInputTokens: 10, outputTokens: 10, reasoningTokens: 2, stream: true, estimated: false });
    expect(row.costNanos).toBe(testGptNanos(40, 10, 12));
  });

  it('passes the usage chunk through when the client asked for it', async () => {
    const stream = await s.openai(key).chat.completions.create({
      model: 'test-gpt',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: directive({ prompt_tokens: 30, completion_tokens: 5 }) }],
    });
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ prompt_tokens: 30, completion_tokens: 5 });
  });

  it('fingerprints each request: byte-identical requests share a hash, any other byte changes it', async () => {
    const ask = async (content: string): Promise<string | null> => {
      const { response } = await s.openai(key).chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content }] }).withResponse();
      return (await s.waitForCall(response.headers.get('x-tollgate-call-id')!)).requestHash;
    };
    const [a, b, c] = [await ask('fingerprint me'), await ask('fingerprint me'), await ask('fingerprint me!')];
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toBe(a);
    expect(c).not.toBe(a);

    // It is the (keyed) hash of the client's own bytes, not of the body after Tollgate injected max_tokens;
    // the plain hash of the bytes, which anyone could compute to confirm a guessed prompt, is not stored.
    const raw = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'raw bytes' }] });
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw });
    expect(res.status).toBe(200);
    const row = await s.waitForCall(res.headers.get('x-tollgate-call-id')!);
    const fingerprintKey = createHash('sha256').update(`tollgate request fingerprint\n${s.gw.deps.keySecret}`).digest('hex');
    expect(row.requestHash).toBe(createHash('sha256').update(`${fingerprintKey}chat\n${raw}`).digest('hex').slice(0, 32));
    expect(row.requestHash).not.toBe(createHash('sha256').update(`chat\n${raw}`).digest('hex').slice(0, 32));
  });

  it('passes tool definitions and tool calls through, streaming and not', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const content = directive({ tool_call: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
    const r = await s.openai(key).chat.completions.create({ model: 'test-gpt', tools, messages: [{ role: 'user', content }] });
    expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    const call = r.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect((s.mock.stats.lastBody as { tools: unknown[] }).tools).toEqual(tools);

    const stream = await s.openai(key).chat.completions.create({ model: 'test-gpt', tools, stream: true, messages: [{ role: 'user', content }] });
    let args = '';
    for await (const chunk of stream) args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
    expect(JSON.parse(args)).toEqual({ city: 'Oslo' });
  });

  it('meters an aborted stream with a tokenizer estimate and stops the upstream', async () => {
    const before = s.mock.stats.streamsAborted;
    const { data: stream, response } = await s.openai(key).chat.completions
      .create({
        model: 'test-gpt',
        stream: true,
        messages: [{ role: 'user', content: directive({ completion_tokens: 500, chunk_delay_ms: 15 }) }],
      })
      .withResponse();
    let seen = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta.content) seen++;
        if (seen === 5) stream.controller.abort();
      }
    } catch {
      // the SDK reports the abort
    }
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row.status).toBe('aborted');
    expect(row.estimated).toBe(true);
    // One mock word is one token: the estimate covers what the client saw and no more than was sent.
    expect(row.outputTokens).toBeGreaterThanOrEqual(5);
    expect(row.outputTokens).toBeLessThan(500);
    const body = { messages: [{ role: 'user', content: directive({ completion_tokens: 500, chunk_delay_ms: 15 }) }] };
    expect(row.inputTokens).toBe(countTokens(promptText(body)));
    expect(row.costNanos).toBe(testGptNanos(row.inputTokens, 0, row.outputTokens));
    await expect.poll(() => s.mock.stats.streamsAborted).toBe(before + 1);
  });
});

describe('a slow client', () => {
  it('gets a stream larger than the socket buffers in full, the provider paused meanwhile', async () => {
    const tokens = 100_000;
    const body = JSON.stringify({ model: 'test-gpt', stream: true, max_tokens: tokens, messages: [{ role: 'user', content: directive({ completion_tokens: tokens }) }] });
    const { request } = await import('node:http');
    const text = await new Promise<{ status: number; callId: string; body: string }>((resolve, reject) => {
      const req = request(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.pause();
        // Read nothing for a while, so the gateway's writes back up to the provider's connection.
        setTimeout(() => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.resume();
        }, 300);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, callId: String(res.headers['x-tollgate-call-id']), body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(text.status).toBe(200);
    expect(text.body.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(text.body.match(/"content":"[^"]/g)?.length).toBe(tokens);
    expect(text.body.endsWith('data: [DONE]\n\n')).toBe(true);
    const row = await s.waitForCall(text.callId);
    expect(row).toMatchObject({ status: 'ok', outputTokens: tokens, estimated: false });
  });
});

describe('embeddings and models', () => {
  it('meters embeddings', async () => {
    const { response } = await s.openai(key).embeddings
      .create({ model: 'text-embedding-3-small', input: directive({ prompt_tokens: 77 }) })
      .withResponse();
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'embeddings', inputTokens: 77, outputTokens: 0, status: 'ok' });
    const ref = calcPrice({ input_tokens: 77 }, 'text-embedding-3-small', { providerId: 'openai' });
    expect(row.costNanos).toBe(Math.round(ref!.total_price * 1e9));
  });

  it('lists only the models a key may use', async () => {
    const limited = await s.createKey({ team: 'research', models: ['test-gpt', 'gpt-5-mini'] });
    const page = await s.openai(limited).models.list();
    expect(page.data.map((m) => m.id).sort()).toEqual(['gpt-5-mini', 'test-gpt']);
    const all = await s.openai(key).models.list();
    expect(all.data.length).toBe(Object.keys(s.config.models).length);
    expect(await s.openai(limited).models.retrieve('test-gpt')).toMatchObject({ id: 'test-gpt', object: 'model' });
    // A model the key may not use is not there for it, as in the list.
    const hidden = await s.openai(limited).models.retrieve('test-claude').catch((e: unknown) => e);
    expect(hidden).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
