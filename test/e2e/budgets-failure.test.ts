/** When things go wrong: Redis unreachable in both fail modes, a provider that overruns the reservation. */
import { deadPort } from './net.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { directive, startStack, type Stack } from './harness.js';


const body = (d: Record<string, unknown> = {}): string => JSON.stringify({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: directive(d) }] });

describe('Redis unreachable', () => {
  let closed: Stack;
  let open: Stack;
  beforeAll(async () => {
    const port = await deadPort();
    const redisDown = (fail: string) => (base: Record<string, unknown>) => ({ ...base, limits: { kind: 'redis', url: `redis://127.0.0.1:${port}`, fail } });
    closed = await startStack({ config: redisDown('closed') });
    open = await startStack({ config: redisDown('open') });
  });
  afterAll(async () => {
    await closed.close();
    await open.close();
  });

  it('fail closed: refuses with 503 limits_unavailable, and the call is in the ledger', async () => {
    const key = await closed.createKey({ team: 'a' });
    const res = await fetch(`${closed.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: body() });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('limits_unavailable');
    const rows = await closed.calls();
    expect(rows[0]).toMatchObject({ status: 'error', errorCode: 'limits_unavailable', costNanos: 0 });
  });

  it('fail open: serves on local counters, still enforcing budgets per instance', async () => {
    const key = await open.createKey({ team: 'b' });
    const r = await fetch(`${open.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: 'Bearer test-admin-key' }, body: JSON.stringify({ scope: 'team:b', limit_usd: 0.001, period: 'day' }) });
    expect(r.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${open.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: body({ completion_tokens: 20 }) });
      statuses.push(res.status);
    }
    // 20 tokens at $10/Mtok = $0.0002 worst case: two fit, then the local budget counter refuses.
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses).toContain(402);
  });
});

describe('a provider that overruns the reservation', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack();
  });
  afterAll(() => s.close());

  it('cuts the stream at the reserved output with a final error event and bills the partial usage', async () => {
    const key = await s.createKey({ team: 'overrun' }); // its default budget holds a reservation
    const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'test-gpt', stream: true, max_tokens: 10, messages: [{ role: 'user', content: directive({ completion_tokens: 200, ignore_max_tokens: true, chunk_delay_ms: 2 }) }] })
      .withResponse();
    let words = 0;
    const err = await (async () => {
      for await (const c of stream) if (c.choices[0]?.delta.content) words++;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(String((err as Error).message)).toMatch(/budget/);
    expect(words).toBe(10);
    const row = await s.waitForCall(response.headers.get('x-tollgate-call-id')!);
    expect(row).toMatchObject({ status: 'error', errorCode: 'budget_exceeded', estimated: true });
    expect(row.outputTokens).toBeGreaterThanOrEqual(10);
    expect(row.outputTokens).toBeLessThanOrEqual(12);
  });
});
