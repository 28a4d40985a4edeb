/**
 * The Responses API (`client.responses.create`, as the openai SDK and Codex CLI call it) through Tollgate
 * in front of the mock: metered per token class, reserved on max_output_tokens, streamed event by event,
 * refused clearly where it cannot be served.
 */
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptText } from '../../src/pipeline/meter.js';
import { ADMIN_KEY, directive, ledgerWatch, startStack, type LedgerWatch, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({ ...base, defaults: { key_budget: { limit_usd: 50, period: 'month' }, key_rate_limit: { rpm: 600, concurrent: 50 }, max_tokens: 2000, min_clamp_tokens: 16 } }),
  });
  key = await s.createKey({ team: 'platform', user: 'ada' });
});
afterAll(() => s.close());

// test-gpt's configured prices: input 1.25, cached 0.125, output (and reasoning) 10 $/Mtok.
const testGptNanos = (input: number, cached: number, output: number): number => Math.round((input * 1.25 + cached * 0.125 + output * 10) * 1000);

const lastBody = (): Record<string, unknown> => s.mock.stats.lastBody as Record<string, unknown>;

async function post(k: string, body: unknown): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${s.gw.url}/v1/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The SSE events of a stream body, in order, with their parsed data. */
function sseEvents(text: string): { event: string | null; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .filter((b) => b.includes('data:'))
    .map((b) => ({
      event: /^event: (.*)$/m.exec(b)?.[1] ?? null,
      data: JSON.parse(b.slice(b.indexOf('data:') + 5)) as Record<string, unknown>,
    }));
}

