/**
 * Server web searches (Anthropic's web search tool) are billed per search, apart from tokens: metered
 * and reserved. What server tools bring back (search results, fetched pages) is billed as input: reserved.
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
        'searching-claude': { provider: 'anthropic', price: { input_per_mtok: 3, output_per_mtok: 15, web_searches_per_k: 10 } },
        // Its searches' results are bounded at 100 tokens each: what is reserved is mostly the search price.
        'terse-searching-claude': { provider: 'anthropic', price: { input_per_mtok: 3, output_per_mtok: 15, web_searches_per_k: 10 }, web_search_tokens: 100 },
        'searching-gpt': { provider: 'openai', price: { input_per_mtok: 1.25, output_per_mtok: 10, web_searches_per_k: 10 } },
      },
    }),
  });
});
afterAll(() => s.close());

const SEARCH_TOOL = { type: 'web_search_20250305', name: 'web_search', max_uses: 5 } as const;

describe('web searches', () => {
  it('are priced per search on top of the tokens, streamed and not, at config and catalogue prices', async () => {
    const key = await s.createKey({ team: 'search', unlimited: true });
    const client = s.anthropic(key);
    const ask = (model: string, searches: number) => ({
      model,
      max_tokens: 100,
      messages: [{ role: 'user' as const, content: directive({ prompt_tokens: 1000, completion_tokens: 50, web_search_requests: searches }, 'Find the news.') }],
    });
    const plain = await client.messages.create(ask('searching-claude', 5));
    expect(plain.usage.server_tool_use?.web_search_requests).toBe(5);
    const streamed = await client.messages.stream(ask('searching-claude', 3)).finalMessage();
    expect(streamed.usage.server_tool_use?.web_search_requests).toBe(3);
    // The catalogue prices Claude's web searches too ($10 per 1,000).
    const catalogued = await client.messages.create(ask('claude-sonnet-4-5', 2));
    const none = await client.messages.create(ask('claude-sonnet-4-5', 0));
    expect([catalogued.id, none.id]).toHaveLength(2);
    // The four calls, in the order they were made (call ids start with the time).
    const [a, b, c, d] = (await s.calls()).filter((r) => r.team === 'search').sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1)).map((r) => r.costNanos);
    // 1000 in at $3 + 50 out at $15 per Mtok = $0.00375; each search $0.01.
    expect(a).toBe(3_750_000 + 5 * 10_000_000);
    expect(b).toBe(3_750_000 + 3 * 10_000_000);
    expect(c! - d!).toBe(2 * 10_000_000);
  });

  it("are priced per web_search_call of a Responses API answer, streamed and not", async () => {
    const key = await s.createKey({ team: 'search-responses', unlimited: true });
    const client = s.openai(key);
    const input = (searches: number): string => directive({ prompt_tokens: 1000, completion_tokens: 50, web_search_requests: searches }, 'Find the news.');
    const plain = await client.responses.create({ model: 'searching-gpt', input: input(4), tools: [{ type: 'web_search' }] });
    expect(plain.output.filter((o) => o.type === 'web_search_call')).toHaveLength(4);
    const streamed = await client.responses.stream({ model: 'searching-gpt', input: input(2), tools: [{ type: 'web_search' }] }).finalResponse();
    expect(streamed.output.filter((o) => o.type === 'web_search_call')).toHaveLength(2);
    await client.responses.create({ model: 'searching-gpt', input: input(0) });
    const costs = (await s.calls()).filter((r) => r.team === 'search-responses').sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1)).map((r) => r.costNanos);
    // 1000 in at $1.25 + 50 out at $10 per Mtok = $0.00175; each search $0.01.
    expect(costs).toEqual([1_750_000 + 4 * 10_000_000, 1_750_000 + 2 * 10_000_000, 1_750_000]);
  });

  it("reserves a request's searches: max_uses of each web search tool, at the search price", async () => {
    const key = await budgeted('search-budget', 0.04);
    const call = (maxUses: number): Promise<Response> =>
      fetch(`${s.gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'terse-searching-claude', max_tokens: 100, tools: [{ ...SEARCH_TOOL, max_uses: maxUses }], messages: [{ role: 'user', content: 'Find the news.' }] }),
      });
    // Five searches may cost $0.05: more than the $0.04 budget, whatever the tokens.
    const refused = await call(5);
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('billing_error');
    expect((await call(2)).status).toBe(200);
  });

  it('reserves the input tokens of every search the tools allow: concurrent searching calls stay within the budget', async () => {
    const key = await budgeted('search-results', 0.5);
    // Each call runs 2 searches whose results the provider bills as 40,000 input tokens: $0.12 + $0.003 out + $0.02 of searches.
    const calls = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        messages(key, { model: 'searching-claude', max_tokens: 200, tools: [{ ...SEARCH_TOOL, max_uses: 2 }], messages: [{ role: 'user', content: directive({ prompt_tokens: 40_000, completion_tokens: 200, web_search_requests: 2 }, `News ${i}.`) }] }),
      ),
    );
    expect(calls.filter((st) => st === 200).length).toBeGreaterThan(0);
    expect(new Set(calls.filter((st) => st !== 200))).toEqual(new Set([402]));
    const spent = (await s.calls()).filter((r) => r.team === 'search-results').reduce((a, r) => a + r.costNanos, 0);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(500_000_000);
  });

  it("reserves what web fetches may bring: each allowed fetch's max_content_tokens, else 100k tokens", async () => {
    const key = await budgeted('fetch-budget', 0.1);
    const call = (tool: Record<string, unknown>): Promise<number> =>
      messages(key, { model: 'searching-claude', max_tokens: 100, tools: [{ type: 'web_fetch_20250910', name: 'web_fetch', ...tool }], messages: [{ role: 'user', content: 'Read https://example.com.' }] });
    // A fetch of up to 100k tokens at $3/Mtok is $0.30 of input, over the $0.10 budget; 5,000 tokens fit.
    expect(await call({ max_uses: 1 })).toBe(402);
    expect(await call({ max_uses: 2, max_content_tokens: 5_000 })).toBe(200);
    expect(await call({ max_uses: 8, max_content_tokens: 5_000 })).toBe(402);
  });
});

async function budgeted(team: string, usd: number): Promise<string> {
  const key = await s.createKey({ team, unlimited: true });
  const r = await fetch(`${s.gw.url}/admin/v1/budgets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scope: `team:${team}`, limit_usd: usd, period: 'day' }),
  });
  expect(r.status).toBe(201);
  return key;
}

async function messages(key: string, body: Record<string, unknown>): Promise<number> {
  const r = await fetch(`${s.gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  await r.arrayBuffer();
  return r.status;
}
