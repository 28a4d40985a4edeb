/**
 * Routing through the gateway: the example config as written, fallbacks on every retryable
 * failure (and never after the first byte), the circuit breaker, the response cache, and savings.
 */
import { deadPort } from './net.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';

let s: Stack;
let research: string;
let platform: string;
let dead: number;


beforeAll(async () => {
  dead = await deadPort();
  s = await startStack({
    config: (base, mockUrl) => ({
      ...base,
      providers: {
        ...(base['providers'] as object),
        deepseek: { kind: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-ds' },
        slow: { kind: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-slow', timeouts: { connect_ms: 300, first_byte_ms: 300, idle_ms: 2000 } },
        dead: { kind: 'openai', base_url: `http://127.0.0.1:${dead}/v1`, api_key: 'sk-dead' },
      },
      models: {
        ...(base['models'] as object),
        'deepseek-chat': { provider: 'deepseek', price: { input_per_mtok: 0.28, output_per_mtok: 0.42, cached_input_per_mtok: 0.028 } },
        'claude-haiku-4-5': { provider: 'anthropic' },
        'slow-gpt': { provider: 'slow', price: { input_per_mtok: 1, output_per_mtok: 2 } },
        'dead-gpt': { provider: 'dead', price: { input_per_mtok: 1, output_per_mtok: 2 } },
      },
      circuit_breaker: { failures: 6, cooldown_ms: 60_000 },
      // The example from the issue, as written, then rules for the fallback tests.
      routes: [
        { match: { model: 'smart' }, serve: 'claude-sonnet-4-5' },
        { match: { team: 'research', model: 'claude-sonnet-4-5' }, serve: 'deepseek-chat' },
        { match: { model: 'gpt-5-mini' }, fallback: ['gpt-5-mini', 'claude-haiku-4-5'] },
        { match: { tags: ['batch'] }, cache: { ttl_seconds: 3600, scope: 'team' } },
        { match: { model: 'chain' }, fallback: ['test-gpt', 'test-claude'] },
        { match: { model: 'chain-an' }, fallback: ['test-claude', 'test-gpt'] },
        { match: { model: 'chain-timeout' }, fallback: ['slow-gpt', 'test-gpt'] },
        { match: { model: 'chain-dead' }, fallback: ['dead-gpt', 'test-gpt'] },
        { match: { model: 'short-cache' }, serve: 'test-gpt', cache: { ttl_seconds: 1, scope: 'key' } },
      ],
    }),
  });
  research = await s.createKey({ team: 'research' });
  platform = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

async function chat(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers; text: string }> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a stream
  }
  return { status: res.status, json, headers: res.headers, text };
}
const msg = (d: Record<string, unknown>, text = 'hello'): { role: 'user'; content: string }[] => [{ role: 'user', content: directive(d, text) }];

describe('routing', () => {
  it('serves aliases and per-team rules from the example config, translating where needed', async () => {
    const a = await s.anthropic(platform).messages.create({ model: 'smart', max_tokens: 20, messages: msg({}) });
    expect(a.model).toBe('claude-sonnet-4-5'); // same shape: the provider's answer, as it sent it
    expect(s.mock.stats.lastPath).toBe('/v1/messages');
    expect((s.mock.stats.lastBody as { model: string }).model).toBe('claude-sonnet-4-5');
    // Research asks for claude-sonnet-4-5 with the Anthropic SDK and is served by deepseek-chat (OpenAI-shaped).
    const r = await s.anthropic(research).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: msg({ completion_tokens: 10 }) });
    expect(r.type).toBe('message');
    expect(s.mock.stats.lastPath).toBe('/v1/chat/completions');
    expect((s.mock.stats.lastBody as { model: string }).model).toBe('deepseek-chat');
    const rows = await s.calls();
    expect(rows.find((x) => x.team === 'research')).toMatchObject({ requestedModel: 'claude-sonnet-4-5', servedModel: 'deepseek-chat', route: 'rule:#2' });
  });

  it('falls back on each retryable failure before the first byte, with a ledger row per attempt', async () => {
    for (const status of [408, 409, 429, 500, 503]) {
      const r = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ status, only_model: 'gpt-test-upstream' }, `status ${status}`) });
      expect(r.status, `status ${status}`).toBe(200);
      expect((r.json['choices'] as unknown[]).length).toBe(1);
      const id = r.headers.get('x-tollgate-call-id')!;
      const rows = (await s.calls()).filter((x) => x.id === id || x.attemptOf === id);
      expect(rows.map((x) => [x.servedModel, x.status, x.attemptOf === id]).sort()).toEqual([['test-claude', 'ok', false], ['test-gpt', 'error', true]].sort());
    }
    const t = await chat(platform, { model: 'chain-timeout', max_tokens: 20, messages: msg({ first_byte_delay_ms: 1500, only_model: 'slow-gpt' }) });
    expect(t.status).toBe(200);
    const d = await chat(platform, { model: 'chain-dead', max_tokens: 20, messages: msg({}) });
    expect(d.status).toBe(200);
    // The header names the model that served the call after the fallback.
    expect(d.headers.get('x-tollgate-model')).toBe('test-gpt');
    const ds = await chat(platform, { model: 'chain-dead', stream: true, max_tokens: 20, messages: msg({}) });
    expect([ds.status, ds.headers.get('x-tollgate-model')]).toEqual([200, 'test-gpt']);
    // A non-retryable failure does not fall back.
    const bad = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ status: 400, only_model: 'gpt-test-upstream' }) });
    expect(bad.status).toBe(400);
  });

  it('falls back on a provider rate limit, not on a prompt too long, which reaches the client as the provider named it', async () => {
    const limited = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ error_code: 'rate_limit_exceeded', only_model: 'gpt-test-upstream' }) });
    expect([limited.status, limited.headers.get('x-tollgate-model')]).toEqual([200, 'test-claude']);
    const before = s.mock.stats.requests;
    const long = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ error_code: 'context_length_exceeded', only_model: 'gpt-test-upstream' }) });
    expect(s.mock.stats.requests - before).toBe(1);
    expect(long.status).toBe(400);
    expect(long.json['error']).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    const id = long.headers.get('x-tollgate-call-id')!;
    expect(await s.waitForCall(id)).toMatchObject({ status: 'error', httpStatus: 400, errorCode: 'upstream_error', servedModel: 'test-gpt', attemptOf: null });
    // The last target's rate limit reaches the client with its code and Retry-After.
    const both = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ error_code: 'rate_limit_exceeded' }) });
    expect([both.status, both.headers.get('retry-after')]).toEqual([429, '7']);
    expect(both.json['error']).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded' });
  });

  it('a translated answer after a fallback names the model that served it, as its provider reported it', async () => {
    // An OpenAI client: test-gpt fails, test-claude (Anthropic, upstream name test-claude) serves.
    const fail = { status: 500, only_model: 'gpt-test-upstream' };
    const { data, response } = await s.openai(platform).chat.completions.create({ model: 'chain', max_tokens: 20, messages: msg(fail, 'fb body') }).withResponse();
    expect([response.headers.get('x-tollgate-model'), data.model]).toEqual(['test-claude', 'test-claude']);
    const stream = await s.openai(platform).chat.completions.create({ model: 'chain', stream: true, max_tokens: 20, messages: msg(fail, 'fb stream') });
    const models = new Set<string>();
    for await (const c of stream) models.add(c.model);
    expect([...models]).toEqual(['test-claude']);
    // An Anthropic client: test-claude fails, test-gpt (OpenAI, upstream name gpt-test-upstream) serves.
    const anFail = { status: 500, only_model: 'test-claude' };
    const an = await s.anthropic(platform).messages.create({ model: 'chain-an', max_tokens: 20, messages: msg(anFail, 'fb an body') }).withResponse();
    expect([an.response.headers.get('x-tollgate-model'), an.data.model]).toEqual(['test-gpt', 'gpt-test-upstream']);
    const final = await s.anthropic(platform).messages.stream({ model: 'chain-an', max_tokens: 20, messages: msg(anFail, 'fb an stream') }).finalMessage();
    expect(final.model).toBe('gpt-test-upstream');
    // As an untranslated answer names it (the provider's bytes); successes close both circuits again.
    expect((await s.openai(platform).chat.completions.create({ model: 'test-gpt', max_tokens: 20, messages: msg({}) })).model).toBe('gpt-test-upstream');
    expect((await s.anthropic(platform).messages.create({ model: 'test-claude', max_tokens: 20, messages: msg({}) })).model).toBe('test-claude');
  });

  it('never falls back once bytes reached the client', async () => {
    const before = s.mock.stats.requests;
    const r = await chat(platform, { model: 'chain', stream: true, max_tokens: 50, messages: msg({ completion_tokens: 30, error_after_tokens: 3, chunk_delay_ms: 20, only_model: 'gpt-test-upstream' }) });
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/"error"/);
    expect(s.mock.stats.requests - before).toBe(1);
  });

  it('does not fall back once the provider answered 2xx: a body cut midway is this call, estimated and billed', async () => {
    const before = s.mock.stats.requests;
    const r = await chat(platform, { model: 'chain', max_tokens: 20, messages: msg({ completion_tokens: 10, break_body: true, only_model: 'gpt-test-upstream' }, 'cut body') });
    expect(r.status).toBe(502);
    expect(r.json['error']).toMatchObject({ code: 'upstream_unavailable' });
    expect(s.mock.stats.requests - before).toBe(1); // no second answer bought
    const id = r.headers.get('x-tollgate-call-id')!;
    await s.waitForCall(id); // recorded after the answer went out
    const rows = (await s.calls()).filter((x) => x.id === id || x.attemptOf === id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ servedModel: 'test-gpt', status: 'error', estimated: true });
    expect(rows[0]!.costNanos).toBeGreaterThan(0);
  });

  it('skips a target whose circuit is open', async () => {
    // chain-dead already failed once on dead-gpt; five more failures open its circuit (failures: 6).
    for (let i = 0; i < 5; i++) await chat(platform, { model: 'chain-dead', max_tokens: 20, messages: msg({}) });
    const rowsBefore = (await s.calls()).filter((x) => x.servedModel === 'dead-gpt').length;
    const r = await chat(platform, { model: 'chain-dead', max_tokens: 20, messages: msg({}) });
    expect(r.status).toBe(200);
    const rowsAfter = (await s.calls()).filter((x) => x.servedModel === 'dead-gpt').length;
    expect(rowsAfter).toBe(rowsBefore); // not even tried
  });
});

