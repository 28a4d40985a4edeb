/**
 * Chat Completions search models (gpt-4o-search-preview...) bill a fee per request on top of the
 * tokens: metered in the call's cost (streamed or not; not for a request the provider failed) and
 * reserved with the call's worst case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      models: {
        ...(base['models'] as object),
        'gpt-4o-search-preview': { provider: 'openai', price: { input_per_mtok: 2.5, output_per_mtok: 10, requests_per_k: 35 } },
      },
    }),
  });
});
afterAll(() => s.close());

const FEE = 35_000_000; // $35 per 1,000 requests

describe('per-request fee of search models', () => {
  it('is added to the cost of each answered call, streamed and not; a failed call pays none', async () => {
    const key = await s.createKey({ team: 'search-fee', unlimited: true });
    const client = s.openai(key);
    const ask = { model: 'gpt-4o-search-preview', messages: [{ role: 'user' as const, content: directive({ prompt_tokens: 1000, completion_tokens: 50 }, 'What happened today?') }] };
    await client.chat.completions.create(ask);
    const stream = await client.chat.completions.create({ ...ask, stream: true, stream_options: { include_usage: true } });
    for await (const chunk of stream) void chunk;
    await expect(client.chat.completions.create({ ...ask, messages: [{ role: 'user', content: directive({ status: 400 }, 'Refuse.') }] })).rejects.toThrow();
    const rows = (await s.calls()).filter((r) => r.team === 'search-fee').sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1));
    // 1000 in at $2.5 + 50 out at $10 per Mtok = $0.003, and the request.
    expect(rows.map((r) => [r.status, r.costNanos])).toEqual([
      ['ok', 3_000_000 + FEE],
      ['ok', 3_000_000 + FEE],
      ['error', 0],
    ]);
  });

  it("is reserved: a budget below one request's fee refuses the call whatever its tokens", async () => {
    const key = await s.createKey({ team: 'search-fee-budget', unlimited: true });
    const r = await fetch(`${s.gw.url}/admin/v1/budgets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'team:search-fee-budget', limit_usd: 0.03, period: 'day' }),
    });
    expect(r.status).toBe(201);
    const call = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-search-preview', max_tokens: 10, messages: [{ role: 'user', content: 'Hi.' }] }),
    });
    expect(call.status).toBe(402);
    const body = (await call.json()) as { error: { code: string } };
    expect(body.error.code).toBe('budget_exceeded');
  });
});
