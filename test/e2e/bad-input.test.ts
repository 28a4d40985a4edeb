/**
 * Bad input gets a clear error in the caller's API shape with a stable code, never a crash, a hang or
 * a lost ledger row. Every case also checks that earlier rows are intact and the gateway still serves.
 */
import { deadPort } from './net.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ADMIN_KEY, directive, ledgerWatch, startStack, type LedgerWatch, type Stack } from './harness.js';

let s: Stack;
let key: string;
let closedPort: number;


beforeAll(async () => {
  closedPort = await deadPort();
  s = await startStack({
    config: (base) => ({
      ...base,
      providers: {
        ...(base['providers'] as object),
        slow: { kind: 'openai', base_url: `${(base['providers'] as { openai: { base_url: string } }).openai.base_url}`, api_key: 'sk-slow', timeouts: { connect_ms: 500, first_byte_ms: 300, idle_ms: 300 } },
        dead: { kind: 'openai', base_url: `http://127.0.0.1:${closedPort}/v1`, api_key: 'sk-dead' },
        small: { kind: 'openai', base_url: `${(base['providers'] as { openai: { base_url: string } }).openai.base_url}`, api_key: 'sk-small', max_response_bytes: 4096 },
      },
      models: {
        ...(base['models'] as object),
        'slow-gpt': { provider: 'slow', upstream_model: 'x', price: { input_per_mtok: 1, output_per_mtok: 1 } },
        'dead-gpt': { provider: 'dead', price: { input_per_mtok: 1, output_per_mtok: 1 } },
        'small-gpt': { provider: 'small', upstream_model: 'x', price: { input_per_mtok: 1, output_per_mtok: 1 } },
        'mystery-model-9000': { provider: 'openai' },
      },
    }),
  });
  key = await s.createKey({ team: 'platform', models: ['test-gpt', 'test-claude', 'slow-gpt', 'dead-gpt', 'small-gpt', 'mystery-model-9000'] });
  // A healthy row that every case below must leave untouched.
  await s.openai(key).chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello' }] });
});
afterAll(() => s.close());

async function post(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${s.gw.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers } });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}

function openaiError(r: { json: Record<string, unknown> }): { message: string; type: string; code: string; param: unknown } {
  const e = r.json['error'] as { message: string; type: string; code: string; param: unknown };
  expect(typeof e.message).toBe('string');
  expect(typeof e.type).toBe('string');
  expect('param' in e).toBe(true);
  return e;
}

function anthropicError(r: { json: Record<string, unknown> }): { type: string; message: string; code: string } {
  expect(r.json['type']).toBe('error');
  const e = r.json['error'] as { type: string; message: string; code: string };
  expect(typeof e.message).toBe('string');
  return e;
}