describe('response cache', () => {
  const body = (text: string, extra: Record<string, unknown> = {}) => ({ model: 'test-gpt', max_tokens: 20, messages: msg({ completion_tokens: 12 }, text), ...extra });

  it('answers an identical request from the cache, whatever the key order or whitespace, with zero cost and the saving recorded', async () => {
    const tags = { 'x-tollgate-tags': 'batch' };
    const first = await chat(platform, body('cache me'), tags);
    expect(first.headers.get('x-tollgate-cache')).toBe('miss');
    const before = s.mock.stats.requests;
    const raw = JSON.stringify(body('cache me'));
    const reordered = `{ "max_tokens": 20,\n "messages": ${JSON.stringify(JSON.parse(raw).messages)}, "model": "test-gpt" }`;
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${platform}`, ...tags }, body: reordered });
    expect(res.headers.get('x-tollgate-cache')).toBe('hit');
    const hit = (await res.json()) as Record<string, unknown>;
    expect(hit['choices']).toEqual(first.json['choices']);
    expect(s.mock.stats.requests).toBe(before);
    const row = await s.waitForCall(res.headers.get('x-tollgate-call-id')!);
    const firstRow = await s.waitForCall(first.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ cacheHit: true, costNanos: 0, route: 'cache', outputTokens: 12 });
    expect(row.savedNanos).toBe(firstRow.costNanos);
  });

  it('replays a cached answer to a streaming request as a well-formed stream', async () => {
    const tags = { 'x-tollgate-tags': 'batch' };
    await chat(platform, body('stream me'), tags);
    const client = s.openai(platform, { headers: tags });
    const stream = await client.chat.completions.create({ ...body('stream me'), stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: unknown = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text.trim().split(/\s+/)).toHaveLength(12);
    expect(usage).toMatchObject({ completion_tokens: 12 });
  });

  it('keeps tenants apart, honours no-cache and expires with its TTL', async () => {
    const tags = { 'x-tollgate-tags': 'batch' };
    await chat(platform, body('scoped'), tags);
    expect((await chat(research, body('scoped'), tags)).headers.get('x-tollgate-cache')).toBe('miss');
    expect((await chat(platform, body('scoped'), { ...tags, 'cache-control': 'no-cache' })).headers.get('x-tollgate-cache')).toBe('bypass');
    const short = { model: 'short-cache', max_tokens: 20, messages: msg({}, 'short') };
    await chat(platform, short);
    expect((await chat(platform, short)).headers.get('x-tollgate-cache')).toBe('hit');
    await new Promise((r) => setTimeout(r, 1100));
    expect((await chat(platform, short)).headers.get('x-tollgate-cache')).toBe('miss');
  });
});

describe('savings', () => {
  it('reports what routing and the cache saved, equal to the sum of per-call differences', async () => {
    const res = await fetch(`${s.gw.url}/admin/v1/savings?group_by=team`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const report = (await res.json()) as { total_saved_nanos: number; data: { team: string; reason: string; saved_nanos: number }[] };
    const rows = (await s.calls()).filter((r) => r.route !== null && r.attemptOf === null);
    expect(report.total_saved_nanos).toBe(rows.reduce((sum, r) => sum + r.savedNanos, 0));
    expect(report.data.some((r) => r.reason === 'cache' && r.saved_nanos > 0)).toBe(true);
    // Research was routed from claude-sonnet-4-5 to deepseek-chat: the saving is claude's price minus deepseek's for the same tokens.
    const routed = rows.find((r) => r.team === 'research')!;
    expect(routed.savedNanos).toBeGreaterThan(0);
    expect(report.data.find((r) => r.team === 'research' && r.reason === 'routing')?.saved_nanos).toBe(routed.savedNanos);
  });
});