describe('responses through the openai SDK', () => {
  it('meters every token class of a non-streaming call, with the configured output bound injected', async () => {
    const d = { prompt_tokens: 1200, cached_tokens: 1000, completion_tokens: 300, reasoning_tokens: 120 };
    const { data, response } = await s.openai(key).responses
      .create({ model: 'test-gpt', instructions: 'Be brief.', input: directive(d) })
      .withResponse();
    expect(data.object).toBe('response');
    expect(data.usage).toMatchObject({ input_tokens: 1200, output_tokens: 300 });
    expect(data.output_text.trim().split(/\s+/)).toHaveLength(180);
    // The upstream got the upstream model name, Tollgate's provider key, and the injected bound.
    expect(s.mock.stats.lastPath).toBe('/v1/responses');
    expect(lastBody()).toMatchObject({ model: 'gpt-test-upstream', max_output_tokens: 2000, instructions: 'Be brief.' });
    expect(s.mock.stats.lastAuth).toBe('Bearer sk-test-openai-secret');

    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({
      endpoint: 'responses',
      inputTokens: 200, // input_tokens includes cached: 1200 - 1000
      cachedInputTokens: 1000,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      outputTokens: 180, // output_tokens includes reasoning: 300 - 120
      reasoningTokens: 120,
      estimated: false,
      status: 'ok',
      stream: false,
      requestedModel: 'test-gpt',
      provider: 'openai',
      user: 'ada',
    });
    expect(row.costNanos).toBe(testGptNanos(200, 1000, 300));
  });

  it('keeps the client’s own max_output_tokens and meters an incomplete answer', async () => {
    const { data, response } = await s.openai(key).responses
      .create({ model: 'test-gpt', max_output_tokens: 7, input: directive({ prompt_tokens: 40, completion_tokens: 50 }) })
      .withResponse();
    expect(data.status).toBe('incomplete');
    expect(lastBody()['max_output_tokens']).toBe(7);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ inputTokens: 40, outputTokens: 7, estimated: false, status: 'ok' });
  });

  it('streams the events as they come and meters response.completed', async () => {
    const d = { prompt_tokens: 50, cached_tokens: 10, completion_tokens: 12, reasoning_tokens: 2, chunk_delay_ms: 1 };
    const { data: stream, response } = await s.openai(key).responses
      .create({ model: 'test-gpt', stream: true, input: [{ role: 'user', content: [{ type: 'input_text', text: directive(d) }] }] })
      .withResponse();
    const events = [];
    for await (const e of stream) events.push(e);
    expect(events[0]?.type).toBe('response.created');
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    const text = events.map((e) => (e.type === 'response.output_text.delta' ? e.delta : '')).join('');
    expect(text.trim().split(/\s+/)).toHaveLength(10); // 12 output tokens, 2 of them reasoning
    const last = events.at(-1);
    expect(last?.type === 'response.completed' && last.response.usage?.input_tokens).toBe(50);
    // Nothing is injected into a Responses stream request (its usage always comes).
    expect(lastBody()['stream_options']).toBeUndefined();
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'responses', inputTokens: 40, cachedInputTokens: 10, outputTokens: 10, reasoningTokens: 2, stream: true, estimated: false, status: 'ok' });
    expect(row.costNanos).toBe(testGptNanos(40, 10, 12));
  });

  it('passes tools and tool calls through, streaming and not', async () => {
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }];
    const input = directive({ tool_call: { name: 'get_weather', arguments: '{"city":"Oslo"}' } });
    const r = await s.openai(key).responses.create({ model: 'test-gpt', tools, input });
    const call = r.output.find((o) => o.type === 'function_call');
    expect(call?.type === 'function_call' ? [call.name, JSON.parse(call.arguments)] : null).toEqual(['get_weather', { city: 'Oslo' }]);
    expect(lastBody()['tools']).toEqual(tools);

    const final = await s.openai(key).responses.stream({ model: 'test-gpt', tools, input }).finalResponse();
    const streamed = final.output.find((o) => o.type === 'function_call');
    expect(streamed?.type === 'function_call' ? JSON.parse(streamed.arguments) : null).toEqual({ city: 'Oslo' });
  });

  it('meters a stream the client aborts with a tokenizer estimate, and stops the upstream', async () => {
    const before = s.mock.stats.streamsAborted;
    const body = { model: 'test-gpt', stream: true as const, instructions: 'You are terse.', input: directive({ completion_tokens: 500, chunk_delay_ms: 15 }) };
    const { data: stream, response } = await s.openai(key).responses.create(body).withResponse();
    let seen = 0;
    try {
      for await (const e of stream) {
        if (e.type === 'response.output_text.delta') seen++;
        if (seen === 5) stream.controller.abort();
      }
    } catch {
      // the SDK reports the abort
    }
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'aborted', estimated: true, endpoint: 'responses' });
    expect(row.outputTokens).toBeGreaterThanOrEqual(5);
    expect(row.outputTokens).toBeLessThan(500);
    // The estimate counts the instructions and the input.
    expect(row.inputTokens).toBe(countTokens(promptText(body)));
    expect(row.inputTokens).toBe(countTokens(`You are terse.\n${body.input}`));
    expect(row.costNanos).toBe(testGptNanos(row.inputTokens, 0, row.outputTokens));
    await expect.poll(() => s.mock.stats.streamsAborted).toBe(before + 1);
  });
});

describe('a Responses stream the provider cuts', () => {
  it('ends it for the client with error and response.failed events, and estimates the usage', async () => {
    const body = { model: 'test-gpt', stream: true, instructions: 'Count.', input: directive({ completion_tokens: 50, error_after_tokens: 6, chunk_delay_ms: 1 }) };
    const raw = await post(key, body);
    expect(raw.status).toBe(200);
    const events = sseEvents(raw.text);
    const before = events.slice(0, -2);
    expect(before.filter((e) => e.event === 'response.output_text.delta')).toHaveLength(6);
    expect(before.map((e) => e.data['sequence_number'])).toEqual(before.map((_, i) => i));
    expect(events.at(-2)).toMatchObject({ event: 'error', data: { code: 'upstream_error', sequence_number: before.length } });
    expect(events.at(-1)).toMatchObject({ event: 'response.failed', data: { sequence_number: before.length + 1, response: { status: 'failed', error: { code: 'upstream_error' } } } });
    const row = await s.waitForCall(raw.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'responses', status: 'error', errorCode: 'upstream_error', estimated: true, outputTokens: 6 });
    expect(row.inputTokens).toBe(countTokens(promptText(body)));
  });
});