describe('bad input', () => {
  let ledger: LedgerWatch;
  beforeAll(async () => {
    ledger = ledgerWatch(s);
    expect((await ledger.start()).length).toBe(1);
  });

  it('malformed JSON, OpenAI shape', async () => {
    const r = await post('/v1/chat/completions', '{"model": "test-gpt", "messages": [');
    expect(r.status).toBe(400);
    expect(openaiError(r).code).toBe('invalid_json');
    const [row] = await ledger.check(1);
    expect(row).toMatchObject({ status: 'error', errorCode: 'invalid_json', httpStatus: 400, costNanos: 0 });
  });

  it('malformed JSON, Anthropic shape', async () => {
    const r = await post('/v1/messages', 'not json', { 'anthropic-version': '2023-06-01' });
    expect(r.status).toBe(400);
    const e = anthropicError(r);
    expect(e.type).toBe('invalid_request_error');
    expect(e.code).toBe('invalid_json');
    await ledger.check(1);
  });

  it('wrong types', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', messages: 'hi' }));
    expect(r.status).toBe(400);
    const e = openaiError(r);
    expect(e.code).toBe('invalid_request');
    expect(e.param).toBe('messages');
    const a = await post('/v1/messages', JSON.stringify({ model: 'test-claude', messages: [{ role: 'user', content: 'x' }] }));
    expect(a.status).toBe(400);
    expect(anthropicError(a).message).toContain('max_tokens');
    await ledger.check(2);
  });

  it('a choice count that is not a small positive integer', async () => {
    for (const n of [1e308, -5, '5']) {
      const r = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', n, messages: [{ role: 'user', content: 'x' }] }));
      expect(r.status).toBe(400);
      expect(openaiError(r).param).toBe('n');
    }
    await ledger.check(3);
  });

  it('an output bound too large to price exactly', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', max_tokens: 2 ** 53 - 1, messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(400);
    expect(openaiError(r).param).toBe('max_tokens');
    const a = await post('/v1/messages', JSON.stringify({ model: 'test-claude', max_tokens: 10_000_001, messages: [{ role: 'user', content: 'x' }] }));
    expect(a.status).toBe(400);
    expect(anthropicError(a).message).toContain('max_tokens');
    await ledger.check(2);
  });

  it('a compressed body, refused in the caller’s shape without echoing its bytes', async () => {
    const { gzipSync } = await import('node:zlib');
    const gz = gzipSync(JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'x' }] }));
    const r = await post('/v1/chat/completions', gz, { 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
    expect(openaiError(r).code).toBe('unsupported_encoding');
    expect(openaiError(r).message).toMatch(/Content-Encoding: gzip/);
    const a = await post('/v1/messages', gz, { 'content-encoding': 'gzip', 'anthropic-version': '2023-06-01' });
    expect(a.status).toBe(415);
    expect(anthropicError(a).code).toBe('unsupported_encoding');
    await ledger.check(2);
  });

  it('oversize bodies, declared and streamed', async () => {
    const big = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'x'.repeat(70 * 1024) }] });
    const r = await post('/v1/chat/completions', big);
    expect(r.status).toBe(413);
    expect(openaiError(r).code).toBe('body_too_large');
    // Without a content-length: chunked upload that crosses the limit.
    const chunks = (async function* () {
      for (let i = 0; i < 80; i++) yield new TextEncoder().encode('x'.repeat(1024));
    })();
    const res = await fetch(`${s.gw.url}/v1/messages`, {
      method: 'POST',
      body: chunks as unknown as RequestInit['body'],
      duplex: 'half',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(anthropicError({ json: (await res.json()) as Record<string, unknown> }).code).toBe('body_too_large');
    await ledger.check(2);
  });

  it('unknown model and model not allowed', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(404);
    expect(openaiError(r).code).toBe('unknown_model');
    expect(openaiError(r).message).toContain('GET /v1/models lists the models this key may use');
    // A typo names the model the key most likely meant, among those it may use only.
    const typo = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gtp', messages: [{ role: 'user', content: 'x' }] }));
    expect(openaiError(typo).message).toBe('The model "test-gtp" is not configured on this gateway. Did you mean "test-gpt"?');
    const other = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-5-mni', messages: [{ role: 'user', content: 'x' }] }));
    expect(openaiError(other).message).not.toContain('gpt-5-mini');
    const limited = await s.createKey({ team: 'research', models: ['test-gpt'] });
    const client = new OpenAI({ apiKey: limited, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const err = await client.chat.completions.create({ model: 'gpt-5-mini', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed');
    await ledger.check(4);
  });

  it('an unpriced model is refused unless config allows it', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'mystery-model-9000', messages: [{ role: 'user', content: 'x' }] }));
    expect(r.status).toBe(422);
    expect(openaiError(r).code).toBe('unpriced_model');
    await ledger.check(1);
  });

  it('missing, invalid and revoked keys, in both shapes; revocation is immediate', async () => {
    const body = JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: 'x' }] });
    const none = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', body });
    expect(none.status).toBe(401);
    expect(openaiError({ json: (await none.json()) as Record<string, unknown> }).code).toBe('unauthenticated');
    const bad = await post('/v1/chat/completions', body, { authorization: 'Bearer tg_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(bad.status).toBe(401);

    const victim = await s.createKey({ team: 'platform' });
    const ok = await post('/v1/chat/completions', body, { authorization: `Bearer ${victim}` });
    expect(ok.status).toBe(200);
    const id = victim.split('_')[1]!;
    const del = await fetch(`${s.gw.url}/admin/v1/keys/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(del.status).toBe(200);
    const revoked = await post('/v1/chat/completions', body, { authorization: `Bearer ${victim}` });
    expect(revoked.status).toBe(401);
    expect(openaiError(revoked).code).toBe('key_revoked');
    const client = new Anthropic({ apiKey: victim, baseURL: s.gw.url, maxRetries: 0 });
    const err = await client.messages.create({ model: 'test-claude', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    // Unauthenticated requests are nobody's calls: only the one good call adds a row.
    await ledger.check(1);
  });

  it('upstream errors are mapped with the upstream status where useful and no provider key', async () => {
    const limited = await s.openai(key).chat.completions
      .create({ model: 'test-gpt', messages: [{ role: 'user', content: directive({ status: 429 }) }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    // A 4xx is the client's to act on: it gets the provider's own code (the ledger keeps Tollgate's).
    expect((limited as InstanceType<typeof OpenAI.APIError>).code).toBe('rate_limit_exceeded');
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: directive({ status: 500 }) }] }));
    expect(r.status).toBe(502);
    const e = openaiError(r);
    expect(e.code).toBe('upstream_error');
    expect(JSON.stringify(r.json)).not.toContain('sk-test-openai-secret');
    const a = await post('/v1/messages', JSON.stringify({ model: 'test-claude', max_tokens: 10, messages: [{ role: 'user', content: directive({ status: 529 }) }] }), { 'anthropic-version': '2023-06-01' });
    expect(a.status).toBe(502);
    expect(anthropicError(a).code).toBe('upstream_error');
    const rows = await ledger.check(3);
    for (const row of rows) expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_error', costNanos: 0, estimated: false });
  });

  it('a redirect from the provider is an upstream_error, streamed or not, never relayed as an answer', async () => {
    const plain = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', messages: [{ role: 'user', content: directive({ status: 301 }) }] }));
    const streamed = await post('/v1/chat/completions', JSON.stringify({ model: 'test-gpt', stream: true, messages: [{ role: 'user', content: directive({ status: 308 }) }] }));
    for (const r of [plain, streamed]) {
      expect(r.status).toBe(502);
      const e = openaiError(r);
      expect(e.code).toBe('upstream_error');
      expect(e.message).toMatch(/returned 30[18]/);
    }
    const rows = await ledger.check(2);
    for (const row of rows) expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_error', httpStatus: 502, costNanos: 0 });
  });

  it('upstream timeouts and unreachable providers', async () => {
    const slow = await post('/v1/chat/completions', JSON.stringify({ model: 'slow-gpt', messages: [{ role: 'user', content: directive({ first_byte_delay_ms: 2000 }) }] }));
    expect(slow.status).toBe(504);
    expect(openaiError(slow).code).toBe('upstream_timeout');
    const dead = await post('/v1/chat/completions', JSON.stringify({ model: 'dead-gpt', messages: [{ role: 'user', content: 'x' }] }));
    expect(dead.status).toBe(502);
    expect(openaiError(dead).code).toBe('upstream_unavailable');
    const rows = await ledger.check(2);
    expect(rows.map((r) => r.errorCode).sort()).toEqual(['upstream_timeout', 'upstream_unavailable']);
  });

  it("an answer larger than the provider's max_response_bytes fails the call, which is still recorded with an estimate", async () => {
    const fits = await post('/v1/chat/completions', JSON.stringify({ model: 'small-gpt', messages: [{ role: 'user', content: directive({ reply_text: 'short answer' }) }] }));
    expect(fits.status).toBe(200);
    const big = await post('/v1/chat/completions', JSON.stringify({ model: 'small-gpt', max_tokens: 3000, messages: [{ role: 'user', content: directive({ reply_text: 'word '.repeat(2000) }) }] }));
    expect(big.status).toBe(502);
    const e = openaiError(big);
    expect(e.code).toBe('upstream_error');
    expect(e.message).toMatch(/more than 4096 bytes/);
    const rows = await ledger.check(2);
    const failed = rows.find((r) => r.status === 'error')!;
    // The provider answered (and bills) the call: it is not free in the ledger.
    expect(failed).toMatchObject({ errorCode: 'upstream_error', httpStatus: 502, estimated: true });
    // Its usage went with the body: the output it was allowed is what a budget must count.
    expect(failed.outputTokens).toBe(3000);
    expect(failed.costNanos).toBeGreaterThanOrEqual(3000 * 1000); // $1 per Mtok of output
  });

  it('a stream the upstream resets midway ends with an error event and bills the partial usage', async () => {
    const stream = await s.openai(key).chat.completions.create({
      model: 'test-gpt',
      stream: true,
      messages: [{ role: 'user', content: directive({ completion_tokens: 40, error_after_tokens: 7 }) }],
    });
    let words = 0;
    const err = await (async () => {
      for await (const c of stream) if (c.choices[0]?.delta.content) words++;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(words).toBe(7);
    const [row] = await ledger.check(1);
    expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_error', estimated: true, outputTokens: 7 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    expect(row!.costNanos).toBe(Math.round((row!.inputTokens * 1.25 + 7 * 10) * 1000));

    const a = s.anthropic(key);
    const astream = await a.messages.create({ model: 'test-claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: directive({ prompt_tokens: 900, completion_tokens: 40, error_after_tokens: 4 }) }] });
    const aerr = await (async () => {
      for await (const _ev of astream) void _ev;
    })().catch((e: unknown) => e);
    expect(aerr).toBeInstanceOf(Anthropic.APIError);
    const [arow] = await ledger.check(1);
    expect(arow).toMatchObject({ status: 'error', estimated: true, inputTokens: 900, outputTokens: 4 });
  });

  it('unknown routes and wrong methods', async () => {
    const r = await fetch(`${s.gw.url}/v1/nothing`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(404);
    const g = await fetch(`${s.gw.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${key}` } });
    expect(g.status).toBe(405);
    await ledger.check(0);
  });

  it('still serves after all of that', async () => {
    const r = await s.openai(key).chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'still there?' }] });
    expect(r.choices[0]?.message.content).toBeTruthy();
    await ledger.check(1);
  });
});