describe('budgets on /v1/responses', () => {
  it('refuses a call whose worst case does not fit, in the OpenAI error shape', async () => {
    const team = 'resp-broke';
    const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ scope: `team:${team}`, limit_usd: 0.001, period: 'day' }) });
    expect(r.status).toBe(201);
    const k = await s.createKey({ team, unlimited: true });
    // 2,000 injected output tokens at $10/Mtok = $0.02 worst case, over the $0.001 budget.
    const err = await s.openai(k).responses.create({ model: 'test-gpt', input: 'hello' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(402);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('budget_exceeded');
    const rows = await s.calls();
    expect(rows.find((x) => x.team === team)).toMatchObject({ endpoint: 'responses', status: 'error', errorCode: 'budget_exceeded', costNanos: 0 });
  });

  it('clamps max_output_tokens to what remains', async () => {
    const team = 'resp-clamp';
    const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ scope: `team:${team}`, limit_usd: 0.005, period: 'day', clamp: true }) });
    expect(r.status).toBe(201);
    const k = await s.createKey({ team, unlimited: true });
    const res = await post(k, { model: 'test-gpt', max_output_tokens: 1000, input: directive({ completion_tokens: 1000 }) });
    expect(res.status).toBe(200);
    const clamped = Number(res.headers.get('x-tollgate-clamped-max-tokens'));
    expect(clamped).toBeGreaterThan(16);
    expect(clamped).toBeLessThan(500);
    expect(lastBody()['max_output_tokens']).toBe(clamped);
    expect((JSON.parse(res.text) as { usage: { output_tokens: number } }).usage.output_tokens).toBe(clamped);
  });

  it('reserves 100k prompt tokens per item_reference, whose stored content its bytes do not show', async () => {
    const team = 'resp-refs';
    const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ scope: `team:${team}`, limit_usd: 0.2, period: 'day' }) });
    expect(r.status).toBe(201);
    const k = await s.createKey({ team, unlimited: true });
    const ref = (id: string) => ({ type: 'item_reference', id });
    const ask = (refs: string[], d: Record<string, unknown> = {}, i = 0) => post(k, { model: 'test-gpt', max_output_tokens: 100, input: [...refs.map(ref), { role: 'user', content: directive(d, `Go on ${i}.`) }] });
    // Each reference names an item of its own: two are 200k tokens, $0.25 of input at $1.25/Mtok, over the $0.20 budget.
    expect(JSON.parse((await ask(['msg_1', 'msg_2'])).text)).toMatchObject({ error: { code: 'budget_exceeded' } });
    // The referenced item is 60,000 prompt tokens ($0.076 a call): 20 at once would spend $1.52 unreserved.
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(['msg_1'], { prompt_tokens: 60_000, completion_tokens: 100 }, i).then((x) => x.status)));
    expect(codes.filter((c) => c === 200).length).toBeGreaterThan(0);
    expect(new Set(codes.filter((c) => c !== 200))).toEqual(new Set([402]));
    const spent = (await s.calls()).filter((x) => x.team === team).reduce((a, x) => a + x.costNanos, 0);
    expect(spent).toBeLessThanOrEqual(200_000_000);
  });

  it('cuts a stream that overruns its reservation with an error event and response.failed', async () => {
    const k = await s.createKey({ team: 'resp-overrun' });
    const body = { model: 'test-gpt', stream: true, max_output_tokens: 10, input: directive({ completion_tokens: 200, ignore_max_tokens: true, chunk_delay_ms: 2 }) };
    // Through the SDK: the error event raises, as a cut chat stream does.
    const { data: stream, response } = await s.openai(k).responses.create({ ...body, stream: true }).withResponse();
    let deltas = 0;
    const err = await (async () => {
      for await (const e of stream) if (e.type === 'response.output_text.delta') deltas++;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/budget/);
    expect(deltas).toBe(10);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'responses', status: 'error', errorCode: 'budget_exceeded', estimated: true });
    expect(row.outputTokens).toBeGreaterThanOrEqual(10);
    expect(row.outputTokens).toBeLessThanOrEqual(12);

    // On the wire: the stream's own numbering continues into the two closing events.
    const raw = await post(k, body);
    const events = sseEvents(raw.text);
    const [error, failed] = events.slice(-2);
    expect(events.slice(0, -2).map((e) => e.data['sequence_number'])).toEqual(events.slice(0, -2).map((_, i) => i));
    expect(error).toMatchObject({ event: 'error', data: { type: 'error', code: 'budget_exceeded', sequence_number: events.length - 2 } });
    expect(failed).toMatchObject({ event: 'response.failed', data: { type: 'response.failed', sequence_number: events.length - 1 } });
    const created = events[0]!.data['response'] as Record<string, unknown>;
    expect(failed!.data['response']).toMatchObject({ id: created['id'], object: 'response', status: 'failed', error: { code: 'budget_exceeded' } });
  });
});

describe('bad input on /v1/responses', () => {
  let ledger: LedgerWatch;
  beforeAll(async () => {
    ledger = ledgerWatch(s);
    await ledger.start();
  });

  function openaiError(text: string): { message: string; type: string; code: string; param: unknown } {
    const e = (JSON.parse(text) as { error: { message: string; type: string; code: string; param: unknown } }).error;
    expect(typeof e.message).toBe('string');
    expect('param' in e).toBe(true);
    return e;
  }

  it('answers OpenAI-style 400s and records them at no cost', async () => {
    const cases: [unknown, string, unknown][] = [
      ['{"model":', 'invalid_json', null],
      [{ input: 'hi' }, 'invalid_request', 'model'],
      [{ model: 'test-gpt', input: 42 }, 'invalid_request', 'input'],
      [{ model: 'test-gpt', input: 'hi', max_output_tokens: -5 }, 'invalid_request', 'max_output_tokens'],
      [{ model: 'test-gpt', input: 'hi', stream: 'yes' }, 'invalid_request', 'stream'],
      [{ model: 'test-gpt', input: 'hi', background: true }, 'invalid_request', 'background'],
    ];
    for (const [body, code, param] of cases) {
      const r = await post(key, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const e = openaiError(r.text);
      expect(e).toMatchObject({ type: 'invalid_request_error', code });
      if (param !== null) expect(e.param).toBe(param);
    }
    const fresh = await ledger.check(cases.length);
    for (const row of fresh) expect(row).toMatchObject({ endpoint: 'responses', status: 'error', httpStatus: 400, costNanos: 0 });
  });

  it('refuses a model served by an Anthropic-kind provider, naming the model and provider', async () => {
    const upstreamBefore = s.mock.stats.requests;
    const r = await post(key, { model: 'test-claude', input: 'hi' });
    expect(r.status).toBe(400);
    const e = openaiError(r.text);
    expect(e.code).toBe('unsupported_endpoint');
    expect(e.message).toContain('test-claude');
    expect(e.message).toContain('"anthropic"');
    expect(s.mock.stats.requests).toBe(upstreamBefore);
    const [row] = await ledger.check(1);
    expect(row).toMatchObject({ status: 'error', errorCode: 'unsupported_endpoint', costNanos: 0 });
  });

  it('applies the body size limit', async () => {
    const r = await post(key, { model: 'test-gpt', input: 'x'.repeat(70 * 1024) });
    expect(r.status).toBe(413);
    expect(openaiError(r.text).code).toBe('body_too_large');
    await ledger.check(1);
  });

  it('answers GET with 405, not 404', async () => {
    const r = await fetch(`${s.gw.url}/v1/responses`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(405);
  });
});

describe('run guard and cache on Responses bodies', () => {
  let g: Stack;
  beforeAll(async () => {
    g = await startStack({
      config: (base) => ({
        ...base,
        guard: { enabled: true },
        routes: [
          { name: 'cached', match: { model: 'cached-gpt' }, serve: 'test-gpt', cache: { ttl_seconds: 60 } },
          { name: 'mixed', match: { model: 'mixed-chain' }, fallback: ['test-claude', 'test-gpt'] },
          { name: 'claude-only', match: { model: 'claude-chain' }, fallback: ['test-claude', 'claude-sonnet-4-5'] },
        ],
      }),
    });
  });
  afterAll(() => g.close());

  it('groups a conversation into one run by its instructions and first input, string or items', async () => {
    const k = await g.createKey({ team: 'agents' });
    const client = g.openai(k);
    const ids: string[] = [];
    const first = await client.responses.create({ model: 'test-gpt', instructions: 'You are a coding agent.', input: 'Fix the bug.' }).withResponse();
    ids.push(first.response.headers.get('x-tollgate-call-id')!);
    const next = await client.responses
      .create({
        model: 'test-gpt',
        instructions: 'You are a coding agent.',
        input: [
          { role: 'user', content: [{ type: 'input_text', text: 'Fix the bug.' }] },
          { type: 'function_call', call_id: 'call_1', name: 'read_file', arguments: '{"path":"a.ts"}' },
          { type: 'function_call_output', call_id: 'call_1', output: 'export const a = 1;' },
        ],
      })
      .withResponse();
    ids.push(next.response.headers.get('x-tollgate-call-id')!);
    const other = await client.responses.create({ model: 'test-gpt', instructions: 'You are a coding agent.', input: 'Write docs.' }).withResponse();
    ids.push(other.response.headers.get('x-tollgate-call-id')!);
    const [a, b, c] = await Promise.all(ids.map((id) => g.waitForCall(id)));
    expect(a!.run).toMatch(/^fp_/);
    expect(b!.run).toBe(a!.run);
    expect(c!.run).not.toBe(a!.run);
    expect(a!.status).toBe('ok');
    expect(b!.status).toBe('ok');
  });

  it('routes a Responses call past the chain targets that cannot serve it, and refuses when none can', async () => {
    const k = await g.createKey({ team: 'routed' });
    const served = await post2(g, k, { model: 'mixed-chain', input: 'hi' });
    expect(served.status).toBe(200);
    expect(g.mock.stats.lastPath).toBe('/v1/responses');
    expect(await g.waitForCall(served.headers.get('x-tollgate-call-id')!)).toMatchObject({ endpoint: 'responses', servedModel: 'test-gpt', status: 'ok' });
    // Chat on the same chain still goes to its first target, translated.
    const chat = await g.openai(k).chat.completions.create({ model: 'mixed-chain', messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.object).toBe('chat.completion');
    expect(g.mock.stats.lastPath).toBe('/v1/messages');
    const refused = await post2(g, k, { model: 'claude-chain', input: 'hi' });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-tollgate-error-code')).toBe('unsupported_endpoint');
  });

  it('never answers a Responses call from the cache', async () => {
    const k = await g.createKey({ team: 'cachers' });
    const body = { model: 'cached-gpt', input: 'same question' };
    const one = await post2(g, k, body);
    const two = await post2(g, k, body);
    expect(one.status).toBe(200);
    expect(two.status).toBe(200);
    expect(two.headers.get('x-tollgate-cache')).toBeNull();
    const row = await g.waitForCall(two.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ endpoint: 'responses', servedModel: 'test-gpt', status: 'ok' });
    expect(row.costNanos).toBeGreaterThan(0);
  });
});

async function post2(stack: Stack, k: string, body: unknown): Promise<Response> {
  const res = await fetch(`${stack.gw.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res;
}
